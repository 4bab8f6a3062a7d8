import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { ADMIN_ONLY_CATEGORIES, categoryOf, generateMsrEvents, makeMsrEvent, type MsrSimEvent } from './msr-events'
import { createRethinkChangefeed, type RethinkChangefeed } from './notary-changefeed-store'
import { errcodeBody, FaultQueue, seededRandom, type FaultMatch, type FaultStyle, type SimFault } from './sim-faults'
import { answerWithFault, commonControlRoutes, plainControlReply, runStandaloneSim, serveControl, SimTimers, startSimServer, type SimAnswer, type SimControlRoutes } from './sim-server'

/**
 * A DTR / MSR 2.x–3.x simulator on a loopback port, faithful to sources/2-msr-dtr.md (and, for its
 * Notary side, 3-notary.md):
 *
 * - HTTP Basic on `/api/v0/*` (username and password or access token); errors in the
 *   `{"errors":[{"code","message"}]}` envelope: 401 NOT_AUTHENTICATED, 403 NOT_AUTHORIZED, 400
 *   INVALID_PARAMETERS.
 * - `GET /api/v0/events`: `pageStart` (id of the page's first event; unknown → 400), `pageSize`
 *   (default 10, capped at `maxPageSize`), `count` (→ `X-Resource-Count`), `publishedAfter`,
 *   `publishedBefore` (both exclusive here: the contract leaves it open), `actorId`, `eventType`.
 *   `{"events":[…]}` newest first; `X-Next-Page-Start` names the next page's first event, absent on
 *   the last page. Pull, mirror and promotion-policy events are shown to admins only.
 * - `GET /api/v0/meta/settings`: admins only (403 for other users), as DTR 2.3's Swagger says.
 * - `GET /auth/token?service=dtr&scope=…` with Basic → `{token, access_token, expires_in,
 *   issued_at}`; like DTR it gives a token to any valid user, whatever the scope.
 * - `GET /v2/_trust/changefeed` and `/v2/{gun}/_trust/changefeed` with that bearer: the RethinkDB
 *   changefeed of notary-changefeed-store.ts; a missing or expired bearer gets 401 with
 *   `WWW-Authenticate: Bearer realm="<url>/auth/token",service="dtr",scope="…"`. Non-admins see the
 *   changes of the repositories they can read only.
 * - `product: 'harbor'` answers as Harbor (MSR 4): 404 under /api/v0, `/api/v2.0/systeminfo`.
 *
 * Faults are injected per route (`inject(fault, { route })`, default `events`); `/_sim/*` offers
 * the same over HTTP for a simulator running as its own process (`node --import tsx test/sim/msr.ts
 * --events N --seed S --port 0 [--trust-changes N]` prints `{"url":…}` on stdout when ready).
 */

export type MsrRoute = 'events' | 'settings' | 'token' | 'changefeed' | 'harbor'

export interface MsrSimUser {
  username: string
  secret: string
  admin: boolean
  /** Repositories (`ns/repo`) a non-admin can read, for the trust changefeed. Default none. */
  readable?: string[]
}

export interface SimClock {
  now(): number
}

export interface MsrSimOptions {
  users?: MsrSimUser[]
  events?: number
  seed?: number
  /** Explicit events instead of generated ones, any order (sorted newest first). */
  records?: MsrSimEvent[]
  endTime?: number
  clock?: SimClock
  maxPageSize?: number
  /** Trust changes to generate (updates over a few GUNs, one deletion), all older than the blackout. */
  trustChanges?: number
  /** The registry host in GUNs. Default `dtr.example.org`. */
  registryHost?: string
  /** Bearer lifetime; default 300 s. */
  tokenTtlSeconds?: number
  product?: 'dtr' | 'harbor'
  host?: string
  port?: number
  tls?: { key: string; cert: string }
  urlHost?: string
}

export interface SimRequest {
  method: string
  path: string
  route: MsrRoute | 'control' | 'other'
  query: Record<string, string>
  authorization: string | undefined
  /** The Basic user, when there was one. */
  user?: string
  status: number
  fault?: SimFault['kind']
  at: number
}

export interface MsrSim {
  url: string
  port: number
  clock: SimClock
  users: MsrSimUser[]
  admin: MsrSimUser
  nonAdmin: MsrSimUser
  /** Every event, newest first (a copy). */
  readonly events: MsrSimEvent[]
  /** The events `username` may see, newest first. */
  visibleTo(username: string): MsrSimEvent[]
  addEvents(countOrRecords: number | MsrSimEvent[]): MsrSimEvent[]
  /** Removes events (as DTR's auto-deletion does). */
  deleteEvents(ids: string[]): void
  trust: RethinkChangefeed
  /** GUN of repository `ns/repo` on this registry. */
  gun(repository: string): string
  inject(fault: SimFault, match?: FaultMatch<MsrRoute>): void
  clearFaults(): void
  /** Every bearer issued so far answers 401 from now on. */
  expireTokens(): void
  readonly requests: SimRequest[]
  /** Sign-ins: `/api/v0/meta/settings` answers to valid credentials (200 or 403). */
  readonly signIns: number
  /** Bearers issued by `/auth/token`. */
  readonly tokensIssued: number
  close(): Promise<void>
}

const DEFAULT_USERS: MsrSimUser[] = [
  { username: 'admin', secret: 'msr-admin-access-token-0123456789abcdef', admin: true },
  { username: 'dev', secret: 'msr-dev-access-token-fedcba9876543210', admin: false, readable: ['payments/api', 'web/frontend'] }
]

export async function startMsrSim(options: MsrSimOptions = {}): Promise<MsrSim> {
  const users = options.users ?? DEFAULT_USERS
  const admin = users.find((user) => user.admin) ?? users[0]!
  const nonAdmin = users.find((user) => !user.admin) ?? users[0]!
  const clock: SimClock = options.clock ?? { now: Date.now }
  const seed = options.seed ?? 1
  const maxPageSize = options.maxPageSize ?? 100
  const registryHost = options.registryHost ?? 'dtr.example.org'
  const tokenTtlMs = (options.tokenTtlSeconds ?? 300) * 1000

  let events: MsrSimEvent[] = []
  const sortEvents = (): void => {
    // Newest first; ties keep insertion order (a stable sort).
    events.sort((a, b) => Date.parse(b.publishedAt) - Date.parse(a.publishedAt))
  }
  events = [...(options.records ?? generateMsrEvents(options.events ?? 0, seed, { endTime: options.endTime }))]
  sortEvents()

  const gun = (repository: string): string => `${registryHost}/${repository}`
  const trust = createRethinkChangefeed({ now: () => clock.now(), seed: seed + 101 })
  if (options.trustChanges) {
    const random = seededRandom(seed + 202)
    const repos = ['payments/api', 'payments/worker', 'web/frontend', 'base/alpine']
    const start = clock.now() - 10 * 86_400_000
    for (let i = 0; i < options.trustChanges; i++) {
      const repo = repos[Math.floor(random() * repos.length)]!
      const deletion = i === Math.floor(options.trustChanges / 2)
      trust.add(gun(deletion ? 'payments/worker' : repo), deletion ? 'deletion' : 'update', start + i * 60_000)
    }
  }

  const tokens = new Map<string, { user: MsrSimUser; expires: number; scopes: string[] }>()
  let tokensIssued = 0
  let signIns = 0
  let addCounter = 0
  const faults = new FaultQueue<MsrRoute>('events')
  const requests: SimRequest[] = []
  const timers = new SimTimers()

  const visibleTo = (username: string): MsrSimEvent[] => {
    const user = users.find((candidate) => candidate.username === username)
    if (!user) return []
    return user.admin ? [...events] : events.filter((event) => !ADMIN_ONLY_CATEGORIES.has(categoryOf(event)))
  }

  const addEvents = (countOrRecords: number | MsrSimEvent[]): MsrSimEvent[] => {
    let added: MsrSimEvent[]
    if (typeof countOrRecords === 'number') {
      const random = seededRandom(seed * 7919 + ++addCounter)
      const at = clock.now()
      added = Array.from({ length: countOrRecords }, (_, i) => makeMsrEvent(random, i % 3 === 0 ? 'pull' : 'push-tag-update', at))
    } else {
      added = countOrRecords
    }
    events.push(...added)
    sortEvents()
    return added
  }

  const baseHeaders = (): Record<string, string> => ({ date: new Date(clock.now()).toUTCString() })

  const authUser = (authorization: string | undefined): MsrSimUser | undefined | 'none' => {
    const match = /^Basic (\S+)$/i.exec(authorization ?? '')
    if (!match) return 'none'
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    const username = decoded.slice(0, colon)
    const secret = decoded.slice(colon + 1)
    return users.find((user) => user.username === username && user.secret === secret)
  }

  const bearerOf = (authorization: string | undefined): { user: MsrSimUser; scopes: string[] } | undefined => {
    const match = /^Bearer (\S+)$/.exec(authorization ?? '')
    if (!match) return undefined
    const token = tokens.get(match[1]!)
    return token && clock.now() < token.expires ? token : undefined
  }

  const challenge = (scope: string, error?: string): Record<string, string> => ({
    'www-authenticate': `Bearer realm="${url}/auth/token",service="dtr",scope="${scope}"${error ? `,error="${error}"` : ''}`
  })

  const dtrStyle: FaultStyle = {
    baseHeaders,
    now: () => clock.now(),
    errorBody: (status) =>
      status === 429
        ? errcodeBody('TOO_MANY_REQUESTS', 'Too many requests')
        : errcodeBody(status >= 500 ? 'INTERNAL_ERROR' : 'ERROR', http.STATUS_CODES[status] ?? 'error'),
    unauthorized: () => ({ headers: {}, body: errcodeBody('NOT_AUTHENTICATED', 'The client is not authenticated.') })
  }
  const notaryStyle: FaultStyle = {
    ...dtrStyle,
    errorBody: (status) => errcodeBody('UNKNOWN', 'unknown error', status),
    unauthorized: () => ({
      headers: challenge('registry:catalog:*', 'invalid_token'),
      body: errcodeBody('UNAUTHORIZED', 'authentication required', [{ Type: 'registry', Class: '', Name: 'catalog', Action: '*' }])
    })
  }

  type Answer = SimAnswer
  const json = (status: number, value: unknown, headers: Record<string, string> = {}): Answer => ({
    status,
    body: JSON.stringify(value),
    contentType: 'application/json; charset=utf-8',
    headers
  })
  const notAuthenticated = (): Answer => json(401, errcodeBody('NOT_AUTHENTICATED', 'The client is not authenticated.'))

  const parseTime = (value: string | undefined): number | null | 'bad' => {
    if (value === undefined || value === '') return null
    const at = Date.parse(value)
    return /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(at) ? at : 'bad'
  }

  const eventsAnswer = (user: MsrSimUser, query: Record<string, string>): Answer => {
    const size = query['pageSize'] === undefined ? 10 : Number(query['pageSize'])
    if (!Number.isInteger(size) || size < 1) return json(400, errcodeBody('INVALID_PARAMETERS', 'Unable to parse query parameters'))
    const after = parseTime(query['publishedAfter'])
    const before = parseTime(query['publishedBefore'])
    if (after === 'bad' || before === 'bad') return json(400, errcodeBody('INVALID_PARAMETERS', 'Unable to parse query parameters'))
    let list = visibleTo(user.username).filter((event) => {
      const at = Date.parse(event.publishedAt)
      return (after === null || at > after) && (before === null || at < before)
    })
    if (query['actorId']) list = list.filter((event) => event.actor === query['actorId'])
    if (query['eventType']) list = list.filter((event) => event.type === query['eventType'])
    let start = 0
    if (query['pageStart']) {
      start = list.findIndex((event) => event.id === query['pageStart'])
      if (start < 0) return json(400, errcodeBody('INVALID_PARAMETERS', 'Unable to parse query parameters', 'unknown pageStart'))
    }
    const effective = Math.min(size, maxPageSize)
    const page = list.slice(start, start + effective)
    const headers: Record<string, string> = {}
    const next = list[start + effective]
    if (next) headers['x-next-page-start'] = next.id
    if (query['count'] === 'true') headers['x-resource-count'] = String(list.length)
    return json(200, { events: page }, headers)
  }

  const route = (path: string): MsrRoute | 'other' => {
    if (path === '/api/v0/events') return 'events'
    if (path === '/api/v0/meta/settings') return 'settings'
    if (path === '/auth/token') return 'token'
    if (/^\/v2\/(.+\/)?_trust\/changefeed$/.test(path)) return 'changefeed'
    if (path.startsWith('/api/v2.0/')) return 'harbor'
    return 'other'
  }

  const answer = (req: http.IncomingMessage, log: SimRequest): Answer => {
    const { path, query } = log
    if (options.product === 'harbor') {
      if (path === '/api/v2.0/systeminfo') {
        return json(200, { auth_mode: 'db_auth', harbor_version: 'v2.11.1-6b7ecba1', registry_url: 'msr4.example.org', with_notary: false })
      }
      if (path === '/api/v2.0/ping') return { status: 200, body: 'Pong', contentType: 'text/plain; charset=utf-8' }
      return json(404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] })
    }
    if (req.method !== 'GET') return json(405, errcodeBody('NOT_ALLOWED', 'Method Not Allowed'))
    switch (log.route) {
      case 'events':
      case 'settings': {
        const user = authUser(log.authorization)
        if (user === 'none' || user === undefined) return notAuthenticated()
        log.user = user.username
        if (log.route === 'settings') {
          signIns++
          if (!user.admin) return json(403, errcodeBody('NOT_AUTHORIZED', 'The client is not authorized.'))
          return json(200, { dtrHost: registryHost, scanningEnabled: true, auditAuthLogsEnabled: false })
        }
        return eventsAnswer(user, query)
      }
      case 'token': {
        const user = authUser(log.authorization)
        if (user === 'none' || user === undefined) return notAuthenticated()
        log.user = user.username
        const token = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(
          JSON.stringify({ sub: user.username, iat: Math.floor(clock.now() / 1000) })
        ).toString('base64url')}.${randomBytes(24).toString('base64url')}`
        const scopes = new URL(`http://x/?${new URLSearchParams(query).toString()}`).searchParams.getAll('scope')
        tokens.set(token, { user, expires: clock.now() + tokenTtlMs, scopes })
        tokensIssued++
        return json(200, {
          token,
          access_token: token,
          expires_in: tokenTtlMs / 1000,
          issued_at: new Date(clock.now()).toISOString()
        })
      }
      case 'changefeed': {
        const match = /^\/v2\/(?:(.+)\/)?_trust\/changefeed$/.exec(path)!
        const gunName = match[1] === undefined ? undefined : decodeURIComponent(match[1])
        const scope = gunName === undefined ? 'registry:catalog:*' : `repository:${gunName}:pull`
        const bearer = bearerOf(log.authorization)
        if (!bearer) {
          const given = log.authorization !== undefined
          const detail = gunName === undefined
            ? [{ Type: 'registry', Class: '', Name: 'catalog', Action: '*' }]
            : [{ Type: 'repository', Class: '', Name: gunName, Action: 'pull' }]
          return json(401, errcodeBody('UNAUTHORIZED', 'authentication required', detail), challenge(scope, given ? 'invalid_token' : undefined))
        }
        log.user = bearer.user.username
        const prefix = `${registryHost}/`
        const visible = bearer.user.admin
          ? undefined
          : (candidate: string) => candidate.startsWith(prefix) && (bearer.user.readable ?? []).includes(candidate.slice(prefix.length))
        const result = trust.query({ changeId: query['change_id'], records: query['records'], gun: gunName, visible })
        return { status: result.status, body: JSON.stringify(result.body), contentType: result.contentType }
      }
      default:
        return json(404, errcodeBody('NOT_FOUND', 'Not Found'))
    }
  }

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, bodyText: string): void => {
    const parsedUrl = new URL(req.url ?? '/', 'http://sim.invalid')
    const log: SimRequest = {
      method: req.method ?? '',
      path: parsedUrl.pathname,
      route: 'other',
      query: Object.fromEntries(parsedUrl.searchParams),
      authorization: req.headers.authorization,
      status: 0,
      at: clock.now()
    }
    requests.push(log)
    if (log.path.startsWith('/_sim/')) {
      log.route = 'control'
      serveControl(req.method ?? '', log.path, bodyText, plainControlReply(res, log), controlRoutes())
      return
    }
    const which = route(log.path)
    log.route = which
    const fault = which === 'other' ? undefined : faults.take(which)
    answerWithFault(res, log, fault, timers, which === 'changefeed' ? notaryStyle : dtrStyle, () => answer(req, log))
  }

  const controlRoutes = (): SimControlRoutes => ({
    ...commonControlRoutes<SimFault, FaultMatch<MsrRoute>>(requests, faults),
    'GET /_sim/events': () => ({ events }),
    'GET /_sim/trust': () => ({ changes: trust.changes }),
    'POST /_sim/events': (body) => ({
      added: addEvents(Array.isArray(body['records']) ? (body['records'] as MsrSimEvent[]) : Number(body['count'] ?? 1)).length
    }),
    'POST /_sim/trust': (body) => ({
      change: trust.add(String(body['gun']), body['category'] === 'deletion' ? 'deletion' : 'update', Number(body['at'] ?? clock.now()))
    }),
    'POST /_sim/expire-tokens': () => {
      tokens.clear()
      return { ok: true }
    }
  })

  const server = await startSimServer(options, timers, handle)
  const { port, url } = server

  return {
    url,
    port,
    clock,
    users,
    admin,
    nonAdmin,
    get events() {
      return [...events]
    },
    visibleTo,
    addEvents,
    deleteEvents: (ids) => {
      const gone = new Set(ids)
      events = events.filter((event) => !gone.has(event.id))
    },
    trust,
    gun,
    inject: (fault, match) => faults.inject(fault, match),
    clearFaults: () => faults.clear(),
    expireTokens: () => tokens.clear(),
    requests,
    get signIns() {
      return signIns
    },
    get tokensIssued() {
      return tokensIssued
    },
    close: () => server.close()
  }
}

// Standalone: `node --import tsx test/sim/msr.ts --events N --seed S --port 0 [--trust-changes N]
// [--max-page-size N] [--product dtr|harbor]`.
runStandaloneSim(import.meta.url, async (args) => {
  const product = args.get('product')
  const sim = await startMsrSim({
    events: args.number('events') ?? 0,
    seed: args.number('seed') ?? 1,
    port: args.number('port') ?? 0,
    trustChanges: args.number('trust-changes'),
    maxPageSize: args.number('max-page-size'),
    ...(product === 'harbor' ? { product: 'harbor' as const } : {})
  })
  return { sim, ready: () => ({ url: sim.url, port: sim.port, users: sim.users, events: sim.events.length }) }
})

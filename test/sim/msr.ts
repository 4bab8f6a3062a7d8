import { randomBytes } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ADMIN_ONLY_CATEGORIES, categoryOf, generateMsrEvents, makeMsrEvent, type MsrSimEvent } from './msr-events'
import { createRethinkChangefeed, type RethinkChangefeed } from './notary-changefeed-store'
import { errcodeBody, FaultQueue, seededRandom, serveFault, type FaultMatch, type FaultStyle, type SimFault } from './sim-faults'

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
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()

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

  type Answer = { status: number; body: string; contentType: string; headers?: Record<string, string> }
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
      handleControl(req.method ?? '', log.path, bodyText, res, log)
      return
    }
    const which = route(log.path)
    log.route = which
    const fault = which === 'other' ? undefined : faults.take(which)
    const proceed = (): void => {
      if (res.destroyed) return
      if (fault && fault.kind !== 'slow') {
        log.fault = fault.kind
        const normal = answer(req, log)
        log.status = serveFault(fault, res, which === 'changefeed' ? notaryStyle : dtrStyle, () => normal)
        return
      }
      const reply = answer(req, log)
      log.status = reply.status
      res.writeHead(reply.status, {
        ...baseHeaders(),
        'content-type': reply.contentType,
        'content-length': String(Buffer.byteLength(reply.body)),
        ...(reply.headers ?? {})
      })
      res.end(reply.body)
    }
    if (fault?.kind === 'slow') {
      log.fault = 'slow'
      const timer = setTimeout(() => {
        timers.delete(timer)
        proceed()
      }, fault.delayMs)
      timers.add(timer)
    } else {
      proceed()
    }
  }

  const handleControl = (method: string, path: string, bodyText: string, res: http.ServerResponse, log: SimRequest): void => {
    const reply = (status: number, value: unknown): void => {
      log.status = status
      const body = JSON.stringify(value)
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) })
      res.end(body)
    }
    let body: Record<string, unknown> = {}
    try {
      body = bodyText ? (JSON.parse(bodyText) as Record<string, unknown>) : {}
    } catch {
      reply(400, { error: 'bad json' })
      return
    }
    if (method === 'GET' && path === '/_sim/events') return reply(200, { events })
    if (method === 'GET' && path === '/_sim/trust') return reply(200, { changes: trust.changes })
    if (method === 'GET' && path === '/_sim/requests') return reply(200, { requests: requests.filter((r) => r.route !== 'control') })
    if (method === 'POST' && path === '/_sim/events') {
      const added = addEvents(Array.isArray(body['records']) ? (body['records'] as MsrSimEvent[]) : Number(body['count'] ?? 1))
      return reply(200, { added: added.length })
    }
    if (method === 'POST' && path === '/_sim/trust') {
      const change = trust.add(String(body['gun']), body['category'] === 'deletion' ? 'deletion' : 'update', Number(body['at'] ?? clock.now()))
      return reply(200, { change })
    }
    if (method === 'POST' && path === '/_sim/faults') {
      faults.inject(body['fault'] as SimFault, (body['match'] ?? {}) as FaultMatch<MsrRoute>)
      return reply(200, { ok: true })
    }
    if (method === 'POST' && path === '/_sim/clear-faults') {
      faults.clear()
      return reply(200, { ok: true })
    }
    if (method === 'POST' && path === '/_sim/expire-tokens') {
      tokens.clear()
      return reply(200, { ok: true })
    }
    reply(404, { error: 'unknown control' })
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= 1024 * 1024) chunks.push(chunk)
    })
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')))
  }
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener) : http.createServer(listener)
  server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('tlsClientError', () => {})
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolveListen())
  })
  const port = (server.address() as AddressInfo).port
  const urlHost = options.urlHost ?? options.host ?? '127.0.0.1'
  const url = `${options.tls ? 'https' : 'http'}://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${port}`

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
    close: () =>
      new Promise<void>((resolveClose) => {
        for (const timer of timers) clearTimeout(timer)
        timers.clear()
        server.close(() => resolveClose())
        server.closeAllConnections()
        for (const socket of sockets) socket.destroy()
      })
  }
}

// Standalone: `node --import tsx test/sim/msr.ts --events N --seed S --port 0 [--trust-changes N]
// [--max-page-size N] [--product dtr|harbor]`.
async function main(argv: string[]): Promise<void> {
  const args = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i]!
    if (!key.startsWith('--')) throw new Error(`unexpected argument ${key}`)
    args.set(key.slice(2), argv[++i] ?? '')
  }
  const number = (key: string): number | undefined => (args.has(key) ? Number(args.get(key)) : undefined)
  const product = args.get('product')
  const sim = await startMsrSim({
    events: number('events') ?? 0,
    seed: number('seed') ?? 1,
    port: number('port') ?? 0,
    trustChanges: number('trust-changes'),
    maxPageSize: number('max-page-size'),
    ...(product === 'harbor' ? { product: 'harbor' as const } : {})
  })
  process.stdout.write(
    `${JSON.stringify({ url: sim.url, port: sim.port, users: sim.users, events: sim.events.length })}\n`
  )
  const stop = (): void => {
    void sim.close().then(() => process.exit(0))
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  })
}

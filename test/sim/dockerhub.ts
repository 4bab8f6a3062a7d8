import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { DOCUMENTED_ACTIONS, generateDockerHubEvents, isoSeconds, makeRecord, seededRandom, type SimRecord } from './dockerhub-events'
import { FaultQueue, serveFault, type FaultStyle, type SimFault as SharedFault } from './sim-faults'
import { commonControlRoutes, runStandaloneSim, serveControl, SimTimers, startSimServer, type SimControlRoutes } from './sim-server'

/**
 * A Docker Hub audit-log simulator on a loopback port, faithful to sources/1-dockerhub.md:
 *
 * - `POST /v2/auth/token` `{identifier, secret}` → `{access_token}` (JWT-shaped, 10-minute expiry on
 *   the simulator's clock); wrong credentials → 401 with the `error` schema.
 * - `GET /v2/auditlogs/{org}` with `page`, `page_size` (default 25, capped at `maxPageSize`),
 *   `from`, `to` (both inclusive here — the contract leaves it open), `actor`, `action`, `name`:
 *   `{ "logs": [...] }`, newest first, no id, no total, no next link. X-RateLimit-* on every answer.
 * - `GET /v2/auditlogs/{org}/actions`: the action groups.
 *
 * Faults are injected per request (`inject(fault, match)`), and `/_sim/*` offers the same control
 * over HTTP for a simulator running as its own process (`node --import tsx test/sim/dockerhub.ts
 * --events N --seed S --port 0` prints `{"url":…}` on stdout when ready).
 */

export type { SimRecord } from './dockerhub-events'

export interface SimClock {
  now(): number
}

/** A clock the test moves by hand. */
export interface ManualClock extends SimClock {
  advance(ms: number): void
  set(ms: number): void
}

export function createManualClock(start: number): ManualClock {
  let current = start
  return {
    now: () => current,
    advance: (ms) => {
      current += ms
    },
    set: (ms) => {
      current = ms
    }
  }
}

export type SimFault =
  /** 429 with the given header: Retry-After seconds or HTTP date, X-Retry-After or X-RateLimit-Reset unix time, or none. */
  | { kind: 'rate-limit'; header: 'retry-after' | 'retry-after-date' | 'x-retry-after' | 'x-ratelimit-reset' | 'none'; seconds: number }
  /** A 5xx; body `rpc` is the spec's rpcStatus. */
  | { kind: 'server-error'; status?: number; body?: 'rpc' | 'empty' | 'html'; retryAfterSeconds?: number }
  /** Any status with a JSON body (403, 404, 400…). */
  | { kind: 'status'; status: number; body?: unknown }
  /** An HTML error page from a proxy. */
  | { kind: 'html'; status?: number }
  /** The normal answer cut in half, with a Content-Length that matches the cut (a complete, broken document). */
  | { kind: 'truncated-json' }
  /** 200 with this JSON body instead of the real one (wrong shapes). */
  | { kind: 'json'; body: unknown }
  /** 200 with this text and content type. */
  | { kind: 'raw'; body: string; contentType: string; status?: number }
  /** Answers normally after a delay. */
  | { kind: 'slow'; delayMs: number }
  /** Sends headers and the start of the body, then nothing. */
  | { kind: 'stall-after-headers' }
  /** Sends headers and part of the body, then resets the connection. */
  | { kind: 'reset-mid-body' }
  /** Closes the connection without answering. */
  | { kind: 'hang-up' }
  /** 401 as for an expired token. */
  | { kind: 'unauthorized' }
  /** A redirect to `location`. */
  | { kind: 'redirect'; location: string; status?: number }
  /** `bytes` of body streamed without Content-Length (or with it, when `declare`). */
  | { kind: 'huge-body'; bytes: number; declare?: boolean }
  /** Adds events to the source, then answers normally (events arriving while a client walks). */
  | { kind: 'add-events'; count?: number; records?: SimRecord[] }

export interface FaultMatch {
  /** Which endpoint; default `auditlogs`. */
  route?: 'auth' | 'auditlogs' | 'any'
  /** Only requests for this page. */
  page?: number
  /** How many matching requests it applies to; default 1; Infinity (or -1, over JSON) for always. */
  times?: number
  /** Matching requests to let through first; default 0. */
  after?: number
}

export interface SimRequest {
  method: string
  path: string
  route: 'auth' | 'auditlogs' | 'actions' | 'control' | 'other'
  query: Record<string, string>
  /** The Authorization header as received. */
  authorization: string | undefined
  /** `identifier` of a token request. */
  identifier?: string
  status: number
  fault?: SimFault['kind']
  at: number
}

export interface DockerHubSimOptions {
  org?: string
  identifier?: string
  secret?: string
  /** Generated events (newest first, see dockerhub-events.ts). */
  events?: number
  seed?: number
  /** Explicit records instead of generated ones, any order. */
  records?: SimRecord[]
  /** Newest generated event time (ms). */
  endTime?: number
  clock?: SimClock
  /** Bearer lifetime; default 10 minutes, as the spec says. */
  tokenTtlMs?: number
  maxPageSize?: number
  /** Answer as a server that ignores `from` / `to`. */
  ignoreFrom?: boolean
  ignoreTo?: boolean
  /** Empty pages as `{"logs":[]}` (default) or `{}` (gRPC-gateway omitting an empty list). */
  emptyLogs?: 'array' | 'omitted'
  /** 403 on the audit log, as for an organisation without a Team/Business plan. */
  entitled?: boolean
  /** Delay of every audit-log answer (to give a kill -9 test time). */
  pageDelayMs?: number
  host?: string
  port?: number
  /** Serve HTTPS with this key and certificate. */
  tls?: { key: string; cert: string }
  /** Host name used in `url` (e.g. `localhost` for a certificate issued to it). */
  urlHost?: string
}

export interface DockerHubSim {
  url: string
  port: number
  org: string
  identifier: string
  secret: string
  clock: SimClock
  /** The source's full list, newest first (a copy). */
  readonly events: SimRecord[]
  /** Adds `count` new events at the current time, or the given records; returns what was added. */
  addEvents(countOrRecords: number | SimRecord[]): SimRecord[]
  inject(fault: SimFault, match?: FaultMatch): void
  clearFaults(): void
  /** Every token issued so far answers 401 from now on. */
  expireTokens(): void
  readonly requests: SimRequest[]
  /** Token requests answered 200. */
  readonly tokensIssued: number
  close(): Promise<void>
}

interface Entry {
  record: SimRecord
  at: number
}

const RATE_LIMIT = 180

export async function startDockerHubSim(options: DockerHubSimOptions = {}): Promise<DockerHubSim> {
  const org = options.org ?? 'acme'
  const identifier = options.identifier ?? 'ci-bot'
  const secret = options.secret ?? 'dckr_pat_SIMULATOR0000000000000000000'
  const clock: SimClock = options.clock ?? { now: Date.now }
  const tokenTtlMs = options.tokenTtlMs ?? 10 * 60_000
  const maxPageSize = options.maxPageSize ?? 100
  const seed = options.seed ?? 1

  /**
   * Newest first. The initial records keep their given order within a second; records added later
   * go on top of their second, the most disruptive place for a client walking the pages.
   */
  const entries: Entry[] = []
  const insert = (record: SimRecord, within: 'top' | 'bottom'): void => {
    const at = Date.parse(record.timestamp)
    if (Number.isNaN(at)) throw new Error(`simulator: bad timestamp ${record.timestamp}`)
    let lo = 0
    let hi = entries.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (within === 'top' ? entries[mid]!.at > at : entries[mid]!.at >= at) lo = mid + 1
      else hi = mid
    }
    entries.splice(lo, 0, { record, at })
  }
  const initial = options.records ?? generateDockerHubEvents(options.events ?? 0, seed, { org, endTime: options.endTime })
  for (const record of initial) insert(record, 'bottom')

  const tokens = new Map<string, number>()
  let tokensIssued = 0
  let tokenCounter = 0
  let addCounter = 0
  const faults = new FaultQueue<'auth' | 'auditlogs', SimFault, FaultMatch>('auditlogs')
  const requests: SimRequest[] = []
  const timers = new SimTimers()
  let rateRemaining = RATE_LIMIT

  const addEvents = (countOrRecords: number | SimRecord[]): SimRecord[] => {
    let added: SimRecord[]
    if (typeof countOrRecords === 'number') {
      const random = seededRandom(seed * 7919 + ++addCounter)
      const at = clock.now()
      added = Array.from({ length: countOrRecords }, () =>
        makeRecord(random, org, random() < 0.8 ? 'repo.tag.push' : 'repo.tag.delete', at)
      )
    } else {
      added = countOrRecords
    }
    for (const record of added) insert(record, 'top')
    return added
  }

  const baseHeaders = (): Record<string, string> => {
    const now = clock.now()
    rateRemaining = rateRemaining <= 0 ? RATE_LIMIT : rateRemaining - 1
    return {
      date: new Date(now).toUTCString(),
      'x-ratelimit-limit': String(RATE_LIMIT),
      'x-ratelimit-remaining': String(rateRemaining),
      'x-ratelimit-reset': String(Math.floor(now / 1000) + 60)
    }
  }

  const send = (
    res: http.ServerResponse,
    log: SimRequest,
    status: number,
    body: string,
    contentType = 'application/json',
    extra: Record<string, string> = {}
  ): void => {
    log.status = status
    res.writeHead(status, {
      ...baseHeaders(),
      'content-type': contentType,
      'content-length': String(Buffer.byteLength(body)),
      ...extra
    })
    res.end(body)
  }
  const sendJson = (res: http.ServerResponse, log: SimRequest, status: number, value: unknown, extra: Record<string, string> = {}): void =>
    send(res, log, status, JSON.stringify(value), 'application/json', extra)

  const issueToken = (): string => {
    const iat = Math.floor(clock.now() / 1000)
    const exp = Math.floor((clock.now() + tokenTtlMs) / 1000)
    const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
    const token = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ sub: identifier, iat, exp, jti: ++tokenCounter })}.${randomBytes(32).toString('base64url')}`
    tokens.set(token, clock.now() + tokenTtlMs)
    tokensIssued++
    return token
  }

  const bearerValid = (authorization: string | undefined): boolean => {
    const match = /^Bearer (\S+)$/.exec(authorization ?? '')
    if (!match) return false
    const expires = tokens.get(match[1]!)
    return expires !== undefined && clock.now() < expires
  }

  /** The answer to a valid audit-log query, or an error status and body. */
  const auditPage = (query: Record<string, string>): { status: number; body: unknown } => {
    const page = query['page'] === undefined ? 1 : Number(query['page'])
    const size = query['page_size'] === undefined ? 25 : Number(query['page_size'])
    if (!Number.isInteger(page) || page < 1) return { status: 400, body: { detail: 'invalid page', message: 'invalid page' } }
    if (!Number.isInteger(size) || size < 1) return { status: 400, body: { detail: 'invalid page_size', message: 'invalid page_size' } }
    const parseBound = (name: string): number | null | 'bad' => {
      const value = query[name]
      if (value === undefined || value === '') return null
      const at = Date.parse(value)
      return /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(at) ? at : 'bad'
    }
    const from = options.ignoreFrom ? null : parseBound('from')
    const to = options.ignoreTo ? null : parseBound('to')
    if (from === 'bad' || to === 'bad') return { status: 400, body: { detail: 'invalid time range', message: 'invalid time range' } }
    // Binary searches on the newest-first list: the window is [start, end).
    const firstAtOrBelow = (limit: number, strict: boolean): number => {
      let lo = 0
      let hi = entries.length
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        const at = entries[mid]!.at
        if (strict ? at >= limit : at > limit) lo = mid + 1
        else hi = mid
      }
      return lo
    }
    const start = to === null ? 0 : firstAtOrBelow(to, false)
    const end = from === null ? entries.length : firstAtOrBelow(from, true)
    let window = entries.slice(start, Math.max(start, end))
    for (const field of ['actor', 'action', 'name'] as const) {
      const wanted = query[field]
      if (wanted !== undefined) window = window.filter((entry) => entry.record[field] === wanted)
    }
    const effective = Math.min(size, maxPageSize)
    const logs = window.slice((page - 1) * effective, page * effective).map((entry) => entry.record)
    if (logs.length === 0 && options.emptyLogs === 'omitted') return { status: 200, body: {} }
    return { status: 200, body: { logs } }
  }

  const actionsBody = (): unknown => {
    const groups: Record<string, { label: string; actions: Array<{ name: string; description: string; label: string }> }> = {}
    for (const action of DOCUMENTED_ACTIONS) {
      const [group, ...rest] = action.split('.')
      const entry = (groups[group!] ??= { label: group!, actions: [] })
      entry.actions.push({ name: rest.join('.'), description: action, label: rest.join(' ') })
    }
    return { actions: groups }
  }

  const hubStyle: FaultStyle = {
    baseHeaders,
    now: () => clock.now(),
    jsonContentType: 'application/json',
    // Only a 429 and a 5xx come here (a `status` fault brings its own body): the spec's rpcStatus.
    errorBody: (status) => (status === 429 ? { detail: 'Rate limit exceeded', error: false } : { code: 13, message: 'internal error', details: [] }),
    unauthorized: () => ({ headers: {}, body: { errinfo: {}, detail: 'Unauthorized', message: 'token expired' } }),
    // X-RateLimit-Reset carries the wait only in its own case; otherwise it points an hour away,
    // so a client that prefers it over Retry-After / X-Retry-After is caught by the test.
    rateLimit: (fault, headers, now) => ({
      headers: {
        ...headers,
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.floor(now / 1000) + (fault.header === 'x-ratelimit-reset' ? fault.seconds : fault.header === 'none' ? 60 : 3600))
      }
    })
  }

  /** This simulator's fault in the shared kinds: `rpc` is the JSON error body, `status` gets Hub's `detail`. */
  const sharedFault = (fault: Exclude<SimFault, { kind: 'slow' | 'add-events' }>): SharedFault => {
    if (fault.kind === 'server-error') return { ...fault, body: fault.body === 'rpc' ? 'json' : fault.body }
    if (fault.kind === 'status') return { ...fault, body: fault.body ?? { detail: http.STATUS_CODES[fault.status] ?? 'error' } }
    return fault
  }

  /** Serves a fault that replaces the answer; false when the fault only modifies the normal path. */
  const applyFault = (fault: SimFault, res: http.ServerResponse, log: SimRequest, normalBody: () => string): boolean => {
    log.fault = fault.kind
    if (fault.kind === 'slow' || fault.kind === 'add-events') return false
    log.status = serveFault(sharedFault(fault), res, hubStyle, () => ({ status: 200, body: normalBody(), contentType: 'application/json' }))
    return true
  }

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, bodyText: string): void => {
    const url = new URL(req.url ?? '/', 'http://sim.invalid')
    const query = Object.fromEntries(url.searchParams)
    const path = url.pathname
    const log: SimRequest = {
      method: req.method ?? '',
      path,
      route: 'other',
      query,
      authorization: req.headers.authorization,
      status: 0,
      at: clock.now()
    }
    requests.push(log)

    if (path.startsWith('/_sim/')) {
      log.route = 'control'
      serveControl(req.method ?? '', path, bodyText, (status, value) => sendJson(res, log, status, value), controlRoutes())
      return
    }

    const auditMatch = /^\/v2\/auditlogs\/([^/]+)(\/actions)?\/?$/.exec(path)
    const route = path === '/v2/auth/token' ? 'auth' : auditMatch ? (auditMatch[2] ? 'actions' : 'auditlogs') : 'other'
    log.route = route
    if (route === 'other') {
      sendJson(res, log, 404, { detail: 'Not Found' })
      return
    }

    const page = route === 'auditlogs' ? Number(query['page'] ?? 1) : undefined
    const fault = route === 'actions' ? undefined : faults.take(route, (match) => match.page === undefined || match.page === page)
    const proceed = (): void => {
      if (res.destroyed) return
      const normalBody = (): string =>
        route === 'auditlogs' ? JSON.stringify(auditPage(query).body) : JSON.stringify({ access_token: 'x'.repeat(40) })
      if (fault && applyFault(fault, res, log, normalBody)) return
      if (route === 'auth') return serveAuth(bodyText, res, log)
      return serveAudit(req, res, log, auditMatch!, route === 'actions')
    }
    if (fault?.kind === 'add-events') {
      log.fault = fault.kind
      addEvents(fault.records ?? fault.count ?? 1)
    }
    const delay = (fault?.kind === 'slow' ? fault.delayMs : 0) + (route === 'auditlogs' ? (options.pageDelayMs ?? 0) : 0)
    if (fault?.kind === 'slow') log.fault = 'slow'
    if (delay > 0) timers.later(delay, proceed)
    else proceed()
  }

  const serveAuth = (bodyText: string, res: http.ServerResponse, log: SimRequest): void => {
    let body: unknown
    try {
      body = JSON.parse(bodyText)
    } catch {
      sendJson(res, log, 400, { errinfo: {}, detail: 'invalid request body', message: 'invalid request body' })
      return
    }
    const fields = (body ?? {}) as { identifier?: unknown; secret?: unknown }
    if (typeof fields.identifier === 'string') log.identifier = fields.identifier
    if (fields.identifier !== identifier || fields.secret !== secret) {
      sendJson(res, log, 401, { errinfo: {}, detail: 'Incorrect authentication credentials', message: 'incorrect authentication credentials' })
      return
    }
    sendJson(res, log, 200, { access_token: issueToken() })
  }

  const serveAudit = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    log: SimRequest,
    match: RegExpExecArray,
    actions: boolean
  ): void => {
    if (req.method !== 'GET') {
      sendJson(res, log, 405, { detail: 'Method Not Allowed' })
      return
    }
    if (!bearerValid(req.headers.authorization)) {
      sendJson(res, log, 401, { errinfo: {}, detail: 'Unauthorized', message: 'authentication required' })
      return
    }
    if (decodeURIComponent(match[1]!) !== org) {
      sendJson(res, log, 404, { detail: 'Not Found', message: 'namespace not found' })
      return
    }
    if (options.entitled === false) {
      sendJson(res, log, 403, { detail: 'audit logs require a Docker Team or Business subscription', message: 'forbidden' })
      return
    }
    if (actions) {
      sendJson(res, log, 200, actionsBody())
      return
    }
    const answer = auditPage(log.query)
    sendJson(res, log, answer.status, answer.body)
  }

  const inject = (fault: SimFault, match: FaultMatch = {}): void => {
    // Infinity does not survive JSON: over `/_sim/faults`, -1 means always.
    faults.inject(fault, match.times !== undefined && match.times < 0 ? { ...match, times: Number.POSITIVE_INFINITY } : match)
  }

  const controlRoutes = (): SimControlRoutes => ({
    ...commonControlRoutes<SimFault, FaultMatch>(requests, { inject, clear: () => faults.clear() }),
    'GET /_sim/events': () => ({ events: entries.map((entry) => entry.record) }),
    'POST /_sim/events': (body) => ({
      added: addEvents(Array.isArray(body['records']) ? (body['records'] as SimRecord[]) : Number(body['count'] ?? 1)).length
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
    org,
    identifier,
    secret,
    clock,
    get events() {
      return entries.map((entry) => entry.record)
    },
    addEvents,
    inject,
    clearFaults: () => faults.clear(),
    expireTokens: () => tokens.clear(),
    requests,
    get tokensIssued() {
      return tokensIssued
    },
    close: () => server.close()
  }
}

export { isoSeconds }

// Standalone: `node --import tsx test/sim/dockerhub.ts --events N --seed S --port 0 [--org O]
// [--identifier I] [--secret S] [--page-delay-ms MS] [--max-page-size N]`.
runStandaloneSim(import.meta.url, async (args) => {
  const sim = await startDockerHubSim({
    events: args.number('events') ?? 0,
    seed: args.number('seed') ?? 1,
    port: args.number('port') ?? 0,
    org: args.get('org'),
    identifier: args.get('identifier'),
    secret: args.get('secret'),
    pageDelayMs: args.number('page-delay-ms'),
    maxPageSize: args.number('max-page-size')
  })
  return { sim, ready: () => ({ url: sim.url, port: sim.port, org: sim.org, identifier: sim.identifier, events: sim.events.length }) }
})

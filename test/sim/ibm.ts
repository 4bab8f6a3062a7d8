import { randomBytes, randomUUID } from 'node:crypto'
import http from 'node:http'
import type { SimClock } from './dockerhub'
import { generateIbmLogs, seededRandom, makeIbmEvent, simLog, type SimLog } from './ibm-events'
import { FaultQueue, htmlPage, pumpFiller } from './sim-faults'
import { commonControlRoutes, runStandaloneSim, serveControl, SimTimers, startSimServer, type SimControlRoutes } from './sim-server'

/**
 * An IBM Cloud simulator on a loopback port: the IAM token service and one IBM Cloud Logs
 * instance's query API, faithful to sources/4-ibm-activity-tracker.md:
 *
 * - `POST /identity/token`, form-encoded `grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=…`
 *   → `{access_token, refresh_token, token_type, expires_in, expiration}` (an hour on the
 *   simulator's clock); an unknown key → 400 with IAM's `{errorCode, errorMessage}`.
 * - `POST /v1/query` with `{query, metadata: {start_date, end_date, tier, syntax, limit, …}}` and
 *   `Accept: text/event-stream` → a server-sent event stream: `query_id`, then `result` messages
 *   whose rows carry `user_data` as a JSON string, keep-alive comments, and a
 *   `number_of_results_limit_warning` when more rows matched than `limit` (capped at 12 000 for
 *   frequent_search, 50 000 for archive). Time ranges select on the log's timestamp, half-open
 *   [start, end) — the contract leaves it open. More than `queriesPerMinute` queries (default 10)
 *   in a sliding minute → 429 in the API error form `{errors, trace, status_code}`, no Retry-After
 *   (the contract names none). Queries outside the small DataPrime subset below fail inside the
 *   stream (`{"error":{"message":…}}`).
 *   Supported: `source logs | filter C && C …` with C one of `$l.applicationname == 'x'`,
 *   `$l.subsystemname == 'x'`, `$d.action == 'x'`, `$d.action.startsWith('x')`.
 *
 * Faults are injected per request (`inject(fault, match)`), and `/_sim/*` offers the same control
 * over HTTP for a simulator running as its own process (`node --import tsx test/sim/ibm.ts
 * --events N --seed S --port 0` prints `{"url":…}` on stdout when ready).
 */

export type { SimLog } from './ibm-events'

export type IbmSimFault =
  /** 429; `retry-after` adds a Retry-After of `seconds` (not in the contract, for tolerance). */
  | { kind: 'rate-limit'; header: 'none' | 'retry-after'; seconds?: number }
  | { kind: 'server-error'; status?: number; body?: 'api-error' | 'empty' | 'html'; retryAfterSeconds?: number }
  /** Any status with a JSON body (default: the API error form). */
  | { kind: 'status'; status: number; body?: unknown }
  | { kind: 'html'; status?: number }
  /** The normal event stream cut in the middle of an event (Content-Length matching the cut). */
  | { kind: 'truncated-sse' }
  /** 200 application/json with this body. */
  | { kind: 'json'; body: unknown }
  /** 200 text/event-stream with exactly this text. */
  | { kind: 'sse'; body: string }
  /** 200 event stream whose row list holds these rows after the real ones (raw row objects). */
  | { kind: 'extra-rows'; rows: unknown[] }
  /** The query fails inside the stream. */
  | { kind: 'in-stream-error'; message: string }
  /** A limit warning of this kind added to the normal answer. */
  | { kind: 'warning'; warning: Record<string, unknown> }
  | { kind: 'raw'; body: string; contentType: string; status?: number }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'stall-after-headers' }
  | { kind: 'reset-mid-body' }
  | { kind: 'hang-up' }
  | { kind: 'unauthorized' }
  | { kind: 'redirect'; location: string; status?: number }
  | { kind: 'huge-body'; bytes: number; declare?: boolean }
  /** Adds logs to the instance, then answers normally. */
  | { kind: 'add-events'; count?: number; logs?: SimLog[] }

export interface IbmFaultMatch {
  /** Which endpoint; default `query`. */
  route?: 'iam' | 'query' | 'any'
  /** How many matching requests it applies to; default 1, Infinity for always. */
  times?: number
  /** Matching requests to let through first; default 0. */
  after?: number
}

export interface IbmSimRequest {
  method: string
  path: string
  route: 'iam' | 'query' | 'control' | 'other'
  authorization: string | undefined
  accept: string | undefined
  contentType: string | undefined
  /** The parsed JSON body of a query. */
  body?: { query?: string; metadata?: Record<string, unknown> }
  status: number
  fault?: IbmSimFault['kind']
  /** Rows a query answered with. */
  rows?: number
  at: number
}

export interface IbmSimOptions {
  apiKey?: string
  events?: number
  seed?: number
  /** Explicit logs instead of generated ones. */
  logs?: SimLog[]
  /** Newest generated event time (ms). */
  endTime?: number
  spanMs?: number
  clock?: SimClock
  /** IAM token lifetime; default an hour. */
  tokenTtlSeconds?: number
  /** Queries per sliding minute before 429; default 10, Infinity for none. */
  queriesPerMinute?: number
  /** Rows per `result` message. */
  batchSize?: number
  /** Answer with at most this many logs scanned per query, then a bytes_scanned_limit_warning. */
  maxScannedLogs?: number
  /** Delay of every query answer (to give a kill -9 test time). */
  queryDelayMs?: number
  host?: string
  port?: number
  tls?: { key: string; cert: string }
  urlHost?: string
}

export interface IbmSim {
  url: string
  port: number
  apiKey: string
  clock: SimClock
  /** Every log in the instance, in logged order (a copy). */
  readonly logs: SimLog[]
  /** The Container Registry events only: what a complete sync must archive. */
  readonly registryEvents: Array<Record<string, unknown>>
  addLogs(countOrLogs: number | SimLog[]): SimLog[]
  inject(fault: IbmSimFault, match?: IbmFaultMatch): void
  clearFaults(): void
  expireTokens(): void
  readonly requests: IbmSimRequest[]
  /** Token requests answered 200. */
  readonly tokensIssued: number
  /** Queries answered (any status). */
  readonly queries: number
  close(): Promise<void>
}

const TIER_LIMITS: Record<string, number> = { frequent_search: 12_000, archive: 50_000, unspecified: 12_000 }

type Condition = (log: SimLog) => boolean

/** Parses the DataPrime subset; a string describing the problem when it is outside it. */
export function compileSimQuery(text: string): Condition | string {
  const match = /^\s*source\s+logs\s*\|\s*filter\s+(.+)$/s.exec(text)
  if (!match) return 'expected "source logs | filter …"'
  const conditions: Condition[] = []
  for (const part of match[1]!.split('&&')) {
    const c = part.trim()
    let m: RegExpExecArray | null
    if ((m = /^\$l\.applicationname\s*==\s*'([^']*)'$/.exec(c))) {
      const value = m[1]!
      conditions.push((log) => log.applicationName === value)
    } else if ((m = /^\$l\.subsystemname\s*==\s*'([^']*)'$/.exec(c))) {
      const value = m[1]!
      conditions.push((log) => log.subsystemName === value)
    } else if ((m = /^\$d\.action\s*==\s*'([^']*)'$/.exec(c))) {
      const value = m[1]!
      conditions.push((log) => log.event['action'] === value)
    } else if ((m = /^\$d\.action\.startsWith\('([^']*)'\)$/.exec(c))) {
      const value = m[1]!
      conditions.push((log) => typeof log.event['action'] === 'string' && log.event['action'].startsWith(value))
    } else {
      return `unsupported condition ${JSON.stringify(c)}`
    }
  }
  return (log) => conditions.every((condition) => condition(log))
}

function apiError(status: number, code: string, message: string): Record<string, unknown> {
  return { errors: [{ code, message, more_info: 'https://cloud.ibm.com/apidocs/logs-service-api' }], trace: randomUUID(), status_code: status }
}

export async function startIbmSim(options: IbmSimOptions = {}): Promise<IbmSim> {
  const apiKey = options.apiKey ?? 'ibm-apikey-SIMULATOR-0123456789abcdefABCDEF'
  const clock: SimClock = options.clock ?? { now: Date.now }
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 3600
  const perMinute = options.queriesPerMinute ?? 10
  const batchSize = options.batchSize ?? 50
  const seed = options.seed ?? 1

  let logs: SimLog[] =
    options.logs?.slice() ??
    generateIbmLogs(options.events ?? 0, seed, { endTime: options.endTime ?? clock.now() - 120_000, spanMs: options.spanMs })
  logs.sort((a, b) => a.loggedAt - b.loggedAt)

  const tokens = new Map<string, number>()
  let tokensIssued = 0
  let queries = 0
  let addCounter = 0
  const queryTimes: number[] = []
  const faults = new FaultQueue<'iam' | 'query', IbmSimFault, IbmFaultMatch>('query')
  const requests: IbmSimRequest[] = []
  const timers = new SimTimers()

  const addLogs = (countOrLogs: number | SimLog[]): SimLog[] => {
    let added: SimLog[]
    if (typeof countOrLogs === 'number') {
      const random = seededRandom(seed * 7919 + ++addCounter)
      const at = clock.now()
      added = Array.from({ length: countOrLogs }, () =>
        simLog(makeIbmEvent(random, random() < 0.7 ? 'container-registry.image.pull' : 'container-registry.image.push', at), at)
      )
    } else {
      added = countOrLogs
    }
    logs = [...logs, ...added].sort((a, b) => a.loggedAt - b.loggedAt)
    return added
  }

  const send = (
    res: http.ServerResponse,
    log: IbmSimRequest,
    status: number,
    body: string,
    contentType: string,
    extra: Record<string, string> = {}
  ): void => {
    log.status = status
    res.writeHead(status, {
      date: new Date(clock.now()).toUTCString(),
      'content-type': contentType,
      'content-length': String(Buffer.byteLength(body)),
      ...extra
    })
    res.end(body)
  }
  const sendJson = (res: http.ServerResponse, log: IbmSimRequest, status: number, value: unknown, extra: Record<string, string> = {}): void =>
    send(res, log, status, JSON.stringify(value), 'application/json', extra)

  const issueToken = (): Record<string, unknown> => {
    const iat = Math.floor(clock.now() / 1000)
    const exp = iat + tokenTtlSeconds
    const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
    const token = `${b64({ alg: 'RS256', kid: '20250101' })}.${b64({ iam_id: 'iam-ServiceId-sim', iat, exp, jti: randomUUID() })}.${randomBytes(32).toString('base64url')}`
    tokens.set(token, exp * 1000)
    tokensIssued++
    return { access_token: token, refresh_token: 'not_supported', token_type: 'Bearer', expires_in: tokenTtlSeconds, expiration: exp, scope: 'ibm openid' }
  }

  const bearerValid = (authorization: string | undefined): boolean => {
    const match = /^Bearer (\S+)$/.exec(authorization ?? '')
    if (!match) return false
    const expires = tokens.get(match[1]!)
    return expires !== undefined && clock.now() < expires
  }

  const sse = (messages: unknown[], keepAlives = true): string => {
    const parts = [': success\n\n']
    messages.forEach((message, index) => {
      parts.push(`data: ${JSON.stringify(message)}\n\n`)
      if (keepAlives && index % 3 === 2) parts.push(':\n\n')
    })
    return parts.join('')
  }

  const rowOf = (entry: SimLog): Record<string, unknown> => ({
    metadata: [
      { key: 'timestamp', value: new Date(entry.loggedAt).toISOString() },
      { key: 'severity', value: 'Info' },
      { key: 'logid', value: randomUUID() }
    ],
    labels: [
      { key: 'applicationname', value: entry.applicationName },
      { key: 'subsystemname', value: entry.subsystemName }
    ],
    user_data: JSON.stringify(entry.event)
  })

  /** The answer to a query body: an error (status + JSON) or the messages of the stream. */
  const answerQuery = (
    body: IbmSimRequest['body'],
    extra: { rows?: unknown[]; warning?: Record<string, unknown> } = {}
  ): { status: number; json?: unknown; messages?: unknown[]; rows: number } => {
    const metadata = body?.metadata ?? {}
    const queryText = body?.query
    if (typeof queryText !== 'string' || queryText.length > 4096) {
      return { status: 400, json: apiError(400, 'bad_request', 'query is required and at most 4096 characters'), rows: 0 }
    }
    const start = Date.parse(String(metadata['start_date'] ?? ''))
    const end = Date.parse(String(metadata['end_date'] ?? ''))
    if (Number.isNaN(start) || Number.isNaN(end)) {
      return { status: 400, json: apiError(400, 'bad_request', 'metadata.start_date and end_date must be date-times'), rows: 0 }
    }
    const tier = String(metadata['tier'] ?? 'unspecified')
    if (!(tier in TIER_LIMITS)) return { status: 400, json: apiError(400, 'bad_request', `unknown tier ${tier}`), rows: 0 }
    if (metadata['syntax'] !== undefined && metadata['syntax'] !== 'dataprime') {
      return { status: 400, json: apiError(400, 'bad_request', 'the simulator speaks DataPrime only'), rows: 0 }
    }
    const limit = metadata['limit'] === undefined ? 2000 : Number(metadata['limit'])
    if (!Number.isInteger(limit) || limit < 1) return { status: 400, json: apiError(400, 'bad_request', 'limit must be a positive integer'), rows: 0 }
    const queryId = { query_id: { query_id: randomUUID() } }
    const condition = compileSimQuery(queryText)
    if (typeof condition === 'string') {
      return { status: 200, messages: [queryId, { error: { message: `Compilation error: ${condition}` } }], rows: 0 }
    }
    let inRange = logs.filter((entry) => entry.loggedAt >= start && entry.loggedAt < end)
    const warnings: unknown[] = []
    if (options.maxScannedLogs !== undefined && inRange.length > options.maxScannedLogs) {
      inRange = inRange.slice(0, options.maxScannedLogs)
      warnings.push({ warning: { bytes_scanned_limit_warning: {} } })
    }
    const matched = inRange.filter(condition)
    const effective = Math.min(limit, TIER_LIMITS[tier]!)
    const rows: unknown[] = matched.slice(0, effective).map(rowOf)
    if (matched.length > effective) warnings.push({ warning: { number_of_results_limit_warning: { number_of_results_limit: effective } } })
    if (extra.warning) warnings.push({ warning: extra.warning })
    if (extra.rows) rows.push(...extra.rows)
    const messages: unknown[] = [queryId]
    for (let i = 0; i < rows.length; i += batchSize) messages.push({ result: { results: rows.slice(i, i + batchSize) } })
    messages.push(...warnings)
    return { status: 200, messages, rows: rows.length }
  }

  /**
   * Serves a fault that replaces the answer; false when it only modifies the normal path. Not the
   * shared `serveFault`: the answers here are event streams, and most faults carry no Date header.
   */
  const serveFault = (fault: IbmSimFault, res: http.ServerResponse, log: IbmSimRequest, normalBody: () => string): boolean => {
    log.fault = fault.kind
    switch (fault.kind) {
      case 'rate-limit': {
        const extra: Record<string, string> = fault.header === 'retry-after' ? { 'retry-after': String(fault.seconds ?? 60) } : {}
        sendJson(res, log, 429, apiError(429, 'too_many_requests', 'Rate limit exceeded: 10 queries per minute'), extra)
        return true
      }
      case 'server-error': {
        const status = fault.status ?? 500
        const extra: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) }
        if (fault.body === 'html') send(res, log, status, htmlPage(status), 'text/html; charset=utf-8', extra)
        else if (fault.body === 'empty') send(res, log, status, '', 'application/json', extra)
        else sendJson(res, log, status, apiError(status, 'internal_error', 'internal error'), extra)
        return true
      }
      case 'status':
        sendJson(res, log, fault.status, fault.body ?? apiError(fault.status, 'error', http.STATUS_CODES[fault.status] ?? 'error'))
        return true
      case 'html':
        send(res, log, fault.status ?? 502, htmlPage(fault.status ?? 502), 'text/html; charset=utf-8')
        return true
      case 'truncated-sse': {
        const full = normalBody()
        // Cut inside the last data line, so the stream ends mid-event.
        const lastData = full.lastIndexOf('data: ')
        const cut = lastData < 0 ? Math.floor(full.length / 2) : lastData + Math.max(8, Math.floor((full.length - lastData) / 2))
        send(res, log, 200, full.slice(0, cut), 'text/event-stream')
        return true
      }
      case 'json':
        sendJson(res, log, 200, fault.body)
        return true
      case 'sse':
        send(res, log, 200, fault.body, 'text/event-stream')
        return true
      case 'in-stream-error':
        send(res, log, 200, sse([{ query_id: { query_id: randomUUID() } }, { error: { message: fault.message } }]), 'text/event-stream')
        return true
      case 'raw':
        send(res, log, fault.status ?? 200, fault.body, fault.contentType)
        return true
      case 'unauthorized':
        sendJson(res, log, 401, apiError(401, 'unauthorized', 'The token is expired or invalid'))
        return true
      case 'redirect':
        log.status = fault.status ?? 302
        res.writeHead(log.status, { location: fault.location, 'content-length': '0' })
        res.end()
        return true
      case 'stall-after-headers': {
        log.status = 200
        const full = normalBody()
        res.writeHead(200, { 'content-type': 'text/event-stream', 'content-length': String(Buffer.byteLength(full)) })
        res.write(full.slice(0, Math.min(10, full.length - 1)))
        return true
      }
      case 'reset-mid-body': {
        log.status = 200
        const full = normalBody()
        res.writeHead(200, { 'content-type': 'text/event-stream', 'content-length': String(Buffer.byteLength(full) + 100) })
        res.write(full.slice(0, Math.floor(full.length / 2)), () => res.socket?.resetAndDestroy?.() ?? res.socket?.destroy())
        return true
      }
      case 'hang-up':
        log.status = 0
        res.socket?.destroy()
        return true
      case 'huge-body': {
        log.status = 200
        res.writeHead(200, { 'content-type': 'text/event-stream', ...(fault.declare ? { 'content-length': String(fault.bytes) } : {}) })
        // SSE comment lines: a stream that never yields an event.
        pumpFiller(res, fault.bytes, Buffer.from(':'.padEnd(64 * 1024 - 1, ' ') + '\n'))
        return true
      }
      case 'extra-rows':
      case 'warning':
      case 'slow':
      case 'add-events':
        return false
    }
  }

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, bodyText: string): void => {
    const url = new URL(req.url ?? '/', 'http://sim.invalid')
    const path = url.pathname
    const log: IbmSimRequest = {
      method: req.method ?? '',
      path,
      route: 'other',
      authorization: req.headers.authorization,
      accept: req.headers.accept,
      contentType: req.headers['content-type'],
      status: 0,
      at: clock.now()
    }
    requests.push(log)

    if (path.startsWith('/_sim/')) {
      log.route = 'control'
      serveControl(req.method ?? '', path, bodyText, (status, value) => sendJson(res, log, status, value), controlRoutes())
      return
    }
    const route = path === '/identity/token' ? 'iam' : path === '/v1/query' ? 'query' : 'other'
    log.route = route
    if (route === 'other') {
      sendJson(res, log, 404, apiError(404, 'not_found', 'Not Found'))
      return
    }
    if (req.method !== 'POST') {
      sendJson(res, log, 405, apiError(405, 'method_not_allowed', 'Method Not Allowed'))
      return
    }
    if (route === 'query') {
      queries++
      try {
        log.body = JSON.parse(bodyText) as IbmSimRequest['body']
      } catch {
        log.body = undefined
      }
    }
    const fault = faults.take(route)
    const proceed = (): void => {
      if (res.destroyed) return
      const normalBody = (): string => {
        const answer = answerQuery(log.body)
        return answer.messages ? sse(answer.messages) : JSON.stringify(answer.json)
      }
      if (fault && serveFault(fault, res, log, normalBody)) return
      if (route === 'iam') return serveIam(req, bodyText, res, log)
      return serveQuery(req, res, log, fault)
    }
    if (fault?.kind === 'add-events') {
      log.fault = fault.kind
      addLogs(fault.logs ?? fault.count ?? 1)
    }
    if (fault?.kind === 'slow') log.fault = 'slow'
    const delay = (fault?.kind === 'slow' ? fault.delayMs : 0) + (route === 'query' ? (options.queryDelayMs ?? 0) : 0)
    if (delay > 0) timers.later(delay, proceed)
    else proceed()
  }

  const serveIam = (req: http.IncomingMessage, bodyText: string, res: http.ServerResponse, log: IbmSimRequest): void => {
    const form = new URLSearchParams(bodyText)
    const iamError = (code: string, message: string): Record<string, unknown> => ({
      errorCode: code,
      errorMessage: message,
      context: { requestId: randomUUID(), requestType: 'incoming.Identity_Token', startTime: new Date(clock.now()).toUTCString() }
    })
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      sendJson(res, log, 400, iamError('BXNIM0109E', 'Property missing or empty.'))
      return
    }
    if (form.get('grant_type') !== 'urn:ibm:params:oauth:grant-type:apikey' || !form.get('apikey')) {
      sendJson(res, log, 400, iamError('BXNIM0109E', 'Property missing or empty.'))
      return
    }
    if (form.get('apikey') !== apiKey) {
      sendJson(res, log, 400, iamError('BXNIM0415E', 'Provided API key could not be found.'))
      return
    }
    sendJson(res, log, 200, issueToken())
  }

  const serveQuery = (req: http.IncomingMessage, res: http.ServerResponse, log: IbmSimRequest, fault: IbmSimFault | undefined): void => {
    if (!bearerValid(req.headers.authorization)) {
      sendJson(res, log, 401, apiError(401, 'unauthorized', 'The token is expired or invalid'))
      return
    }
    const now = clock.now()
    while (queryTimes.length > 0 && queryTimes[0]! <= now - 60_000) queryTimes.shift()
    if (queryTimes.length >= perMinute) {
      sendJson(res, log, 429, apiError(429, 'too_many_requests', 'Rate limit exceeded: 10 queries per minute'))
      return
    }
    queryTimes.push(now)
    if (!(req.headers['content-type'] ?? '').startsWith('application/json') || log.body === undefined) {
      sendJson(res, log, 400, apiError(400, 'bad_request', 'the body must be JSON'))
      return
    }
    const answer = answerQuery(log.body, {
      rows: fault?.kind === 'extra-rows' ? fault.rows : undefined,
      warning: fault?.kind === 'warning' ? fault.warning : undefined
    })
    log.rows = answer.rows
    if (answer.messages) send(res, log, answer.status, sse(answer.messages), 'text/event-stream')
    else sendJson(res, log, answer.status, answer.json)
  }

  const controlRoutes = (): SimControlRoutes => ({
    ...commonControlRoutes<IbmSimFault, IbmFaultMatch>(requests, faults),
    'GET /_sim/events': () => ({ events: logs.filter((l) => l.registry).map((l) => l.event) }),
    'POST /_sim/events': (body) => ({ added: addLogs(Array.isArray(body['logs']) ? (body['logs'] as SimLog[]) : Number(body['count'] ?? 1)).length }),
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
    apiKey,
    clock,
    get logs() {
      return logs.slice()
    },
    get registryEvents() {
      return logs.filter((entry) => entry.registry).map((entry) => entry.event)
    },
    addLogs,
    inject: (fault, match) => faults.inject(fault, match),
    clearFaults: () => faults.clear(),
    expireTokens: () => tokens.clear(),
    requests,
    get tokensIssued() {
      return tokensIssued
    },
    get queries() {
      return queries
    },
    close: () => server.close()
  }
}

// Standalone: `node --import tsx test/sim/ibm.ts --events N --seed S --port 0 [--api-key K]
// [--queries-per-minute N] [--query-delay-ms MS] [--end-time ISO]`. Prints one JSON line when ready.
runStandaloneSim(import.meta.url, async (args) => {
  const endTime = args.has('end-time') ? Date.parse(args.get('end-time')!) : undefined
  const sim = await startIbmSim({
    events: args.number('events') ?? 0,
    seed: args.number('seed') ?? 1,
    port: args.number('port') ?? 0,
    apiKey: args.get('api-key'),
    queriesPerMinute: args.number('queries-per-minute'),
    queryDelayMs: args.number('query-delay-ms'),
    endTime
  })
  return {
    sim,
    ready: () => ({ url: sim.url, port: sim.port, iamUrl: sim.url, logsEndpoint: sim.url, events: sim.registryEvents.length })
  }
})

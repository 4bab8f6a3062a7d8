import http from 'node:http'

export { seededRandom } from './dockerhub-events'

/**
 * Fault injection shared by the simulators and the notary fault proxy: what can go wrong on the
 * wire, a queue that hands faults to matching requests, and one function that serves a fault as a
 * source would (its own headers, error bodies and 401). The Docker Hub simulator maps its own fault
 * kinds onto these; the IBM one, whose answers are event streams, shares the queue and pieces.
 */

export type SimFault =
  /** 429 with the given header: Retry-After seconds or HTTP date, X-Retry-After or X-RateLimit-Reset unix time, or none. */
  | { kind: 'rate-limit'; header: 'retry-after' | 'retry-after-date' | 'x-retry-after' | 'x-ratelimit-reset' | 'none'; seconds: number }
  /** A 5xx with the source's JSON error body, an empty body or a proxy's HTML page. */
  | { kind: 'server-error'; status?: number; body?: 'json' | 'empty' | 'html'; retryAfterSeconds?: number }
  /** Any status with a JSON body (403, 404, 400…). */
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** An HTML error page from a proxy. */
  | { kind: 'html'; status?: number }
  /** The normal answer cut in half, with a Content-Length that matches the cut (a complete, broken document). */
  | { kind: 'truncated-json' }
  /** 200 with this JSON body instead of the real one (wrong shapes); content type default application/json. */
  | { kind: 'json'; body: unknown; contentType?: string }
  /** This text and content type. */
  | { kind: 'raw'; body: string; contentType: string; status?: number }
  /** Answers normally after a delay. */
  | { kind: 'slow'; delayMs: number }
  /** Sends headers and the start of the body, then nothing. */
  | { kind: 'stall-after-headers' }
  /** Sends headers and part of the body, then resets the connection. */
  | { kind: 'reset-mid-body' }
  /** Closes the connection without answering. */
  | { kind: 'hang-up' }
  /** The source's 401, as for an expired or revoked credential. */
  | { kind: 'unauthorized' }
  /** A redirect to `location`. */
  | { kind: 'redirect'; location: string; status?: number }
  /** `bytes` of body streamed without Content-Length (or with it, when `declare`). */
  | { kind: 'huge-body'; bytes: number; declare?: boolean }

export interface FaultMatch<Route extends string> {
  /** Which endpoint; each simulator documents its routes and default. */
  route?: Route | 'any'
  /** How many matching requests it applies to; default 1, Infinity for always. */
  times?: number
  /** Matching requests to let through first; default 0. */
  after?: number
}

interface ActiveFault<Route extends string, Fault, Match> {
  fault: Fault
  match: Match
  route: Route | 'any'
  remaining: number
  skip: number
}

/**
 * Faults waiting for requests, first injected first served. `Fault` and `Match` default to the
 * shared kinds; a simulator with kinds or match fields of its own (a page number) names its types
 * and filters on its fields in `take`.
 */
export class FaultQueue<Route extends string, Fault = SimFault, Match extends FaultMatch<Route> = FaultMatch<Route>> {
  private readonly faults: Array<ActiveFault<Route, Fault, Match>> = []

  constructor(private readonly defaultRoute: Route) {}

  inject(fault: Fault, match: Match = {} as Match): void {
    this.faults.push({ fault, match, route: match.route ?? this.defaultRoute, remaining: match.times ?? 1, skip: match.after ?? 0 })
  }

  /**
   * The fault for a request on `route`, if one applies (counting it as used). `accepts` rules out
   * faults whose own match fields do not fit the request; a fault it rules out is not counted.
   */
  take(route: Route, accepts: (match: Match) => boolean = () => true): Fault | undefined {
    for (const active of this.faults) {
      if (active.route !== 'any' && active.route !== route) continue
      if (!accepts(active.match)) continue
      if (active.skip > 0) {
        active.skip--
        continue
      }
      active.remaining--
      if (active.remaining <= 0) this.faults.splice(this.faults.indexOf(active), 1)
      return active.fault
    }
    return undefined
  }

  clear(): void {
    this.faults.length = 0
  }
}

/** What a source looks like when it fails. */
export interface FaultStyle {
  /** Headers every answer of this source carries (Date…). */
  baseHeaders(): Record<string, string>
  /** The source's clock, for HTTP-date and unix-time headers. */
  now(): number
  /** The source's JSON error body for a status (its error envelope). */
  errorBody(status: number): unknown
  /** The source's 401: its challenge headers and body. */
  unauthorized(): { headers: Record<string, string>; body: unknown }
  /** Content type of its JSON answers; default `application/json; charset=utf-8`. */
  jsonContentType?: string
  /**
   * Its 429 when that is not `errorBody(429)` as JSON with the fault's header: gets the fault's
   * headers (see `rateLimitHeaders`) and the time they were made for; gives the headers to send
   * and, optionally, a body of its own.
   */
  rateLimit?(
    fault: RateLimitFault,
    headers: Record<string, string>,
    now: number
  ): { headers: Record<string, string>; body?: { text: string; contentType: string } }
}

export type RateLimitFault = Extract<SimFault, { kind: 'rate-limit' }>

/** The header a rate-limit fault asks for: Retry-After in seconds or as a date, or a unix time. */
export function rateLimitHeaders(fault: Pick<RateLimitFault, 'header' | 'seconds'>, now: number): Record<string, string> {
  const headers: Record<string, string> = {}
  if (fault.header === 'retry-after') headers['retry-after'] = String(fault.seconds)
  if (fault.header === 'retry-after-date') headers['retry-after'] = new Date(now + fault.seconds * 1000).toUTCString()
  if (fault.header === 'x-retry-after') headers['x-retry-after'] = String(Math.floor(now / 1000) + fault.seconds)
  if (fault.header === 'x-ratelimit-reset') headers['x-ratelimit-reset'] = String(Math.floor(now / 1000) + fault.seconds)
  return headers
}

/** Writes `bytes` of `chunk` repeated (the last one cut), waiting for drain, then ends `res`. */
export function pumpFiller(res: http.ServerResponse, bytes: number, chunk: Buffer): void {
  let left = bytes
  const pump = (): void => {
    while (left > 0 && !res.destroyed) {
      const part = left >= chunk.length ? chunk : chunk.subarray(0, left)
      left -= part.length
      if (!res.write(part)) {
        res.once('drain', pump)
        return
      }
    }
    if (left <= 0) res.end()
  }
  pump()
}

/** The answer the request would have had; faults such as truncation are made from it. */
export interface NormalAnswer {
  status: number
  body: string
  contentType: string
}

/**
 * Serves `fault` on `res`. Returns the status sent (0 when the connection was dropped). `slow`
 * is not served here: the caller delays the normal answer.
 */
export function serveFault(fault: SimFault, res: http.ServerResponse, style: FaultStyle, normal: () => NormalAnswer): number {
  const send = (status: number, body: string, contentType: string, extra: Record<string, string> = {}): number => {
    res.writeHead(status, { ...style.baseHeaders(), 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)), ...extra })
    res.end(body)
    return status
  }
  const jsonType = style.jsonContentType ?? 'application/json; charset=utf-8'
  const sendJson = (status: number, value: unknown, extra: Record<string, string> = {}): number =>
    send(status, JSON.stringify(value), jsonType, extra)

  switch (fault.kind) {
    case 'rate-limit': {
      const now = style.now()
      const headers = rateLimitHeaders(fault, now)
      if (!style.rateLimit) return sendJson(429, style.errorBody(429), headers)
      const own = style.rateLimit(fault, headers, now)
      return own.body ? send(429, own.body.text, own.body.contentType, own.headers) : sendJson(429, style.errorBody(429), own.headers)
    }
    case 'server-error': {
      const status = fault.status ?? 500
      const extra: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) }
      if (fault.body === 'html') return send(status, htmlPage(status), 'text/html; charset=utf-8', extra)
      if (fault.body === 'empty') return send(status, '', 'application/json', extra)
      return sendJson(status, style.errorBody(status), extra)
    }
    case 'status':
      return sendJson(fault.status, fault.body ?? style.errorBody(fault.status), fault.headers ?? {})
    case 'html':
      return send(fault.status ?? 502, htmlPage(fault.status ?? 502), 'text/html; charset=utf-8')
    case 'truncated-json': {
      const full = normal()
      return send(200, full.body.slice(0, Math.max(1, Math.floor(full.body.length / 2))), full.contentType)
    }
    case 'json':
      return send(200, JSON.stringify(fault.body), fault.contentType ?? jsonType)
    case 'raw':
      return send(fault.status ?? 200, fault.body, fault.contentType)
    case 'unauthorized': {
      const { headers, body } = style.unauthorized()
      return sendJson(401, body, headers)
    }
    case 'redirect':
      res.writeHead(fault.status ?? 302, { ...style.baseHeaders(), location: fault.location, 'content-length': '0' })
      res.end()
      return fault.status ?? 302
    case 'stall-after-headers': {
      const full = normal()
      res.writeHead(200, { ...style.baseHeaders(), 'content-type': full.contentType, 'content-length': String(Buffer.byteLength(full.body)) })
      res.write(full.body.slice(0, Math.min(10, full.body.length - 1)))
      return 200
    }
    case 'reset-mid-body': {
      const full = normal()
      res.writeHead(200, {
        ...style.baseHeaders(),
        'content-type': full.contentType,
        'content-length': String(Buffer.byteLength(full.body) + 100)
      })
      res.write(full.body.slice(0, Math.floor(full.body.length / 2)), () => res.socket?.resetAndDestroy?.() ?? res.socket?.destroy())
      return 200
    }
    case 'hang-up':
      res.socket?.destroy()
      return 0
    case 'huge-body': {
      res.writeHead(200, {
        ...style.baseHeaders(),
        'content-type': 'application/json',
        ...(fault.declare ? { 'content-length': String(fault.bytes) } : {})
      })
      pumpFiller(res, fault.bytes, Buffer.alloc(64 * 1024, 0x20))
      return 200
    }
    case 'slow':
      throw new Error('serveFault: a slow fault delays the normal answer; the caller handles it')
  }
}

export function htmlPage(status: number): string {
  const title = `${status} ${http.STATUS_CODES[status] ?? 'Error'}`
  return `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>nginx</center></body></html>\n`
}

/** The docker/distribution error envelope that DTR and notary-server answer with. */
export function errcodeBody(code: string, message: string, detail?: unknown): unknown {
  return { errors: [{ code, message, ...(detail === undefined ? {} : { detail }) }] }
}

/** A random-looking UUID v4 from a seeded generator. */
export function seededUuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[Math.floor(random() * 4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/** 64 hex characters from a seeded generator. */
export function seededHex(random: () => number, length = 64): string {
  return Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join('')
}

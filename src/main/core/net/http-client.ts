import http from 'node:http'
import https from 'node:https'
import tls from 'node:tls'
import { AppError } from '../errors'

/**
 * A small HTTP client on node:http/node:https. Connectors use it instead of the global fetch
 * because they need a per-account CA, hard limits on time and size, and full control over
 * redirects and error messages.
 *
 * Redirects: only same-origin redirects are followed (at most `maxRedirects`), so headers such as
 * Authorization only ever reach the origin the account is configured for. A redirect to another
 * origin (another host, port or scheme, including http→https) is never followed: it fails with
 * BAD_RESPONSE naming both hosts, so the user can fix the account URL instead.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD' | 'PATCH'

export interface HttpRequest {
  method: HttpMethod
  url: string | URL
  headers?: Record<string, string>
  body?: string | Buffer
  /** PEM text of extra CA certificates to trust besides the system's (the account's CA file). */
  ca?: string
  /** Time allowed until the response headers arrive, connect and TLS included. Default 30 s. */
  timeoutMs?: number
  /** Time the body may stall between two chunks. Default 30 s. */
  idleTimeoutMs?: number
  /**
   * Time the whole body may take once the headers arrived. Default 10 min. Without it a server
   * trickling a byte now and then, never idle long enough and never reaching the size cap, would
   * hold a sync forever.
   */
  bodyTimeoutMs?: number
  /** Largest body accepted; more is refused with BAD_RESPONSE. Default 32 MiB. */
  maxBodyBytes?: number
  /** Same-origin redirects followed before giving up. Default 5; 0 returns the 3xx response. */
  maxRedirects?: number
  signal?: AbortSignal
  /** The account name, prefixed to error messages. */
  account?: string
}

export interface HttpResponse {
  status: number
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>
  body: Buffer
  /** The URL that answered (after same-origin redirects). */
  url: URL
}

export const HTTP_DEFAULTS = {
  timeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  bodyTimeoutMs: 10 * 60_000,
  maxBodyBytes: 32 * 1024 * 1024,
  maxRedirects: 5
} as const

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

const plainAgent = new http.Agent({ keepAlive: true })
const defaultTlsAgent = new https.Agent({ keepAlive: true })
/** One agent per distinct CA, so pooled connections never mix trust settings. */
const caAgents = new Map<string, https.Agent>()

function tlsAgentFor(ca: string | undefined): https.Agent {
  if (ca === undefined || ca.trim() === '') return defaultTlsAgent
  let agent = caAgents.get(ca)
  if (!agent) {
    // The account's CA is added to the system roots rather than replacing them, so a CA file for
    // a private registry or an inspecting proxy does not break public certificates. Verification
    // itself is never relaxed.
    agent = new https.Agent({ keepAlive: true, ca: [...tls.rootCertificates, ca] })
    caAgents.set(ca, agent)
  }
  return agent
}

/** "account: " when there is an account, for the start of a message. */
export function messagePrefix(account: string | undefined): string {
  return account ? `${account}: ` : ''
}

/** The host (and port, when not the default) a message may name; never user info or a path. */
export function hostOf(url: URL): string {
  return url.host
}

/**
 * Sends one request and reads the whole body, following same-origin redirects only.
 * Throws AppError: NETWORK, TIMEOUT, TLS, CANCELLED, or BAD_RESPONSE (too large, bad redirect).
 * Any HTTP status is returned, not thrown: the caller decides what 4xx/5xx mean.
 */
export async function httpRequest(request: HttpRequest): Promise<HttpResponse> {
  let url = new URL(request.url)
  let method = request.method
  let body = request.body
  const maxRedirects = request.maxRedirects ?? HTTP_DEFAULTS.maxRedirects
  for (let hop = 0; ; hop++) {
    const response = await sendOnce({ ...request, url, method, body })
    if (!REDIRECT_STATUSES.has(response.status) || maxRedirects === 0) return response
    const location = response.headers['location']
    if (!location) return response
    let next: URL
    try {
      next = new URL(location, url)
    } catch {
      throw new AppError(
        'BAD_RESPONSE',
        `${messagePrefix(request.account)}${hostOf(url)} sent a redirect to an unreadable location`,
        { account: request.account, status: response.status }
      )
    }
    if (next.origin !== url.origin) {
      throw new AppError(
        'BAD_RESPONSE',
        `${messagePrefix(request.account)}${hostOf(url)} redirected to another host (${next.protocol}//${hostOf(next)}); ` +
          'the redirect was not followed so the credentials stay with the configured host; check the account URL',
        { account: request.account, status: response.status }
      )
    }
    if (hop + 1 > maxRedirects) {
      throw new AppError(
        'BAD_RESPONSE',
        `${messagePrefix(request.account)}${hostOf(url)} redirected more than ${maxRedirects} times`,
        { account: request.account, status: response.status }
      )
    }
    // 303, and 301/302 after a POST, turn into a GET without a body (what browsers do).
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method !== 'GET' && method !== 'HEAD')) {
      method = 'GET'
      body = undefined
    }
    url = next
  }
}

interface OneRequest extends Omit<HttpRequest, 'url'> {
  url: URL
}

function sendOnce(request: OneRequest): Promise<HttpResponse> {
  const { url, account, signal } = request
  const timeoutMs = request.timeoutMs ?? HTTP_DEFAULTS.timeoutMs
  const idleTimeoutMs = request.idleTimeoutMs ?? HTTP_DEFAULTS.idleTimeoutMs
  const bodyTimeoutMs = request.bodyTimeoutMs ?? HTTP_DEFAULTS.bodyTimeoutMs
  const maxBodyBytes = request.maxBodyBytes ?? HTTP_DEFAULTS.maxBodyBytes
  const prefix = messagePrefix(account)
  const host = hostOf(url)

  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(
      new AppError('INVALID_INPUT', `${prefix}unsupported URL scheme ${url.protocol} for ${host}`, { account })
    )
  }
  if (signal?.aborted) return Promise.reject(cancelled(account))

  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false
    let phase: 'connect' | 'body' = 'connect'
    let idleTimer: NodeJS.Timeout | undefined
    let bodyTimer: NodeJS.Timeout | undefined

    const headers: Record<string, string> = { ...(request.headers ?? {}) }
    const payload = request.body === undefined ? undefined : Buffer.from(request.body)
    if (payload !== undefined) headers['content-length'] = String(payload.length)

    const isTls = url.protocol === 'https:'
    const options: https.RequestOptions = {
      method: request.method,
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port === '' ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      headers,
      agent: isTls ? tlsAgentFor(request.ca) : plainAgent
    }

    const cleanup = (): void => {
      clearTimeout(headersTimer)
      if (idleTimer) clearTimeout(idleTimer)
      if (bodyTimer) clearTimeout(bodyTimer)
      signal?.removeEventListener('abort', onAbort)
    }
    const fail = (error: unknown): void => {
      if (settled) return
      settled = true
      cleanup()
      req.destroy()
      reject(error instanceof AppError ? error : mapNetworkError(error, url, account, phase))
    }
    const onAbort = (): void => fail(cancelled(account))

    const req = (isTls ? https : http).request(options, (res) => {
      phase = 'body'
      clearTimeout(headersTimer)
      bodyTimer = setTimeout(
        () => fail(new AppError('TIMEOUT', `${prefix}${host} was still sending the response after ${seconds(bodyTimeoutMs)}`, { account })),
        bodyTimeoutMs
      )
      const declared = Number(res.headers['content-length'])
      if (Number.isFinite(declared) && declared > maxBodyBytes) {
        fail(tooLarge(account, host, maxBodyBytes, res.statusCode))
        return
      }
      const chunks: Buffer[] = []
      let received = 0
      const armIdle = (): void => {
        if (idleTimer) clearTimeout(idleTimer)
        idleTimer = setTimeout(
          () =>
            fail(
              new AppError(
                'TIMEOUT',
                `${prefix}${host} stopped sending the response for ${seconds(idleTimeoutMs)}`,
                { account }
              )
            ),
          idleTimeoutMs
        )
      }
      armIdle()
      res.on('data', (chunk: Buffer) => {
        received += chunk.length
        if (received > maxBodyBytes) {
          fail(tooLarge(account, host, maxBodyBytes, res.statusCode))
          return
        }
        chunks.push(chunk)
        armIdle()
      })
      res.on('error', fail)
      res.on('aborted', () => fail(resetError(account, host, 'body')))
      res.on('close', () => {
        // A close before 'end' means the peer went away mid-body.
        if (!res.complete) fail(resetError(account, host, 'body'))
      })
      res.on('end', () => {
        if (settled) return
        settled = true
        cleanup()
        resolve({
          status: res.statusCode ?? 0,
          headers: flattenHeaders(res.headers),
          body: Buffer.concat(chunks),
          url
        })
      })
    })

    const headersTimer = setTimeout(
      () =>
        fail(new AppError('TIMEOUT', `${prefix}${host} did not answer within ${seconds(timeoutMs)}`, { account })),
      timeoutMs
    )
    signal?.addEventListener('abort', onAbort, { once: true })
    req.on('error', fail)
    req.end(payload)
  })
}

function flattenHeaders(raw: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}

function seconds(ms: number): string {
  if (ms < 1000) return `${ms} ms`
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`
}

function cancelled(account: string | undefined): AppError {
  return new AppError('CANCELLED', `${messagePrefix(account)}cancelled`, { account })
}

function tooLarge(account: string | undefined, host: string, limit: number, status: number | undefined): AppError {
  return new AppError(
    'BAD_RESPONSE',
    `${messagePrefix(account)}bad response from ${host}: response too large (over ${Math.round(limit / 1024 / 1024)} MiB)`,
    { account, status }
  )
}

function resetError(account: string | undefined, host: string, phase: 'connect' | 'body'): AppError {
  return new AppError(
    'NETWORK',
    `${messagePrefix(account)}the connection to ${host} was reset${phase === 'body' ? ' while reading the response' : ''}`,
    { account }
  )
}

/** Certificate errors meaning "this machine does not trust the issuer". */
const UNKNOWN_CA_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA'
])
const EXPIRED_CODES = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CRL_HAS_EXPIRED'])
const HOST_MISMATCH_CODES = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH'])

/**
 * Maps a Node socket/TLS error to an AppError whose message names the host and the fix. Node's
 * own message is never copied wholesale: only its code, which cannot carry a header or a token.
 */
export function mapNetworkError(
  error: unknown,
  url: URL,
  account: string | undefined,
  phase: 'connect' | 'body' = 'connect'
): AppError {
  if (error instanceof AppError) return error
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : ''
  const prefix = messagePrefix(account)
  const host = hostOf(url)
  const make = (errorCode: 'NETWORK' | 'TIMEOUT' | 'TLS', text: string): AppError =>
    new AppError(errorCode, `${prefix}${text}`, { account, cause: error })

  if (UNKNOWN_CA_CODES.has(code)) {
    return make(
      'TLS',
      `the TLS certificate of ${host} is not signed by a trusted certificate authority (${code}); ` +
        "set the account's CA file to the certificate of the CA that signed it"
    )
  }
  if (HOST_MISMATCH_CODES.has(code)) {
    return make(
      'TLS',
      `the TLS certificate of ${host} is not valid for the host name ${url.hostname} (${code}); ` +
        'use the host name the certificate was issued for in the account URL, or reissue the certificate'
    )
  }
  if (EXPIRED_CODES.has(code)) {
    return make(
      'TLS',
      `the TLS certificate of ${host} has expired or is not yet valid (${code}); ` +
        "renew the server's certificate, and check this computer's clock"
    )
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO' || code.includes('CERT')) {
    return make(
      'TLS',
      `the TLS handshake with ${host} failed (${code || 'TLS error'}); check the account URL's scheme and port`
    )
  }
  switch (code) {
    case 'ECONNREFUSED':
      return make('NETWORK', `cannot connect to ${host}: connection refused`)
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return make('NETWORK', `cannot resolve the host name ${url.hostname}`)
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
    case 'ERR_STREAM_PREMATURE_CLOSE':
      return resetErrorWithCause(account, host, phase, error)
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return make('NETWORK', `${host} is unreachable from this computer (${code})`)
    case 'ETIMEDOUT':
      return make('TIMEOUT', `connecting to ${host} timed out`)
    default:
      return make('NETWORK', `the request to ${host} failed (${code || 'network error'})`)
  }
}

function resetErrorWithCause(
  account: string | undefined,
  host: string,
  phase: 'connect' | 'body',
  cause: unknown
): AppError {
  const error = resetError(account, host, phase)
  return new AppError(error.code, error.message, { account, cause })
}

import { quoteForMessage } from '../../../shared/time'
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from '../bounded-json'
import { AppError } from '../errors'
import { hostOf, messagePrefix, type HttpResponse } from './http-client'

/**
 * Reading a response body as JSON, and quoting a server's error text safely. A body that is not
 * JSON (an HTML error page from a proxy, a truncated document) is a BAD_RESPONSE that says what
 * arrived instead; the body itself is never quoted, since an echoing proxy could repeat a header.
 */

function isJsonContentType(contentType: string): boolean {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? ''
  return type === 'application/json' || type.endsWith('+json') || type === 'text/json'
}

/**
 * A media type from a server's header, for a message: a plain one (`text/html`) as it is, anything
 * else quoted, cut and with control and bidi characters escaped, since the header is the server's text.
 */
export function mediaTypeForMessage(type: string): string {
  return /^[\w.+/-]{1,100}$/.test(type) ? type : quoteForMessage(type)
}

/**
 * Parses the body as JSON. Throws AppError('BAD_RESPONSE') naming the account, the host, what
 * arrived and the status, e.g. "acme: bad response from hub.docker.com: expected JSON, got
 * text/html (HTTP 502)".
 */
export function parseJsonBody(response: HttpResponse, account?: string): unknown {
  const contentType = response.headers['content-type'] ?? ''
  const where = `${messagePrefix(account)}bad response from ${hostOf(response.url)}`
  const status = `(HTTP ${response.status})`
  if (contentType !== '' && !isJsonContentType(contentType)) {
    const type = contentType.split(';')[0]?.trim() || contentType
    throw new AppError('BAD_RESPONSE', `${where}: expected JSON, got ${mediaTypeForMessage(type)} ${status}`, {
      account,
      status: response.status
    })
  }
  let text = response.body.toString('utf8')
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  if (text.trim() === '') {
    throw new AppError('BAD_RESPONSE', `${where}: expected JSON, got an empty body ${status}`, {
      account,
      status: response.status
    })
  }
  if (jsonNestsDeeperThan(text)) {
    throw new AppError('BAD_RESPONSE', `${where}: the JSON nests deeper than ${MAX_JSON_DEPTH} levels (HTTP ${response.status})`, {
      account,
      status: response.status
    })
  }
  try {
    return JSON.parse(text) as unknown
  } catch (cause) {
    throw new AppError('BAD_RESPONSE', `${where}: the JSON is malformed or truncated ${status}`, {
      account,
      status: response.status,
      cause
    })
  }
}

/** Strings that look like credentials: Docker PAT/OAT values and JWTs. */
const CREDENTIAL_PATTERNS = [/dckr_(?:pat|oat)_[A-Za-z0-9_-]+/g, /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g]

/**
 * Removes credentials from text a server sent before it goes into a message: every string in
 * `secrets` (the values the caller holds) and anything shaped like a token.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]')
  }
  for (const pattern of CREDENTIAL_PATTERNS) out = out.replace(pattern, '[redacted]')
  return out
}

/**
 * The server's own short error text (`detail` or `message` of a JSON error body), cleaned for a
 * one-line message: control and bidi characters removed, credentials redacted, at most 200 characters.
 * Undefined when the body is not a JSON error object.
 */
export function serverErrorText(response: HttpResponse, secrets: readonly string[] = []): string | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(response.body.toString('utf8'))
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const record = parsed as Record<string, unknown>
  const candidate = [record['detail'], record['message'], record['error']].find(
    (value): value is string => typeof value === 'string' && value.trim() !== ''
  )
  if (candidate === undefined) return undefined
  // eslint-disable-next-line no-control-regex
  const oneLine = candidate.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]+/g, ' ').trim()
  const clean = redactSecrets(oneLine, secrets)
  // Nothing readable left (the text was only control or bidi characters): as if none was sent.
  if (clean === '') return undefined
  return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean
}

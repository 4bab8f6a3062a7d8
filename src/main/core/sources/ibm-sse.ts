import { parseBoundedJson } from '../bounded-json'
import { AppError } from '../errors'
import { redactSecrets } from '../net/json-body'
import { clipText } from './label-text'

/**
 * Reading an IBM Cloud Logs `/v1/query` answer: a server-sent event stream (contract S7, IBM's
 * logs-go-sdk `readEventLoop`) whose events are JSON messages — `query_id`, `result` (rows whose
 * `user_data` is the log record as a JSON string), `warning`, `error`, or the API error form
 * `{errors, trace, status_code}`.
 */

/**
 * Splits an event stream into the data of its events (text/event-stream rules: `:` lines are
 * comments and keep-alives, `data:` lines accumulate, a blank line dispatches, other fields are
 * ignored). `incomplete` is the data of a last event that no blank line ended, if any.
 */
export function parseSseText(text: string): { events: string[]; incomplete: string | null } {
  const events: string[] = []
  let data: string[] = []
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  const lines = body.split(/\r\n|\r|\n/)
  // A stream ending in a line break leaves one empty string that is not a blank line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  for (const line of lines) {
    if (line === '') {
      if (data.length > 0) events.push(data.join('\n'))
      data = []
      continue
    }
    if (line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') data.push(value)
  }
  return { events, incomplete: data.length > 0 ? data.join('\n') : null }
}

/** One result row. */
export interface CloudLogsRow {
  /** The log record as Cloud Logs sends it: JSON text. */
  userData: string
  labels: Record<string, string>
  metadata: Record<string, string>
}

/** A warning the query answered with. `limit` warnings mean the rows may be incomplete. */
export interface CloudLogsWarning {
  kind: string
  limit: boolean
  /** A short description for a notice (no server text beyond a warning message). */
  message: string
}

export interface CloudLogsAnswer {
  queryId: string | null
  rows: CloudLogsRow[]
  warnings: CloudLogsWarning[]
}

/**
 * Warnings saying the answer stopped early, so a smaller time slice may get everything: the row
 * limit, the bytes-scanned limit, and the block, file and scroll limits of the archive engine.
 */
const LIMIT_WARNINGS = new Set([
  'number_of_results_limit_warning',
  'bytes_scanned_limit_warning',
  'blocks_limit_warning',
  'files_read_limit_warning',
  'scroll_timeout_warning'
])

export interface StreamPlace {
  account?: string
  /** Host and slice, for messages. */
  where: string
  /** Values to redact from server text quoted in a message. */
  secrets?: readonly string[]
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Server text made safe for a one-line message: no control or bidi characters, no credentials, ≤ 200 chars. */
function clean(value: unknown, secrets: readonly string[] = []): string {
  // eslint-disable-next-line no-control-regex
  const oneLine = redactSecrets(String(value).replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]+/g, ' ').trim(), secrets)
  return clipText(oneLine, 200)
}

function keyValues(value: unknown, what: string, fail: (why: string) => never): Record<string, string> {
  if (value === undefined || value === null) return {}
  if (!Array.isArray(value)) fail(`${what} is not a list`)
  const out: Record<string, string> = {}
  for (const entry of value) {
    if (!isObject(entry) || typeof entry['key'] !== 'string') fail(`${what} holds an entry without a key`)
    const item = entry['value']
    out[entry['key']] = typeof item === 'string' ? item : item === undefined || item === null ? '' : JSON.stringify(item)
  }
  return out
}

function describeWarning(kind: string, body: unknown, secrets: readonly string[] = []): string {
  const details = isObject(body) ? body : {}
  if (kind === 'number_of_results_limit_warning') {
    const limit = details['number_of_results_limit']
    return `the number of results reached the limit${typeof limit === 'number' || typeof limit === 'string' ? ` (${clean(limit, secrets)})` : ''}`
  }
  const said = details['warning_message'] ?? details['message']
  const name = kind.replace(/_warning$/, '').replaceAll('_', ' ')
  return typeof said === 'string' && said.trim() !== '' ? `${name}: ${clean(said, secrets)}` : name
}

/** The API error form's first message, or an in-stream error's, cleaned for a one-line message. */
export function cloudLogsErrorText(body: unknown, secrets: readonly string[] = []): string | undefined {
  if (!isObject(body)) return undefined
  const errors = body['errors']
  if (Array.isArray(errors)) {
    const first = errors.find(isObject)
    const message = first?.['message'] ?? first?.['code']
    if (typeof message === 'string' && message.trim() !== '') return clean(message, secrets)
  }
  const error = body['error']
  if (isObject(error) && typeof error['message'] === 'string' && error['message'].trim() !== '') {
    return clean(error['message'], secrets)
  }
  if (typeof error === 'string' && error.trim() !== '') return clean(error, secrets)
  // IAM's error form.
  for (const key of ['errorMessage', 'message', 'detail']) {
    const said = body[key]
    if (typeof said === 'string' && said.trim() !== '') return clean(said, secrets)
  }
  return undefined
}

/**
 * Reads a whole `/v1/query` stream. Throws BAD_RESPONSE for a stream that is not one (a message
 * that is not JSON, rows of the wrong shape, a last event cut off mid-way) and for an error the
 * query reported inside the stream.
 */
export function readCloudLogsStream(text: string, place: StreamPlace): CloudLogsAnswer {
  const prefix = `${place.account ? `${place.account}: ` : ''}bad response from ${place.where}`
  const fail = (why: string): never => {
    throw new AppError('BAD_RESPONSE', `${prefix}: ${why}`, { account: place.account })
  }
  const { events, incomplete } = parseSseText(text)
  const messages = [...events]
  if (incomplete !== null) {
    // A last event without its blank line is kept only if it is whole; otherwise the stream was cut.
    try {
      parseBoundedJson(incomplete)
      messages.push(incomplete)
    } catch {
      fail('the event stream ended in the middle of an event (truncated)')
    }
  }
  const answer: CloudLogsAnswer = { queryId: null, rows: [], warnings: [] }
  messages.forEach((data, index) => {
    let message: unknown
    try {
      message = parseBoundedJson(data)
    } catch {
      fail(`event ${index + 1} of the stream is not JSON`)
    }
    if (!isObject(message)) fail(`event ${index + 1} of the stream is not a JSON object`)
    const record = message as Record<string, unknown>
    if ('errors' in record || ('error' in record && record['error'] !== null)) {
      const said = cloudLogsErrorText(record, place.secrets)
      fail(`the query failed${said ? `: ${said}` : ''}`)
    }
    if (isObject(record['query_id'])) {
      const id = record['query_id']['query_id']
      if (typeof id === 'string') answer.queryId = id
    }
    if ('warning' in record && record['warning'] !== null) {
      if (!isObject(record['warning'])) fail(`event ${index + 1}: the warning is not an object`)
      for (const [kind, body] of Object.entries(record['warning'] as Record<string, unknown>)) {
        if (body === null || body === undefined) continue
        answer.warnings.push({ kind, limit: LIMIT_WARNINGS.has(kind), message: describeWarning(kind, body, place.secrets) })
      }
    }
    if ('result' in record && record['result'] !== null) {
      const result = record['result']
      if (!isObject(result)) fail(`event ${index + 1}: the result is not an object`)
      const rows = (result as Record<string, unknown>)['results']
      if (rows === undefined || rows === null) return
      if (!Array.isArray(rows)) fail(`event ${index + 1}: result.results is not a list`)
      ;(rows as unknown[]).forEach((row, rowIndex) => {
        const where = `event ${index + 1}, row ${rowIndex + 1}`
        if (!isObject(row)) fail(`${where} is not an object`)
        const item = row as Record<string, unknown>
        if (typeof item['user_data'] !== 'string') {
          fail(`${where}: user_data is ${item['user_data'] === undefined ? 'missing' : 'not a string'}`)
        }
        answer.rows.push({
          userData: item['user_data'] as string,
          labels: keyValues(item['labels'], `${where}: labels`, fail),
          metadata: keyValues(item['metadata'], `${where}: metadata`, fail)
        })
      })
    }
  })
  return answer
}

import { z } from 'zod'
import { quoteForMessage } from '../../../shared/time'
import { canonicalJson, sha256Hex } from '../canonical'
import { AppError } from '../errors'
import { parseQuayDate } from './quay-date'

/**
 * Reading one answer of Quay's logs endpoints (sources/6-quay.md, `Log.to_dict`):
 *
 *     { "start_time": RFC 822, "end_time": RFC 822, "logs": [Log], "next_page"?: token }
 *     Log = { kind, metadata, ip, datetime: RFC 822, performer?: { kind, name, is_robot, avatar },
 *             namespace? (superuser logs only) }
 *
 * Validation is tolerant: unknown fields stay in the raw record. Refused with BAD_RESPONSE, naming
 * the record: what the archive cannot do without (a `kind`, a readable `datetime`) and fields of a
 * type the contract rules out. `search_unavailable: true` (the configured log search backend
 * cannot answer) is refused too, since reading it as "no events" would skip those days for good.
 */

/** Most records accepted in one answer (Quay sends 20). */
export const MAX_QUAY_RECORDS_PER_PAGE = 10_000
/** Largest single record accepted, as JSON text. */
export const MAX_QUAY_RECORD_CHARS = 1024 * 1024

/** One usage log record as Quay sends it; anything else it carries is kept too. */
export interface QuayLogRecord {
  kind: string
  metadata?: Record<string, unknown> | null
  ip?: string | null
  datetime: string
  performer?: { kind?: string; name: string; is_robot?: boolean | null; [field: string]: unknown } | null
  namespace?: { kind?: string; name?: string; [field: string]: unknown } | null
  [field: string]: unknown
}

/** A record with what the walk needs: its time and its identity hash. */
export interface ParsedQuayRecord {
  raw: QuayLogRecord
  /** `datetime` in ms since the epoch (whole seconds). */
  at: number
  /** See quayRecordHash. */
  hash: string
}

export interface QuayLogsPage {
  records: ParsedQuayRecord[]
  /** The next page's token; null on the last page. */
  nextPage: string | null
  /** The window the server says it searched (`start_time`, `end_time`), when it said. */
  window: { start: number; end: number } | null
}

/** Where a record sits, for messages. */
export interface QuayRecordPlace {
  account?: string
  /** "the usage logs of acme for 2024-06-18, page 2". */
  where?: string
  index?: number
}

const optionalText = z.string().nullish()
const recordSchema = z
  .object({
    kind: z.string({ error: 'is missing or not a string' }).min(1, 'is empty'),
    datetime: z.string({ error: 'is missing or not a string' }),
    metadata: z.record(z.string(), z.unknown()).nullish(),
    ip: optionalText,
    performer: z
      .object({ name: z.string({ error: 'is missing or not a string' }), kind: optionalText, is_robot: z.boolean().nullish() })
      .loose()
      .nullish(),
    namespace: z.object({ name: optionalText, kind: optionalText }).loose().nullish()
  })
  .loose()

function prefix(place: QuayRecordPlace): string {
  return `${place.account ? `${place.account}: ` : ''}bad response from quay${place.where ? ` for ${place.where}` : ''}`
}

function recordText(place: QuayRecordPlace): string {
  return place.index === undefined ? 'a record' : `record ${place.index + 1}`
}

/**
 * Validates one raw log record (from the API or an export file). Throws BAD_RESPONSE naming the
 * field at fault.
 */
export function validateQuayRecord(raw: unknown, place: QuayRecordPlace = {}): { record: QuayLogRecord; at: number } {
  const bad = (text: string): AppError =>
    new AppError('BAD_RESPONSE', `${prefix(place)}: ${recordText(place)} ${text}`, { account: place.account })
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('is not an object')
  if (JSON.stringify(raw).length > MAX_QUAY_RECORD_CHARS) throw bad(`is larger than ${MAX_QUAY_RECORD_CHARS / 1024 / 1024} MiB`)
  const result = recordSchema.safeParse(raw)
  if (!result.success) {
    const issue = result.error.issues[0]
    const field = issue?.path.map(String).join('.') || 'record'
    throw bad(`field "${field}" ${issue?.message ?? 'is invalid'}`)
  }
  const datetime = (raw as { datetime: string }).datetime
  const at = parseQuayDate(datetime)
  if (at === undefined) throw bad(`field "datetime" is not an RFC 822 date (${quoteForMessage(datetime)})`)
  return { record: raw as QuayLogRecord, at }
}

/**
 * `ip` as a client address, or null: the Elasticsearch backend writes `str(ip)`, which turns a
 * missing address into the text "None".
 */
export function quayClientIp(ip: unknown): string | null {
  if (typeof ip !== 'string') return null
  const trimmed = ip.trim()
  return trimmed === '' || trimmed === 'None' || trimmed === 'null' ? null : trimmed
}

/**
 * A record's identity: SHA-256 of the canonical JSON of what the event is — kind, time (ms),
 * metadata, client address, performer name and robot flag. Left out on purpose: the performer's
 * avatar (its hash follows the user's e-mail address, so it changes on old records when the
 * address does), the `namespace` block that only superuser logs carry, and the date's spelling
 * (`-0000` or `GMT`). Identical events in the same second hash the same: see the occurrence
 * numbering in quay-cursor.ts.
 */
export function quayRecordHash(record: QuayLogRecord, at: number): string {
  return sha256Hex(
    canonicalJson({
      kind: record.kind,
      at,
      metadata: record.metadata ?? {},
      ip: quayClientIp(record.ip),
      performer: record.performer?.name ?? null,
      robot: record.performer?.is_robot === true
    })
  )
}

/** Validates one raw record and computes its identity hash. */
export function parseQuayRecord(raw: unknown, place: QuayRecordPlace = {}): ParsedQuayRecord {
  const { record, at } = validateQuayRecord(raw, place)
  return { raw: record, at, hash: quayRecordHash(record, at) }
}

/** The `{"terminator": true}` element that ends the `logs` array of a Quay export file. */
export function isQuayExportTerminator(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    (value as Record<string, unknown>)['terminator'] === true &&
    !('kind' in value)
  )
}

/** Validates a logs answer and its records. */
export function parseQuayLogsPage(body: unknown, place: QuayRecordPlace = {}): QuayLogsPage {
  const bad = (text: string): AppError => new AppError('BAD_RESPONSE', `${prefix(place)}: ${text}`, { account: place.account })
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('expected a JSON object with "logs"')
  const answer = body as Record<string, unknown>
  if (answer['search_unavailable'] === true) {
    const message = typeof answer['message'] === 'string' ? answer['message'].replace(/\s+/g, ' ').trim().slice(0, 200) : ''
    throw new AppError(
      'BAD_RESPONSE',
      `${place.account ? `${place.account}: ` : ''}quay cannot search its usage logs now (search_unavailable${message ? `: ${message}` : ''}); ` +
        'its logs backend is not answering queries, so nothing was read — try the sync again later',
      { account: place.account }
    )
  }
  const logs = answer['logs']
  if (logs === undefined || logs === null) throw bad('the answer has no "logs"')
  if (!Array.isArray(logs)) throw bad('"logs" is not a list')
  if (logs.length > MAX_QUAY_RECORDS_PER_PAGE) throw bad(`${logs.length} records in one answer is more than ${MAX_QUAY_RECORDS_PER_PAGE}`)
  const next = answer['next_page']
  if (next !== undefined && next !== null && (typeof next !== 'string' || next === '')) throw bad('"next_page" is not a token')
  let window: QuayLogsPage['window'] = null
  const start = answer['start_time']
  const end = answer['end_time']
  if (start !== undefined || end !== undefined) {
    const startAt = typeof start === 'string' ? parseQuayDate(start) : undefined
    const endAt = typeof end === 'string' ? parseQuayDate(end) : undefined
    if (startAt === undefined || endAt === undefined) throw bad('"start_time" or "end_time" is not an RFC 822 date')
    window = { start: startAt, end: endAt }
  }
  return {
    records: logs.map((raw, index) => parseQuayRecord(raw, { ...place, index })),
    nextPage: typeof next === 'string' ? next : null,
    window
  }
}

import { z } from 'zod'
import { quoteForMessage } from '../../../shared/time'
import { canonicalJson, sha256Hex } from '../canonical'
import { AppError } from '../errors'

/**
 * Reading one page of `GET /v2/auditlogs/{org}` (sources/1-dockerhub.md): `{ "logs": [AuditLog] }`,
 * every AuditLog field optional in the spec. Validation is tolerant: unknown fields stay in the raw
 * record; only what the archive cannot do without (a readable timestamp) or a field of the wrong
 * type is refused, with BAD_RESPONSE naming the record and the field.
 */

/** Most records accepted in one page (we ask for 100; a server sending far more is broken). */
export const MAX_RECORDS_PER_PAGE = 10_000
/** Largest single record accepted, as JSON text. */
export const MAX_RECORD_CHARS = 1024 * 1024

/** One audit log record as Docker Hub documents it; anything else it carries is kept too. */
export interface DockerHubRecord {
  account?: string
  action?: string
  name?: string
  actor?: string
  data?: Record<string, unknown>
  timestamp: string
  action_description?: string
  [field: string]: unknown
}

/** A record with what the walk needs: its time and its content hash. */
export interface ParsedRecord {
  raw: DockerHubRecord
  /** `timestamp` in ms since the epoch. */
  at: number
  /** SHA-256 of the canonical JSON of the record. */
  hash: string
}

const optionalText = z.string().nullish()
const recordSchema = z
  .object({
    account: optionalText,
    action: optionalText,
    name: optionalText,
    actor: optionalText,
    action_description: optionalText,
    timestamp: z.string({ error: 'is missing or not a string' }),
    // The spec says string values; other value types are kept in raw but not used.
    data: z.record(z.string(), z.unknown()).nullish()
  })
  .loose()

/** RFC 3339 date-time, with or without fractional seconds and with Z or an offset. */
const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})$/

/** Parses an RFC 3339 timestamp to ms, or undefined. Fractions beyond ms are cut, not rounded. */
export function parseTimestamp(value: string): number | undefined {
  const match = RFC3339.exec(value)
  if (!match) return undefined
  const [, date, time, fraction = '', zone = 'Z'] = match
  const ms = fraction === '' ? '' : fraction.slice(0, 4).padEnd(4, '0')
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`
  const parsed = Date.parse(`${date}T${time}${ms}${offset}`)
  return Number.isNaN(parsed) ? undefined : parsed
}

/** Where a record sits, for messages: "record 3 of page 2". */
export interface RecordPlace {
  account?: string
  page?: number
  index?: number
}

function placeText(place: RecordPlace): string {
  const parts: string[] = []
  if (place.index !== undefined) parts.push(`record ${place.index + 1}`)
  if (place.page !== undefined) parts.push(`of page ${place.page}`)
  return parts.length ? parts.join(' ') : 'a record'
}

function badRecord(place: RecordPlace, text: string): AppError {
  const prefix = place.account ? `${place.account}: ` : ''
  return new AppError('BAD_RESPONSE', `${prefix}bad response from docker hub: ${placeText(place)} ${text}`, {
    account: place.account
  })
}

/** Validates one raw record and hashes it. Throws BAD_RESPONSE naming the field at fault. */
export function parseRecord(raw: unknown, place: RecordPlace = {}): ParsedRecord {
  const { record, at } = validateRecord(raw, place)
  return { raw: record, at, hash: sha256Hex(canonicalJson(record)) }
}

/**
 * Validates one raw record without hashing it (normalisation needs no hash). Throws BAD_RESPONSE
 * naming the field at fault.
 */
export function validateRecord(raw: unknown, place: RecordPlace = {}): { record: DockerHubRecord; at: number } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw badRecord(place, 'is not an object')
  }
  if (JSON.stringify(raw).length > MAX_RECORD_CHARS) {
    throw badRecord(place, `is larger than ${MAX_RECORD_CHARS / 1024 / 1024} MiB`)
  }
  const result = recordSchema.safeParse(raw)
  if (!result.success) {
    const issue = result.error.issues[0]
    const field = issue?.path.map(String).join('.') || 'record'
    const problem = field === 'timestamp' ? 'is missing or not a string' : `has the wrong type (${issue?.message ?? 'invalid'})`
    throw badRecord(place, `field "${field}" ${problem}`)
  }
  const timestamp = (raw as { timestamp: string }).timestamp
  const at = parseTimestamp(timestamp)
  if (at === undefined) {
    throw badRecord(place, `field "timestamp" is not an RFC 3339 date-time (${quoteForMessage(timestamp)})`)
  }
  return { record: raw as DockerHubRecord, at }
}

/**
 * Validates a page body and its records. A missing or null `logs` is an empty page: the Hub API
 * is gRPC-gateway style, whose JSON omits empty repeated fields, so `{}` is how an empty page may
 * look. `logs` of any other non-array type is BAD_RESPONSE.
 */
export function parseAuditLogPage(body: unknown, place: RecordPlace = {}): ParsedRecord[] {
  const prefix = place.account ? `${place.account}: ` : ''
  const where = place.page === undefined ? 'a page' : `page ${place.page}`
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('BAD_RESPONSE', `${prefix}bad response from docker hub: ${where} is not a JSON object`, {
      account: place.account
    })
  }
  const logs = (body as Record<string, unknown>)['logs']
  if (logs === undefined || logs === null) return []
  if (!Array.isArray(logs)) {
    throw new AppError('BAD_RESPONSE', `${prefix}bad response from docker hub: "logs" on ${where} is not an array`, {
      account: place.account
    })
  }
  if (logs.length > MAX_RECORDS_PER_PAGE) {
    throw new AppError(
      'BAD_RESPONSE',
      `${prefix}bad response from docker hub: ${where} has ${logs.length} records, more than the ${MAX_RECORDS_PER_PAGE} accepted`,
      { account: place.account }
    )
  }
  return logs.map((raw, index) => parseRecord(raw, { ...place, index }))
}

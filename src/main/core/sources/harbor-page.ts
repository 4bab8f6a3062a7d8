import { quoteForMessage } from '../../../shared/time'
import { AppError } from '../errors'
import { normaliseHarborRecord } from './harbor-normalise'

/**
 * Reading one answer of Harbor's audit log lists (sources/5-harbor.md): a JSON array of
 * `AuditLogExt` (`/auditlog-exts`) or `AuditLog` (`/audit-logs`) records, with the count of all
 * matching rows in `X-Total-Count`. The `Link` header is not read: its URLs are relative and
 * their query strings unescaped, and the walk addresses pages by id anyway (harbor-cursor.ts).
 *
 * Harbor ignores unknown `q` and `sort` keys silently, so an answer is checked against what was
 * asked before anything in it is trusted: ids strictly ascending (the `sort=id` was honoured) and
 * none below the asked lower bound (the `id=[from~]` filter was honoured).
 */

/** The 2.13+ table (`audit_log_ext`), the only one written from 2.13 on. */
export const HARBOR_EXT_STREAM = 'auditlog-exts'
/** The table of Harbor up to 2.12 (`audit_log`); after an upgrade it keeps the old history only. */
export const HARBOR_LEGACY_STREAM = 'audit-logs'
export type HarborStream = typeof HARBOR_EXT_STREAM | typeof HARBOR_LEGACY_STREAM

/** Most records accepted in one answer (we ask for at most 100). */
export const MAX_RECORDS_PER_PAGE = 10_000

export interface HarborRecord {
  id: number
  raw: Record<string, unknown>
}

export interface HarborPage {
  records: HarborRecord[]
  /** `X-Total-Count`: rows matching the filter when the server counted (before listing). */
  total: number | null
}

export interface HarborPagePlace {
  account: string
  host: string
  stream: HarborStream
}

/**
 * The archive identity of a record: both tables number their rows from 1, so the id alone would
 * make a pre-2.13 row and a 2.13 row the same event.
 */
export function harborSourceEventId(stream: HarborStream, id: number): string {
  return `${stream}:${id}`
}

/**
 * Which table a record (from the API or a Harbor export file) comes from, and its archive
 * identity; undefined when it has no usable id. `AuditLogExt` records carry
 * `operation_description` / `operation_result`, legacy ones do not.
 */
export function harborRecordIdentity(raw: unknown): { stream: HarborStream; sourceEventId: string } | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined
  const record = raw as Record<string, unknown>
  const id = readId(record['id'])
  if (id === undefined) return undefined
  const stream: HarborStream = 'operation_description' in record || 'operation_result' in record ? HARBOR_EXT_STREAM : HARBOR_LEGACY_STREAM
  return { stream, sourceEventId: harborSourceEventId(stream, id) }
}

function readId(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value)
  return undefined
}

/** The value of `X-Total-Count`; null when absent. Throws BAD_RESPONSE when it is not a count. */
export function readTotalCount(headers: Record<string, string>, place: HarborPagePlace): number | null {
  const text = headers['x-total-count']?.trim()
  if (text === undefined || text === '') return null
  if (!/^\d{1,15}$/.test(text)) throw badPage(place, `X-Total-Count ${quoteForMessage(text)} is not a count`)
  return Number(text)
}

/**
 * Parses and checks one answer. `from` is the lowest id asked for (`q=id=[from~]`), null when
 * the request had no id filter. Throws BAD_RESPONSE naming the first problem.
 */
export function parseHarborPage(body: unknown, headers: Record<string, string>, place: HarborPagePlace, from: number | null): HarborPage {
  const total = readTotalCount(headers, place)
  // go-swagger answers an empty slice for no rows; a null is read the same way.
  if (body === null) return { records: [], total }
  if (!Array.isArray(body)) throw badPage(place, 'expected a JSON array of audit records')
  if (body.length > MAX_RECORDS_PER_PAGE) throw badPage(place, `${body.length} records in one answer is more than ${MAX_RECORDS_PER_PAGE}`)
  const records: HarborRecord[] = []
  let previous: number | null = null
  body.forEach((value, index) => {
    const where = `record ${index + 1}`
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badPage(place, `${where} is not an object`)
    const raw = value as Record<string, unknown>
    const id = readId(raw['id'])
    if (id === undefined || typeof raw['id'] !== 'number') throw badPage(place, `${where} has no numeric id`)
    try {
      normaliseHarborRecord(raw)
    } catch (error) {
      const text = error instanceof AppError ? error.message.replace(/^a Harbor audit record /, '') : 'cannot be read'
      throw badPage(place, `${where} (id ${id}) ${text}`)
    }
    if (from !== null && id < from) {
      throw badPage(
        place,
        `record id ${id} is below the asked id=[${from}~]: the server ignored the q filter (Harbor drops q keys it does not know); ` +
          'the walk stops rather than trust this answer'
      )
    }
    if (previous !== null && id <= previous) {
      throw badPage(
        place,
        `record ids are not ascending (${previous} then ${id}): the server ignored sort=id (Harbor before 2.3 has no sort); ` +
          'the walk stops rather than trust this answer'
      )
    }
    previous = id
    records.push({ id, raw })
  })
  return { records, total }
}

function badPage(place: HarborPagePlace, text: string): AppError {
  return new AppError('BAD_RESPONSE', `${place.account}: bad response from ${place.host} for /api/v2.0/${place.stream}: ${text}`, {
    account: place.account
  })
}

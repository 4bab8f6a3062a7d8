import { SORT_KEYS, type EventSort, type SortKey } from '../../../shared/query'
import { AppError } from '../errors'

/**
 * Where a page ended, for the next page's `WHERE (col, occurred_at, id) < (…)`. `value` is the
 * sort column's value of the last row (the account name for the `account` sort), absent for the
 * `occurred_at` sort whose column is `occurredAt` itself.
 */
export interface KeysetPosition {
  value: string | null
  occurredAt: number
  id: number
}

/** Encodes a position as an opaque, URL-safe cursor tied to its sort: base64url JSON. */
export function encodeKeysetCursor(sort: EventSort, position: KeysetPosition): string {
  const tuple = [sort.key, sort.dir, position.value, position.occurredAt, position.id]
  return Buffer.from(JSON.stringify(tuple), 'utf8').toString('base64url')
}

/**
 * Decodes a cursor and checks it belongs to `sort`. Throws AppError('INVALID_INPUT') for a
 * malformed cursor or one made for another sort (the UI must drop its cursor when the sort changes).
 */
export function decodeKeysetCursor(cursor: string, sort: EventSort): KeysetPosition {
  let tuple: unknown
  try {
    tuple = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    tuple = undefined
  }
  if (!Array.isArray(tuple) || tuple.length !== 5) throw malformed()
  const [key, dir, value, occurredAt, id] = tuple as unknown[]
  if (!SORT_KEYS.includes(key as SortKey) || (dir !== 'asc' && dir !== 'desc')) throw malformed()
  if (key !== sort.key || dir !== sort.dir) {
    throw new AppError(
      'INVALID_INPUT',
      `The page cursor was made for the sort ${String(key)} ${String(dir)}, not ${sort.key} ${sort.dir}; start again from the first page.`
    )
  }
  const valueOk = key === 'occurred_at' ? value === null : typeof value === 'string'
  if (!valueOk || !Number.isSafeInteger(occurredAt) || !Number.isSafeInteger(id)) throw malformed()
  return { value: value as string | null, occurredAt: occurredAt as number, id: id as number }
}

function malformed(): AppError {
  return new AppError('INVALID_INPUT', 'The page cursor is malformed; start again from the first page.')
}

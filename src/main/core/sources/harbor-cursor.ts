import { z } from 'zod'
import { AppError } from '../errors'

/**
 * The sync position of one Harbor audit stream, and the query that walks it.
 *
 * Harbor pages by offset and lists newest first by `op_time` (no tie-breaker), so new rows shift
 * pages under a reader. The walk therefore goes by id instead (sources/5-harbor.md, "Paging"):
 * `q=id=[from~]&sort=id&page=1&page_size=100`, then `from` = the last id read + 1, until a short
 * page. Ids never move, so rows written during a walk shift nothing.
 *
 * Rows are written by an asynchronous handler and concurrent inserts can commit out of id order,
 * so a row can become visible after rows with higher ids. Each walk therefore starts
 * `overlapIds` below the highest id stored; the rows read again are duplicates the archive skips.
 * A late row is found as long as fewer than `overlapIds` ids were taken after it before the walk
 * that missed it ended; in-flight rows are always the newest, so that window is small.
 *
 * The cursor is only the highest id stored: a walk stopped after any page resumes from it (with
 * the same overlap), so no mid-run state is needed.
 */

export interface HarborCursor {
  v: 1
  /** Highest record id stored; null before the first record. */
  lastId: number | null
}

const cursorSchema = z.object({ v: z.literal(1), lastId: z.number().int().min(0).nullable() })

export function readHarborCursor(value: unknown, account?: string): HarborCursor {
  if (value === null || value === undefined) return { v: 1, lastId: null }
  const parsed = cursorSchema.safeParse(value)
  if (!parsed.success) {
    throw new AppError(
      'INVALID_INPUT',
      `${account ? `${account}: ` : ''}the stored sync position is not a Harbor audit log cursor; it cannot be resumed`,
      { account }
    )
  }
  return parsed.data
}

/** The lowest id a walk starting from `cursor` asks for (ids start at 1). */
export function walkStart(cursor: HarborCursor, overlapIds: number): number {
  return cursor.lastId === null ? 1 : Math.max(1, cursor.lastId - overlapIds + 1)
}

/** The cursor to store with a page of records with these ids. */
export function cursorAfterPage(cursor: HarborCursor, ids: readonly number[]): HarborCursor {
  let lastId = cursor.lastId
  for (const id of ids) lastId = lastId === null ? id : Math.max(lastId, id)
  return { v: 1, lastId }
}

/**
 * Encodes a `q` value. Harbor URL-decodes `q` a second time after the normal query decoding, so
 * a `%` or `+` inside a term would change meaning (`+` becomes a space); such terms are refused
 * here rather than double-encoded, since Harbor's own Link headers and older servers differ.
 */
export function encodeHarborQ(terms: readonly string[]): string {
  for (const term of terms) {
    if (/[%+]/.test(term)) throw new AppError('INVALID_INPUT', `a Harbor q term must not contain "%" or "+" (Harbor decodes q twice): ${term}`)
    if (term.includes(',')) throw new AppError('INVALID_INPUT', `a Harbor q term must not contain "," (it separates terms): ${term}`)
  }
  return encodeURIComponent(terms.join(','))
}

/** The query string of one page of the id walk. */
export function harborPageQuery(from: number, pageSize: number): string {
  return `q=${encodeHarborQ([`id=[${from}~]`])}&sort=id&page=1&page_size=${pageSize}`
}

import { z } from 'zod'
import { AppError } from '../errors'

/**
 * The sync position of an msr account's `events` stream.
 *
 * `GET /api/v0/events` pages by cursor: `pageStart` is the id of a page's first event and the
 * answer's `X-Next-Page-Start` header names the next page's (absent on the last page). The order
 * of events is undocumented (probably newest first), so a walk makes no use of it: a run reads
 * every page from `publishedAfter` = the high-water mark of earlier runs minus an overlap, keeps
 * the newest `publishedAt` it meets, and only a finished run raises the high-water mark. Pages are
 * addressed by event id, so events arriving during a run shift nothing; those newer than the run's
 * first page arrive with the next run. The overlap makes the undocumented bound (inclusive or not)
 * harmless, and event ids make the re-read events duplicates the archive skips.
 *
 * Mid-run the cursor holds the next `pageStart`, so a run stopped after any page resumes there.
 */

export interface MsrRun {
  /** `publishedAfter` sent with every page of the run (RFC 3339), null for everything. */
  after: string | null
  /** The next page's first event id; null for the first page. */
  pageStart: string | null
  /** Newest `publishedAt` seen so far in this run (ms), with the high-water mark it started from. */
  newest: number | null
}

export interface MsrCursor {
  v: 1
  /** Newest `publishedAt` (ms) stored by a finished run. */
  highWater: number | null
  run: MsrRun | null
}

const cursorSchema = z.object({
  v: z.literal(1),
  highWater: z.number().int().nullable(),
  run: z
    .object({
      after: z.string().nullable(),
      pageStart: z.string().min(1).nullable(),
      newest: z.number().int().nullable()
    })
    .nullable()
})

export function readMsrCursor(value: unknown, account?: string): MsrCursor {
  if (value === null || value === undefined) return { v: 1, highWater: null, run: null }
  const parsed = cursorSchema.safeParse(value)
  if (!parsed.success) {
    throw new AppError(
      'INVALID_INPUT',
      `${account ? `${account}: ` : ''}the stored sync position is not an MSR events cursor; it cannot be resumed`,
      { account }
    )
  }
  return parsed.data
}

/** A new run from the cursor's high-water mark, `overlapSeconds` earlier. */
export function startMsrRun(cursor: MsrCursor, overlapSeconds: number): MsrRun {
  return {
    after: cursor.highWater === null ? null : new Date(cursor.highWater - overlapSeconds * 1000).toISOString(),
    pageStart: null,
    newest: cursor.highWater
  }
}

/**
 * The cursor to store with a page: mid-run (the next page start), or finished (the high-water
 * mark raised to the newest event the run met).
 */
export function cursorAfterPage(cursor: MsrCursor, run: MsrRun, newest: number | null, nextPageStart: string | null): MsrCursor {
  if (nextPageStart !== null) return { v: 1, highWater: cursor.highWater, run: { ...run, pageStart: nextPageStart, newest } }
  const highWater = newest === null ? cursor.highWater : Math.max(cursor.highWater ?? newest, newest)
  return { v: 1, highWater, run: null }
}

import { z } from 'zod'
import { AppError } from '../errors'

/**
 * The IBM Cloud Logs walk, as pure state transitions. Cloud Logs has no cursor paging: a query
 * returns at most `limit` rows of a time range, so the walk reads time slices (sources/4: "page by
 * shrinking time windows").
 *
 * A run reads [from, to): `to` is the whole second before the run started; `from` is where the
 * previous run ended minus the overlap (late deliveries land behind the edge), or `lookback`
 * before `to` on the first sync. Slices are half-open [start, end). A slice whose answer reaches
 * the row limit or carries a limit warning is not written: it is halved and read again. A slice
 * read whole is written with the cursor after it, and the next slice is twice as wide (up to
 * `maxSpan`) when that one was less than half full, so quiet stretches cost few of the ten
 * queries a minute and busy ones are split only as far as needed.
 *
 * The cursor: `{ v: 1, doneUntil }` between runs (everything logged before `doneUntil` is
 * archived; null before the first run), `{ v: 1, doneUntil, run }` inside a run. A run killed at
 * any point resumes at `run.next` with the same `to`, so nothing is lost and, since records are
 * identified by content, re-read boundaries double nothing.
 */

export interface IbmRun {
  /** Start of the run's range (ms). */
  from: number
  /** End of the run's range, exclusive (ms, a whole second). */
  to: number
  /** Start of the next slice (ms). */
  next: number
  /** Width of the next slice (ms). */
  span: number
}

export interface IbmCursor {
  v: 1
  doneUntil: number | null
  run?: IbmRun
}

export interface IbmSliceSettings {
  lookbackMs: number
  overlapMs: number
  /** Widest slice. */
  maxSpanMs: number
  /** Narrowest slice: one that still hits the limit is taken as it is (with a warning). */
  minSpanMs: number
}

const cursorSchema = z.object({
  v: z.literal(1),
  doneUntil: z.number().int().nullable(),
  run: z
    .object({
      from: z.number().int(),
      to: z.number().int(),
      next: z.number().int(),
      span: z.number().int().min(1)
    })
    .refine((run) => run.from <= run.next && run.next <= run.to, 'run bounds out of order')
    .optional()
})

/** Reads a stored cursor; null (never synced) is the empty cursor. Throws INVALID_INPUT otherwise. */
export function readIbmCursor(value: unknown, account?: string): IbmCursor {
  if (value === null || value === undefined) return { v: 1, doneUntil: null }
  const parsed = cursorSchema.safeParse(value)
  if (!parsed.success) {
    throw new AppError(
      'INVALID_INPUT',
      `${account ? `${account}: ` : ''}the stored sync position is not an IBM Cloud Logs cursor; it cannot be resumed`,
      { account }
    )
  }
  return parsed.data as IbmCursor
}

/** A new run ending at the whole second before `nowMs`; null when there is nothing to read. */
export function startIbmRun(cursor: IbmCursor, nowMs: number, settings: IbmSliceSettings): IbmRun | null {
  const to = Math.floor(nowMs / 1000) * 1000 - 1000
  const from = cursor.doneUntil === null ? to - settings.lookbackMs : cursor.doneUntil - settings.overlapMs
  if (from >= to) return null
  return { from, to, next: from, span: settings.maxSpanMs }
}

export interface IbmSlice {
  start: number
  end: number
}

/** The run's next slice: `span` wide from `next`, cut at `to`. */
export function nextIbmSlice(run: IbmRun): IbmSlice {
  return { start: run.next, end: Math.min(run.to, run.next + run.span) }
}

/**
 * The run after a slice that came back at the limit: the same start, half the width. Null when
 * the slice is already as narrow as allowed.
 */
export function shrinkIbmRun(run: IbmRun, slice: IbmSlice, settings: IbmSliceSettings): IbmRun | null {
  const width = slice.end - slice.start
  if (width <= settings.minSpanMs) return null
  return { ...run, span: Math.max(settings.minSpanMs, Math.floor(width / 2)) }
}

/**
 * The cursor to store with a slice read whole. The run's last slice ends it: `doneUntil` becomes
 * the run's `to` and the run is dropped. The next slice is twice as wide when this one came back
 * less than half full, as wide otherwise: a busy stretch keeps the width that fits, rather than
 * doubling into a full answer and halving back at the cost of a query each time.
 */
export function completeIbmSlice(
  cursor: IbmCursor,
  run: IbmRun,
  slice: IbmSlice,
  settings: IbmSliceSettings,
  fill: { rows: number; limit: number } = { rows: 0, limit: 1 }
): { cursor: IbmCursor; done: boolean } {
  if (slice.end >= run.to) return { cursor: { v: 1, doneUntil: run.to }, done: true }
  const width = slice.end - slice.start
  const span = Math.min(settings.maxSpanMs, fill.rows * 2 < fill.limit ? width * 2 : width)
  return { cursor: { v: 1, doneUntil: cursor.doneUntil, run: { ...run, next: slice.end, span } }, done: false }
}

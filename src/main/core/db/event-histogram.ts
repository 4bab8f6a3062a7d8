import type Database from 'better-sqlite3'
import type { Histogram, HistogramBucket } from '../../../shared/contract'
import { isActivity, type Activity } from '../../../shared/event'
import type { EventQuery } from '../../../shared/query'
import { buildEventWhere, type WhereOptions } from './event-query-sql'
import { COUNT_TABLES, countSourceFor, splitDays, type FacetSource } from './facet-counts'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** Bucket widths a person reads at a glance; the histogram takes the finest that fits. */
export const BUCKET_STEPS = [
  SECOND,
  5 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
  90 * DAY,
  365 * DAY
] as const

export const DEFAULT_HISTOGRAM_BUCKETS = 120

/** The finest step that covers [from, to) in at most `target` buckets. */
export function bucketStep(from: number, to: number, target: number): number {
  const span = Math.max(1, to - from)
  for (const step of BUCKET_STEPS) if (Math.ceil(span / step) <= target) return step
  // Beyond a year per bucket: whole multiples of years.
  const year = 365 * DAY
  return Math.ceil(span / target / year) * year
}

/**
 * Events over time for a query, stacked by activity: one GROUP BY over the same WHERE clause the
 * table uses, so the histogram always counts exactly what the table lists. Without a time range
 * in the query, the range is that of the matching events.
 */
export function eventHistogram(
  db: Database.Database,
  query: EventQuery,
  where: WhereOptions,
  target: number = DEFAULT_HISTOGRAM_BUCKETS
): Histogram {
  const filter = buildEventWhere(query, where)
  let from = query.since ?? null
  let to = query.until ?? null
  if (from === null || to === null) {
    // Two ordered walks of a time index, each stopping at its first match, instead of one
    // min/max pass over every matching row.
    const edge = (order: 'ASC' | 'DESC'): number | undefined =>
      db
        .prepare(`SELECT occurred_at FROM events WHERE ${filter.sql} ORDER BY occurred_at ${order} LIMIT 1`)
        .pluck()
        .get(...filter.params) as number | undefined
    const oldest = from === null ? edge('ASC') : from
    const newest = to === null ? edge('DESC') : to - 1
    // Nothing matches: an empty chart over the range asked for, if any.
    if (oldest === undefined || newest === undefined) return { from, to, bucketMs: 0, buckets: [] }
    from = oldest
    to = newest + 1
  }
  if (to <= from) return { from, to, bucketMs: 0, buckets: [] }

  const step = bucketStep(from, to, target)
  const start = Math.floor(from / step) * step
  const count = Math.ceil((to - start) / step)
  const buckets: HistogramBucket[] = Array.from({ length: count }, (_, index) => ({
    start: start + index * step,
    total: 0,
    byActivity: {}
  }))
  // Every matching row lies in [from, to) (the query's own bounds, or the data's), and start <=
  // from keeps the difference non-negative, so integer division floors. The casts keep it integer
  // division: a bound JavaScript number may arrive as REAL.
  const source = countSourceFor(query)
  const rows =
    step % DAY === 0 && source !== 'events'
      ? fromDayCounts(db, query, where, source, from, to, start, step)
      : (db
          .prepare(
            `SELECT activity, (occurred_at - CAST(? AS INTEGER)) / CAST(? AS INTEGER) AS bucket, count(*) AS n
             FROM events ${coveringIndexHint(query)} WHERE ${filter.sql}
             GROUP BY activity, bucket`
          )
          .all(start, step, ...filter.params) as Array<{ bucket: number; activity: string; n: number }>)
  for (const row of rows) {
    const bucket = buckets[row.bucket]
    if (bucket === undefined) continue
    bucket.total += row.n
    const activity: Activity = isActivity(row.activity) ? row.activity : 'other'
    bucket.byActivity[activity] = (bucket.byActivity[activity] ?? 0) + row.n
  }
  return { from: start, to: start + count * step, bucketMs: step, buckets }
}

/**
 * Buckets of whole days from the per-day facet count tables (migration 4) when they hold every
 * column the query filters on: a year is a few thousand rows instead of every matching event.
 * The partial days at the ends of [from, to) are counted from their events.
 */
function fromDayCounts(
  db: Database.Database,
  query: EventQuery,
  where: WhereOptions,
  source: Exclude<FacetSource, 'events'>,
  from: number,
  to: number,
  start: number,
  step: number
): Array<{ bucket: number; activity: string; n: number }> {
  const { days, edges } = splitDays(from, to)
  const rows: Array<{ bucket: number; activity: string; n: number }> = []
  if (days !== undefined) {
    const untimed = buildEventWhere({ ...query, since: undefined, until: undefined }, where)
    rows.push(
      ...(db
        .prepare(
          `SELECT activity, (day * ${DAY} - CAST(? AS INTEGER)) / CAST(? AS INTEGER) AS bucket, sum(n) AS n
           FROM ${COUNT_TABLES[source].days} WHERE ${untimed.sql} AND day >= ? AND day < ? GROUP BY activity, bucket`
        )
        .all(start, step, ...untimed.params, days.from, days.to) as Array<{ bucket: number; activity: string; n: number }>)
    )
  }
  for (const edge of edges) {
    const filter = buildEventWhere({ ...query, since: edge.since, until: edge.until }, where)
    rows.push(
      ...(db
        .prepare(
          `SELECT activity, (occurred_at - CAST(? AS INTEGER)) / CAST(? AS INTEGER) AS bucket, count(*) AS n
           FROM events INDEXED BY events_occurred_at WHERE ${filter.sql} GROUP BY activity, bucket`
        )
        .all(start, step, ...filter.params) as Array<{ bucket: number; activity: string; n: number }>)
    )
  }
  return rows
}

/**
 * The default view filters on time and activity only (pulls left out). (activity, occurred_at)
 * then holds every column the count reads, so the whole histogram comes from that index; left to
 * itself the planner takes the time index and reads every row from the table, several times
 * slower. With any other filter, the planner's own choice (that filter's index) is the better one.
 */
function coveringIndexHint(query: EventQuery): string {
  const others =
    hasValues(query.account) ||
    hasValues(query.verb) ||
    hasValues(query.actor) ||
    hasValues(query.repository) ||
    hasValues(query.tag) ||
    hasValues(query.digest) ||
    hasValues(query.outcome) ||
    (query.text?.length ?? 0) > 0 ||
    (query.notText?.length ?? 0) > 0
  return others ? '' : 'INDEXED BY events_activity'
}

function hasValues(filter: { any?: unknown[]; none?: unknown[] } | undefined): boolean {
  return (filter?.any?.length ?? 0) > 0 || (filter?.none?.length ?? 0) > 0
}

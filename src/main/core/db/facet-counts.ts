import type Database from 'better-sqlite3'
import type { EventQuery, FacetField } from '../../../shared/query'
import { buildEventWhere, FACET_COLUMNS, ftsTerms, type EventWhere, type WhereOptions } from './event-query-sql'

/**
 * Facet counts (the filter sidebar), exact, read from the per-day count tables of migration 4
 * wherever the query allows and from the events otherwise.
 *
 * A field's counts are served by a count table when every filter that applies to them (all but
 * the field's own) is on a column that table has: account, Type, activity (with the pull
 * exclusion), outcome, and the actor or the repository for their tables. Whole days come from the
 * table (a few thousand rows for a year at most); the parts of days at the ends of a time range
 * come from the events of those hours through the time index. Filters on tag, digest or free
 * text, or on both actor and repository, count the matching events themselves.
 */

const DAY = 86_400_000

/** Reads the matching events for a field the count tables cannot serve. */
export type EventsFacetCounter = (
  field: FacetField,
  where: EventWhere,
  top: number
) => Array<{ value: string | number; count: number }>

export type FacetSource = 'base' | 'actor' | 'repository' | 'events'

const TABLES: Record<Exclude<FacetSource, 'events'>, string> = {
  base: 'facet_counts_base',
  actor: 'facet_counts_actor',
  repository: 'facet_counts_repository'
}

export class FacetCounter {
  constructor(
    /** Prepares through the archive's statement cache. */
    private readonly prepare: (sql: string) => Database.Statement,
    private readonly whereOptions: (omit: FacetField) => WhereOptions,
    private readonly fromEvents: EventsFacetCounter
  ) {}

  /** The `top` most frequent non-empty values of `field` under `query`, most frequent first. */
  count(field: FacetField, query: EventQuery, top: number): Array<{ value: string | number; count: number }> {
    const options = this.whereOptions(field)
    // Built whole first: it validates the query (times, lists) for every path below.
    const full = buildEventWhere(query, options)
    const source = facetSource(field, query)
    if (source === 'events') return this.fromEvents(field, full, top)

    const column = FACET_COLUMNS[field]
    const notEmpty = field === 'account' ? '' : ` AND ${column} <> ''`
    const { days, edges } = splitDays(query.since, query.until)
    const counts = new Map<string | number, number>()
    const add = (rows: Array<{ value: string | number; count: number }>): void => {
      for (const row of rows) counts.set(row.value, (counts.get(row.value) ?? 0) + row.count)
    }

    if (days !== undefined) {
      const where = buildEventWhere({ ...query, since: undefined, until: undefined }, options)
      const conditions = [where.sql]
      const params = [...where.params]
      if (days.from !== undefined) {
        conditions.push('day >= ?')
        params.push(days.from)
      }
      if (days.to !== undefined) {
        conditions.push('day < ?')
        params.push(days.to)
      }
      const sql = `SELECT ${column} AS value, sum(n) AS count FROM ${TABLES[source]} WHERE ${conditions.join(' AND ')}${notEmpty} GROUP BY ${column}`
      // Without partial days to add, the table's own order and limit give the answer directly.
      if (edges.length === 0) return this.prepare(`${sql} ORDER BY count DESC, value ASC LIMIT ?`).all(...params, top) as never
      add(this.prepare(sql).all(...params) as Array<{ value: string | number; count: number }>)
    }
    for (const edge of edges) {
      const where = buildEventWhere({ ...query, since: edge.since, until: edge.until }, options)
      // An edge is less than a day: the time index bounds it, whatever else the filter says.
      add(
        this.prepare(
          `SELECT ${column} AS value, count(*) AS count FROM events INDEXED BY events_occurred_at
           WHERE ${where.sql}${notEmpty} GROUP BY ${column}`
        ).all(...where.params) as Array<{ value: string | number; count: number }>
      )
    }
    return [...counts]
      .filter(([, count]) => count > 0)
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, top)
      .map(([value, count]) => ({ value, count }))
  }
}

/** Which count table serves `field` under `query`, or 'events' when none can. */
export function facetSource(field: FacetField, query: EventQuery): FacetSource {
  if (hasValues(query.tag) || hasValues(query.digest)) return 'events'
  if (ftsTerms(query.text, 'text').length > 0 || ftsTerms(query.notText, 'notText').length > 0) return 'events'
  const byActor = field === 'actor' || hasValues(query.actor)
  const byRepository = field === 'repository' || hasValues(query.repository)
  if (byActor && byRepository) {
    // The field's own filter does not apply to its counts.
    if (field === 'actor') return hasValues(query.repository) ? 'events' : 'actor'
    if (field === 'repository') return hasValues(query.actor) ? 'events' : 'repository'
    return 'events'
  }
  return byActor ? 'actor' : byRepository ? 'repository' : 'base'
}

function hasValues(filter: { any?: unknown[]; none?: unknown[] } | undefined): boolean {
  return (filter?.any?.length ?? 0) > 0 || (filter?.none?.length ?? 0) > 0
}

/**
 * Splits [since, until) into whole UTC days (`days`, undefined when there are none; an open end
 * stays open) and the parts of days before and after them (`edges`, each shorter than a day).
 */
export function splitDays(
  since: number | undefined,
  until: number | undefined
): { days: { from?: number; to?: number } | undefined; edges: Array<{ since: number; until: number }> } {
  const first = since === undefined ? undefined : Math.ceil(since / DAY)
  const end = until === undefined ? undefined : Math.floor(until / DAY)
  if (first !== undefined && end !== undefined && first >= end) {
    // No whole day inside: the range is (at most) two partial days.
    return { days: undefined, edges: since! < until! ? [{ since: since!, until: until! }] : [] }
  }
  const edges: Array<{ since: number; until: number }> = []
  if (since !== undefined && first! * DAY > since) edges.push({ since, until: first! * DAY })
  if (until !== undefined && until > end! * DAY) edges.push({ since: end! * DAY, until })
  return { days: { from: first, to: end }, edges }
}

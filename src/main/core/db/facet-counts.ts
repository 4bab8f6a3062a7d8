import type Database from 'better-sqlite3'
import type { EventQuery, FacetField } from '../../../shared/query'
import { buildEventWhere, FACET_COLUMNS, ftsTerms, sampledId, SORT_INDEXES, type EventWhere, type WhereOptions } from './event-query-sql'
import { INDEX_FILTER_COLUMNS } from './migrations/0004-query-performance'

/**
 * Facet counts (the filter sidebar), exact, read from the count tables of migration 4 wherever
 * the query allows and from the events otherwise.
 *
 * A field's counts are served by the count tables when every filter that applies to them (all but
 * the field's own) is on a column they have: account, Type, activity (with the pull exclusion),
 * outcome, and the actor or the repository for their tables. All time comes from the totals;
 * whole days of a range from the per-day rows inside it, or as the totals less the days outside
 * it when that reads fewer rows; the parts of days at the ends of a range from the events of
 * those hours through the time index.
 *
 * Filters on tag, digest or free text, or on both actor and repository, count the matching events
 * themselves. Where the caller accepts estimates and more than SAMPLE_ABOVE events match, they
 * count every SAMPLE_EVERY-th event (by id: ids follow ingest order, not any column) and scale up;
 * such counts say `approximate`, and a UI shows them as such (≈).
 */

/** Matches from which an events count may be estimated from a sample. */
export const SAMPLE_ABOVE = 50_000
/** One event in this many is counted for an estimate. */
export const SAMPLE_EVERY = 16

const DAY = 86_400_000

export type FacetSource = 'base' | 'actor' | 'repository' | 'events'

/** Per source: the per-day table, and the all-time table where there is one. */
export const COUNT_TABLES: Record<Exclude<FacetSource, 'events'>, { days: string; totals?: string }> = {
  base: { days: 'facet_counts_base' },
  actor: { days: 'facet_counts_actor_days', totals: 'facet_counts_actor' },
  repository: { days: 'facet_counts_repository_days', totals: 'facet_counts_repository' }
}

type Counts = Array<{ value: string | number; count: number }>

/** One field's counts; `approximate` when they are estimates from a sample. */
export interface FieldCounts {
  rows: Counts
  approximate: boolean
}

export class FacetCounter {
  constructor(
    /** Prepares through the archive's statement cache. */
    private readonly prepare: (sql: string) => Database.Statement,
    private readonly whereOptions: (omit?: FacetField) => WhereOptions,
    /** Whether counts read from many events may be estimated from a sample. */
    private readonly estimates: boolean,
    /** Matches from which an estimate is made (SAMPLE_ABOVE; tests set it low). */
    private readonly sampleAbove: number = SAMPLE_ABOVE
  ) {}

  /**
   * Runs `work` (the counts of one facets call) with the free-text terms' lists of ids built
   * once, as temporary tables every field's statements read, instead of one full-text lookup per
   * statement. Without free text it just runs `work`.
   */
  withTextLists<T>(query: EventQuery, work: () => T): T {
    const where = buildEventWhere(query, { accountIds: () => [] })
    if (where.text === undefined) return work()
    const { match, exclude } = where.text
    const matches =
      match === undefined
        ? this.sampleAbove
        : (this.prepare('SELECT count(*) FROM (SELECT 1 FROM events_fts WHERE events_fts MATCH ? LIMIT ?)').pluck().get(match, this.sampleAbove) as number)
    const sampled = this.estimates && matches >= this.sampleAbove
    const tables: { match?: string; exclude?: string } = {}
    const fill = (name: string, expression: string): void => {
      this.prepare(`CREATE TEMP TABLE ${name} (id INTEGER PRIMARY KEY)`).run()
      const sample = sampled ? ` AND ${sampledId('rowid')}` : ''
      this.prepare(`INSERT INTO temp.${name} SELECT rowid FROM events_fts WHERE events_fts MATCH ?${sample}`).run(
        expression,
        ...(sampled ? [SAMPLE_EVERY] : [])
      )
    }
    try {
      if (match !== undefined) fill((tables.match = 'facet_text_match'), match)
      if (exclude !== undefined) fill((tables.exclude = 'facet_text_exclude'), exclude)
      this.text = { lists: tables, sampled, matches }
      return work()
    } finally {
      this.text = undefined
      for (const name of Object.values(tables)) this.prepare(`DROP TABLE IF EXISTS temp.${name}`).run()
    }
  }

  /** While withTextLists runs: the lists, whether they are sampled, and the matches counted (to the limit). */
  private text: { lists: { match?: string; exclude?: string }; sampled: boolean; matches: number } | undefined

  /** The `top` most frequent non-empty values of `field` under `query`, most frequent first. */
  count(field: FacetField, query: EventQuery, top: number): FieldCounts {
    const options = this.whereOptions(field)
    // Built whole first: it validates the query (times, lists) for every path below.
    const full = buildEventWhere(query, options)
    const source = facetSource(field, query)
    if (source === 'events') return this.fromEvents(field, query, full, top)
    const column = FACET_COLUMNS[field]
    return { rows: this.fromTables(column, field === 'account' ? '' : ` AND ${column} <> ''`, source, query, options, top), approximate: false }
  }

  /**
   * How many events match `query`, exactly, read from the count tables; undefined when they
   * cannot serve its filter (then the events must be counted).
   */
  total(query: EventQuery): number | undefined {
    const source = countSourceFor(query)
    if (source === 'events') return undefined
    const options = this.whereOptions()
    buildEventWhere(query, options)
    return this.fromTables(null, '', source, query, options, 1).reduce((sum, row) => sum + row.count, 0)
  }

  /** Counts by `column` (or one total when null) from the count tables: see the module comment. */
  private fromTables(
    column: string | null,
    notEmpty: string,
    source: Exclude<FacetSource, 'events'>,
    query: EventQuery,
    options: WhereOptions,
    top: number
  ): Counts {
    const tables = COUNT_TABLES[source]
    const { days, edges } = splitDays(query.since, query.until)
    const untimed = buildEventWhere({ ...query, since: undefined, until: undefined }, options)
    const value = column ?? '0'
    const groupBy = column === null ? '' : ` GROUP BY ${column}`
    const grouped = (table: string, extra: string, extraParams: unknown[], tail = ''): Statement => ({
      sql: `SELECT ${value} AS value, coalesce(sum(n), 0) AS count FROM ${table} WHERE ${untimed.sql}${extra}${notEmpty}${groupBy}${tail}`,
      params: [...untimed.params, ...extraParams]
    })
    const counts = new Map<string | number, number>()
    const add = (rows: Counts, sign = 1): void => {
      for (const row of rows) counts.set(row.value, (counts.get(row.value) ?? 0) + sign * row.count)
    }

    if (days !== undefined) {
      if (tables.totals !== undefined && days.from === undefined && days.to === undefined) {
        // All time: the totals, already in the field's order.
        return this.all(grouped(tables.totals, '', [], ' ORDER BY count DESC, value ASC LIMIT ?'), [top])
      }
      const inside = dayRange(days)
      if (tables.totals !== undefined && this.outsideIsSmaller(days)) {
        // Most of the archive's days: the totals less the days outside the range.
        add(this.all(grouped(tables.totals, '', [])))
        if (days.from !== undefined) add(this.all(grouped(tables.days, ' AND day < ?', [days.from])), -1)
        if (days.to !== undefined) add(this.all(grouped(tables.days, ' AND day >= ?', [days.to])), -1)
      } else if (edges.length === 0) {
        return this.all(grouped(tables.days, inside.sql, inside.params, ' ORDER BY count DESC, value ASC LIMIT ?'), [top])
      } else {
        add(this.all(grouped(tables.days, inside.sql, inside.params)))
      }
    }
    for (const edge of edges) {
      const where = buildEventWhere({ ...query, since: edge.since, until: edge.until }, options)
      // An edge is less than a day: the time index bounds it, whatever else the filter says.
      add(
        this.all({
          sql: `SELECT ${value} AS value, count(*) AS count FROM events INDEXED BY events_occurred_at
                WHERE ${where.sql}${notEmpty}${groupBy}`,
          params: where.params
        })
      )
    }
    return [...counts]
      .filter(([, count]) => count > 0)
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, top)
      .map(([value, count]) => ({ value, count }))
  }

  /**
   * A field's counts from the matching events. Which way they are read: with few matches, or a
   * condition that bounds an index range, SQLite's choice (the filter's indexes, which carry the
   * columns counted); otherwise one pass over the field's own index, in the field's order and
   * holding every column it tests, when it holds them all; otherwise one pass over the table.
   */
  private fromEvents(field: FacetField, query: EventQuery, where: EventWhere, top: number): FieldCounts {
    const column = FACET_COLUMNS[field]
    const notEmpty = field === 'account' ? '' : ` AND ${column} <> ''`
    const limit = this.sampleAbove
    const text = this.text
    // Free text was counted in the full-text index alone, when its lists were built.
    const matches =
      text !== undefined
        ? text.matches
        : where.sql === '1'
          ? limit
          : (this.prepare(`SELECT count(*) FROM (SELECT 1 FROM events WHERE ${where.sql} LIMIT ?)`).pluck().get(...where.params, limit) as number)
    const sampled = text !== undefined ? text.sampled : this.estimates && matches >= limit
    const counted =
      sampled || text !== undefined
        ? buildEventWhere(query, {
            ...this.whereOptions(field),
            sampleEvery: sampled ? SAMPLE_EVERY : undefined,
            textLists: text?.lists
          })
        : where
    const own = SORT_INDEXES[field === 'account' ? 'account' : field]
    const held = new Set<string>([column, 'occurred_at', 'id', ...INDEX_FILTER_COLUMNS])
    const from =
      counted.sql === '1' || matches < limit || counted.indexed || text?.lists.match !== undefined
        ? 'events'
        : counted.columns.every((c) => held.has(c))
          ? `events INDEXED BY ${own}`
          : 'events NOT INDEXED'
    const rows = this.all({
      sql: `SELECT ${column} AS value, count(*) AS count FROM ${from} WHERE ${counted.sql}${notEmpty} GROUP BY ${column} ORDER BY count DESC, value ASC LIMIT ?`,
      params: [...counted.params, top]
    })
    return sampled ? { rows: rows.map((r) => ({ value: r.value, count: r.count * SAMPLE_EVERY })), approximate: true } : { rows, approximate: false }
  }

  private all(statement: Statement, extra: unknown[] = []): Counts {
    return this.prepare(statement.sql).all(...statement.params, ...extra) as Counts
  }

  /** Whether fewer of the archive's days lie outside the range than inside it. */
  private outsideIsSmaller(days: { from?: number; to?: number }): boolean {
    const span = this.prepare('SELECT min(day) AS first, max(day) AS last FROM facet_counts_base').get() as {
      first: number | null
      last: number | null
    }
    if (span.first === null || span.last === null) return false
    const from = Math.max(days.from ?? span.first, span.first)
    const to = Math.min(days.to ?? span.last + 1, span.last + 1)
    const inside = Math.max(0, to - from)
    return span.last + 1 - span.first - inside < inside
  }
}

interface Statement {
  sql: string
  params: unknown[]
}

function dayRange(days: { from?: number; to?: number }): { sql: string; params: unknown[] } {
  const parts: string[] = []
  const params: unknown[] = []
  if (days.from !== undefined) {
    parts.push(' AND day >= ?')
    params.push(days.from)
  }
  if (days.to !== undefined) {
    parts.push(' AND day < ?')
    params.push(days.to)
  }
  return { sql: parts.join(''), params }
}

/** Which count tables hold every column `query` filters on, or 'events' when none do. */
export function countSourceFor(query: EventQuery): FacetSource {
  if (hasValues(query.tag) || hasValues(query.digest)) return 'events'
  if (ftsTerms(query.text, 'text').length > 0 || ftsTerms(query.notText, 'notText').length > 0) return 'events'
  const byActor = hasValues(query.actor)
  const byRepository = hasValues(query.repository)
  return byActor && byRepository ? 'events' : byActor ? 'actor' : byRepository ? 'repository' : 'base'
}

/** Which count tables serve `field` under `query` (its own filter does not apply), or 'events'. */
export function facetSource(field: FacetField, query: EventQuery): FacetSource {
  const source = countSourceFor({ ...query, [field]: undefined })
  if (source === 'events') return 'events'
  // The field's own values must be in the tables too.
  if (field === 'actor') return source === 'repository' ? 'events' : 'actor'
  if (field === 'repository') return source === 'actor' ? 'events' : 'repository'
  return source
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

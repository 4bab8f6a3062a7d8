import type Database from 'better-sqlite3'
import type { EventSort, SortDirection, SortKey } from '../../../shared/query'
import { EVENT_SELECT, eventRowFromValues, type EventRow } from './event-row'
import {
  keysetCondition,
  orderBy,
  SORT_COLUMNS,
  SORT_INDEXES,
  sortColumns,
  type EventWhere,
  type PagePlan
} from './event-query-sql'
import type { KeysetPosition } from './keyset-cursor'
import { INDEX_FILTER_COLUMNS } from './migrations/0004-query-performance'

/** Below this many matches a filtered page sorts the matches instead of walking the sort index. */
const SORT_BELOW = 2000
/** The same when every index carries the sort column: the sort then reads index entries only. */
const SORT_BELOW_CARRIED = 50_000
/** How much further than `walkLimit` a walk whose filter the index covers may go. */
const COVERED_WALK_FACTOR = 10

/**
 * Reads events in a sort order, page by page or all of them, choosing per query how SQLite
 * should find them. The choice matters: SQLite's planner cannot see how soon a LIMIT ends a walk
 * along an index, and with a filter it often sorts every match when walking the sort index
 * would have found the first page after a few hundred rows, or the other way round.
 */

/** A statement as run, for `Archive.queryPlan`. */
export interface TracedStatement {
  sql: string
  params: unknown[]
}

/**
 * One ordered stream of rows: the whole table for a column sort; one account for the account
 * sort (accounts are read one after another in name order, each in time order, since the name
 * lives in another table and no index orders events by it).
 */
interface Source {
  /** The sort within this source: the account sort is time order within each account. */
  key: SortKey
  /** The index that yields this source in order. */
  index: string
  /** The account this source is limited to (the account sort), if any. */
  accountId: number | undefined
  /** Where to resume (the keyset tuple), or undefined to start at the top. */
  after: unknown[] | undefined
}

export class SortedEventReader {
  constructor(
    private readonly db: Database.Database,
    /** Prepares through the archive's statement cache. */
    private readonly prepare: (sql: string) => Database.Statement,
    /**
     * Rows a page may walk along the sort index before it sorts the remaining matches instead;
     * also the match count from which a full read walks rather than sorts.
     */
    private readonly walkLimit: number
  ) {}

  /**
   * Up to `count` rows after `position`. Each source is read by the cheapest of: walking the
   * sort index when nothing is filtered; letting SQLite use a one-value filter's (column,
   * occurred_at) index, which yields the matches already in order; sorting the matches when a
   * probe finds fewer than SORT_BELOW of them (through the filter's own indexes); otherwise
   * walking the sort index for at most `walkLimit` rows (found by an index-only skip) — or
   * COVERED_WALK_FACTOR times that when the index holds every filtered column, so the walk tests
   * entries without reading rows — then sorting the remaining matches if the walk did not fill
   * the page. Sorting keeps only the sort keys of the matches and reads the page's rows last.
   */
  page(
    where: EventWhere,
    sort: EventSort,
    position: KeysetPosition | undefined,
    accountNames: Map<number, string>,
    count: number,
    trace?: TracedStatement[]
  ): EventRow[] {
    const rows: EventRow[] = []
    for (const source of sources(where, sort, position, accountNames)) {
      rows.push(...this.readSource(where, sort.dir, source, count - rows.length, trace))
      if (rows.length >= count) break
    }
    return rows
  }

  /**
   * Every matching row in order, one at a time. A full read cannot stop early, so the choice is
   * made once: walk the sort index when at least `walkLimit` events match (streams with flat
   * memory), otherwise sort the few matches.
   */
  *iterate(where: EventWhere, sort: EventSort, accountNames: Map<number, string>): IterableIterator<EventRow> {
    const plan = this.choosePlan(where, sort.key)
    for (const source of sources(where, sort, undefined, accountNames)) {
      const statement = select(where, source, sort.dir, plan, source.after, undefined, undefined)
      // A statement of its own: one that is iterating cannot serve another call meanwhile.
      const iterator = this.db.prepare(statement.sql).raw().iterate(...statement.params) as IterableIterator<unknown[]>
      try {
        for (const values of iterator) yield eventRowFromValues(values)
      } finally {
        // Frees the connection when the consumer stops early (break, return, throw).
        iterator.return?.()
      }
    }
  }

  /**
   * The plan for reading all matches: see `iterate`. Also tells facets whether one pass over the
   * table (`walk`: many matches) beats looking up each match through an index.
   */
  choosePlan(where: EventWhere, key: SortKey): PagePlan {
    if (!where.filtered) return 'walk'
    if (heldInOrder(where, key)) return 'planner'
    const matches = this.prepare(`SELECT count(*) FROM (SELECT 1 FROM events WHERE ${where.sql} LIMIT ?)`)
      .pluck()
      .get(...where.params, this.walkLimit) as number
    return matches >= this.walkLimit ? 'walk' : 'sort'
  }

  private readSource(
    where: EventWhere,
    dir: SortDirection,
    source: Source,
    count: number,
    trace: TracedStatement[] | undefined
  ): EventRow[] {
    const run = (statement: TracedStatement): EventRow[] => {
      trace?.push(statement)
      return (this.prepare(statement.sql).raw().all(...statement.params) as unknown[][]).map(eventRowFromValues)
    }
    if (!where.filtered) return run(select(where, source, dir, 'walk', source.after, undefined, count))
    if (heldInOrder(where, source.key)) return run(select(where, source, dir, 'planner', source.after, undefined, count))

    // Few matches: sorting them beats any walk, which could pass most of the index to find them.
    // Sorting is cheap for many more matches when every index carries the sort column (the
    // filter's index then sorts without reading rows). Free text is probed in the full-text
    // index alone, which stops at the limit, rather than by building its whole list of matches.
    // (Tied to walkLimit so that tests which shorten walks also meet every path with few events.)
    const sortBelow = Math.min(this.walkLimit * 5, carriedByEveryIndex(source) ? SORT_BELOW_CARRIED : SORT_BELOW)
    const few =
      where.text === undefined
        ? this.probe(where, source, dir, sortBelow, trace) < sortBelow
        : where.text.match !== undefined && this.probeText(where.text.match, sortBelow, trace) < sortBelow
    if (few) return run(select(where, source, dir, 'sort', source.after, undefined, count))

    // A covered walk tests index entries only: after a first stretch it may go on much further
    // before a sort of the remaining matches is the cheaper way to the rest of the page.
    const stretches = coveredBy(where, source) ? [this.walkLimit, this.walkLimit * COVERED_WALK_FACTOR] : [this.walkLimit]
    let after = source.after
    let rows: EventRow[] = []
    for (const stretch of stretches) {
      const boundary = this.boundary(source, dir, after, stretch, trace)
      rows = rows.concat(run(select(where, source, dir, 'walk', after, boundary, count - rows.length)))
      if (rows.length >= count || boundary === undefined) return rows
      after = boundary
    }
    return rows.concat(run(select(where, source, dir, 'sort', after, undefined, count - rows.length)))
  }

  /** How many events the full-text expression matches, counting no further than `limit`. */
  private probeText(match: string, limit: number, trace: TracedStatement[] | undefined): number {
    const sql = 'SELECT count(*) FROM (SELECT 1 FROM events_fts WHERE events_fts MATCH ? LIMIT ?)'
    trace?.push({ sql, params: [match, limit] })
    return this.prepare(sql).pluck().get(match, limit) as number
  }

  /** How many events after the source's position match, counting no further than `limit`. */
  private probe(where: EventWhere, source: Source, dir: SortDirection, limit: number, trace: TracedStatement[] | undefined): number {
    // The sort plan's conditions: the planner picks the filter's own index to count with.
    const statement = select(where, source, dir, 'sort', source.after, undefined, undefined)
    const sql = `SELECT count(*) FROM (SELECT 1 FROM events WHERE ${statement.where} LIMIT ?)`
    const params = [...statement.params, limit]
    trace?.push({ sql, params })
    return this.prepare(sql).pluck().get(...params) as number
  }

  /** The sort tuple `rows` rows on from `after` along the source's index (index only, no row reads). */
  private boundary(
    source: Source,
    dir: SortDirection,
    after: unknown[] | undefined,
    rows: number,
    trace: TracedStatement[] | undefined
  ): unknown[] | undefined {
    const conditions = source.accountId === undefined ? ['1'] : ['account_id = ?']
    const params: unknown[] = source.accountId === undefined ? [] : [source.accountId]
    if (after !== undefined) {
      conditions.push(keysetCondition(source.key, dir, 'walk'))
      params.push(...after)
    }
    const sql =
      `SELECT ${sortColumns(source.key).join(', ')} FROM events INDEXED BY ${source.index} ` +
      `WHERE ${conditions.join(' AND ')} ORDER BY ${orderBy(source.key, dir, 'walk')} LIMIT 1 OFFSET ?`
    trace?.push({ sql, params: [...params, rows - 1] })
    return this.prepare(sql)
      .raw()
      .get(...params, rows - 1) as unknown[] | undefined
  }
}

/**
 * A column held to one value whose (column, occurred_at) index gives the rows in this order:
 * any such column for time order, the sort column itself for a column sort.
 */
function heldInOrder(where: EventWhere, key: SortKey): boolean {
  return key === 'occurred_at' ? where.equalities.length > 0 : where.equalities.includes(SORT_COLUMNS[key])
}

function sources(
  where: EventWhere,
  sort: EventSort,
  position: KeysetPosition | undefined,
  accountNames: Map<number, string>
): Source[] {
  if (sort.key !== 'account') {
    const after =
      position === undefined
        ? undefined
        : sort.key === 'occurred_at'
          ? [position.occurredAt, position.id]
          : [position.value, position.occurredAt, position.id]
    return [{ key: sort.key, index: SORT_INDEXES[sort.key], accountId: undefined, after }]
  }
  const ascending = sort.dir === 'asc'
  // Accounts the filter rules out are skipped rather than asked for rows they cannot have.
  const allowed = (id: number): boolean =>
    (where.accounts.any === undefined || where.accounts.any.includes(id)) && !where.accounts.none.includes(id)
  return [...accountNames]
    .filter(([id]) => allowed(id))
    .sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0) * (ascending ? 1 : -1))
    .filter(([, name]) => {
      if (position === undefined || position.value === null) return true
      return ascending ? name >= position.value : name <= position.value
    })
    .map(([id, name]) => ({
      key: 'occurred_at' as const,
      index: SORT_INDEXES.account,
      accountId: id,
      after: position !== undefined && name === position.value ? [position.occurredAt, position.id] : undefined
    }))
}

/**
 * The SELECT for one source under a plan: rows strictly after `after`, and (for a bounded walk)
 * up to and including `through`; `limit` rows at most (none: every row, for a full read).
 * `where` is the conditions alone, for a count over the same rows.
 *
 * A limited sort sorts only the matches' sort keys and ids, then reads the page's rows by id:
 * the sorter holds a few bytes per match instead of whole rows with their raw records, and an
 * index that carries the sort column sorts without reading rows at all.
 */
function select(
  where: EventWhere,
  source: Source,
  dir: SortDirection,
  plan: PagePlan,
  after: unknown[] | undefined,
  through: unknown[] | undefined,
  limit: number | undefined
): TracedStatement & { where: string } {
  const conditions = [where.sql]
  const params = [...where.params]
  if (source.accountId !== undefined) {
    // Under the sort plan the unary + keeps SQLite on the filter's indexes here too.
    conditions.push(plan === 'sort' ? '+account_id = ?' : 'account_id = ?')
    params.push(source.accountId)
  }
  if (after !== undefined) {
    conditions.push(keysetCondition(source.key, dir, plan))
    params.push(...after)
  }
  if (through !== undefined) {
    const columns = sortColumns(source.key)
    conditions.push(`(${columns.join(', ')}) ${dir === 'asc' ? '<=' : '>='} (${columns.map(() => '?').join(', ')})`)
    params.push(...through)
  }
  const whereSql = conditions.join(' AND ')
  const order = orderBy(source.key, dir, plan)
  if (plan === 'sort' && limit !== undefined) {
    return {
      sql:
        `SELECT ${EVENT_SELECT} FROM events WHERE id IN ` +
        `(SELECT id FROM events WHERE ${whereSql} ORDER BY ${order} LIMIT ?) ORDER BY ${order}`,
      params: [...params, limit],
      where: whereSql
    }
  }
  const from = plan === 'walk' ? `events INDEXED BY ${source.index}` : 'events'
  const sql = `SELECT ${EVENT_SELECT} FROM ${from} WHERE ${whereSql} ORDER BY ${order}`
  return limit === undefined
    ? { sql, params, where: whereSql }
    : { sql: `${sql} LIMIT ?`, params: [...params, limit], where: whereSql }
}

/** Whether every sort index carries the column this source orders by (after its own). */
function carriedByEveryIndex(source: Source): boolean {
  const column = source.index === SORT_INDEXES.account ? 'account_id' : SORT_COLUMNS[source.key]
  return column === 'occurred_at' || (INDEX_FILTER_COLUMNS as readonly string[]).includes(column)
}

/** Whether the source's index holds every column the filter reads, so a walk never reads a row to test it. */
function coveredBy(where: EventWhere, source: Source): boolean {
  const leading = source.index === SORT_INDEXES.account ? 'account_id' : SORT_COLUMNS[source.key]
  const held = new Set<string>([leading, 'occurred_at', 'id', ...INDEX_FILTER_COLUMNS])
  return where.columns.every((column) => held.has(column))
}

import type { EventQuery, FacetField, SortDirection, SortKey, ValueFilter } from '../../../shared/query'
import { AppError } from '../errors'

/**
 * EventQuery → SQL. Every value is a bound parameter; column names come only from the whitelists
 * below, never from input.
 */

/** The column each sort key orders by. `account` orders by account name, resolved in archive.ts. */
export const SORT_COLUMNS: Record<SortKey, string> = {
  occurred_at: 'occurred_at',
  label: 'label',
  account: 'account_id',
  repository: 'repository',
  tag: 'tag',
  digest: 'digest',
  verb: 'verb',
  activity: 'activity',
  actor: 'actor',
  outcome: 'outcome',
  client_ip: 'client_ip'
}

/** The column each facet groups by. */
export const FACET_COLUMNS: Record<FacetField, string> = {
  verb: 'verb',
  activity: 'activity',
  actor: 'actor',
  repository: 'repository',
  account: 'account_id',
  outcome: 'outcome'
}

/** Filters that compare a column with plain values (no wildcard, no prefix). */
const PLAIN_FILTERS = ['verb', 'activity', 'actor', 'tag', 'outcome'] as const

/** Most values one filter may list; far above anything a person types, well below SQLite's limit. */
export const MAX_FILTER_VALUES = 1000

export interface SqlFragment {
  /** Conditions joined with AND; '1' when there are none. */
  sql: string
  params: unknown[]
}

export interface EventWhere extends SqlFragment {
  /** False when nothing but the implicit pull exclusion narrows the events. */
  filtered: boolean
  /**
   * Columns held to one value (`column = ?`). Their (column, occurred_at) index yields exactly
   * those events already in time order, which no other plan beats.
   */
  equalities: string[]
  /** The account ids the filter allows (undefined: any) and excludes. */
  accounts: { any: number[] | undefined; none: number[] }
  /**
   * The events columns the conditions read (`id` for the free-text conditions, which look the id
   * up in the full-text index): whether an index can test the whole filter without the table.
   */
  columns: string[]
  /**
   * Some condition bounds a range of an index (a value or list of values of a column, a time
   * bound, a repository or digest prefix): SQLite can start from the matches. Without one (only
   * exclusions and free text) the only plans read an index or the table from end to end.
   */
  indexed: boolean
  /** Present when free-text terms filter. */
  text?: {
    /** The FTS5 expression every match must satisfy (absent with only excluded terms). */
    match: string | undefined
    /** The FTS5 expression no match may satisfy (absent without excluded terms). */
    exclude: string | undefined
  }
}

/**
 * The index that orders each sort key's pages: (column, occurred_at) and the implicit rowid give
 * exactly `ORDER BY column, occurred_at, id` (see migration 1).
 */
export const SORT_INDEXES: Record<SortKey, string> = {
  occurred_at: 'events_occurred_at',
  label: 'events_label',
  account: 'events_account',
  repository: 'events_repository',
  tag: 'events_tag',
  digest: 'events_digest',
  verb: 'events_verb',
  activity: 'events_activity',
  actor: 'events_actor',
  outcome: 'events_outcome',
  client_ip: 'events_client_ip'
}

/**
 * How a page is read. `walk`: along the sort key's index, testing each row against the filter,
 * best when many events match (the first page is found after a few hundred rows). `sort`: find
 * the matches through the filter's own indexes and sort them, best when few match. SQLite's
 * planner cannot know which from the query alone (a LIMIT hides how soon a walk would end), so
 * the archive counts matches up to a threshold first and says which. `planner`: leave it to
 * SQLite, for a column held to one value whose (column, occurred_at) index already yields the
 * page in order.
 */
export type PagePlan = 'walk' | 'sort' | 'planner'

export interface WhereOptions {
  /** Account names → account ids (every id whose account has one of these names). */
  accountIds: (names: string[]) => number[]
  /**
   * Leave this field's own filter out: a facet shows the alternatives to what is selected
   * (disjunctive faceting). Omitting `activity` also drops the implicit pull exclusion, so the
   * facet shows how many pulls there are to include.
   */
  omit?: FacetField
  /**
   * Keep about one event in n (chosen by a hash of the id, see sampledId) — a sample for
   * estimated counts. Free-text conditions then ask the full-text index for the sampled ids
   * only, so their lists of ids shrink too.
   */
  sampleEvery?: number
  /**
   * Temporary tables (column `id`) already holding the ids that the free-text terms match
   * (`match`) and that the excluded terms match (`exclude`), built once for several statements
   * instead of by each. Sampled already when `sampleEvery` is set.
   */
  textLists?: { match?: string; exclude?: string }
}

/** Builds the WHERE clause for a query. Throws AppError('INVALID_INPUT') on a malformed query. */
export function buildEventWhere(query: EventQuery, options: WhereOptions): EventWhere {
  const conditions: string[] = []
  const params: unknown[] = []
  const equalities: string[] = []
  const columns = new Set<string>()
  const on = (column: string): typeof add => {
    columns.add(column)
    return add
  }
  const add = (sql: string, ...values: unknown[]): void => {
    conditions.push(sql)
    params.push(...values)
  }
  // Whether some condition bounds an index range (a value, a list of values, a time, a prefix).
  let indexed = false
  const addEquality = (column: string, value: unknown): void => {
    on(column)(`${column} = ?`, value)
    equalities.push(column)
    indexed = true
  }
  const accounts: EventWhere['accounts'] = { any: undefined, none: [] }

  if (options.omit !== 'account') {
    const filter = valueFilter(query.account, 'account')
    if (filter.any.length > 0) {
      const ids = options.accountIds(filter.any)
      accounts.any = ids
      if (ids.length === 1) addEquality('account_id', ids[0])
      else {
        on('account_id')(ids.length === 0 ? '0' : `account_id IN (${placeholders(ids.length)})`, ...ids)
        indexed = true
      }
    }
    if (filter.none.length > 0) {
      const ids = options.accountIds(filter.none)
      accounts.none = ids
      if (ids.length > 0) on('account_id')(`account_id NOT IN (${placeholders(ids.length)})`, ...ids)
    }
  }

  if (query.since !== undefined) on('occurred_at')('occurred_at >= ?', timeBound(query.since, 'since'))
  if (query.until !== undefined) on('occurred_at')('occurred_at < ?', timeBound(query.until, 'until'))
  if (query.since !== undefined || query.until !== undefined) indexed = true

  for (const field of PLAIN_FILTERS) {
    if (options.omit === field) continue
    const filter = valueFilter(query[field], field)
    if (filter.any.length === 1) addEquality(field, filter.any[0])
    else if (filter.any.length > 1) {
      on(field)(`${field} IN (${placeholders(filter.any.length)})`, ...filter.any)
      indexed = true
    }
    if (filter.none.length > 0) on(field)(`${field} NOT IN (${placeholders(filter.none.length)})`, ...filter.none)
  }

  const pullExcluded = options.omit !== 'activity' && !pullIncluded(query)
  if (pullExcluded) on('activity')("activity <> 'pull'")

  if (options.omit !== 'repository') {
    const filter = valueFilter(query.repository, 'repository')
    if (filter.any.length === 1 && !filter.any[0]!.includes('*')) addEquality('repository', filter.any[0])
    else if (filter.any.length > 0) {
      const match = repositoryMatch(filter.any)
      on('repository')(match.sql, ...match.params)
      // A pattern with nothing before its first `*` is a test, not a range.
      indexed ||= filter.any.every((v) => !v.startsWith('*'))
    }
    if (filter.none.length > 0) {
      const match = repositoryMatch(filter.none)
      on('repository')(`NOT ${match.sql}`, ...match.params)
    }
  }

  const digest = valueFilter(query.digest, 'digest')
  if (digest.any.length > 0) {
    const match = digestMatch(digest.any)
    on('digest')(match.sql, ...match.params)
    indexed = true
  }
  if (digest.none.length > 0) {
    const match = digestMatch(digest.none)
    on('digest')(`NOT ${match.sql}`, ...match.params)
  }

  const sample = options.sampleEvery
  if (sample !== undefined) on('id')(sampledId('id'), sample)
  const text = ftsTerms(query.text, 'text')
  const notText = ftsTerms(query.notText, 'notText')
  const match = text.length > 0 ? text.join(' AND ') : undefined
  const exclude = notText.length > 0 ? notText.join(' OR ') : undefined
  const lists = options.textLists
  // Sampled, only sampled ids are tested: the lists need hold only those.
  const sampledIds = sample === undefined ? '' : ` AND ${sampledId('rowid')}`
  const sampleParams = sample === undefined ? [] : [sample]
  // Terms to find and terms to leave out go to the index as one expression (`a NOT b`): FTS5 merges
  // the two lists of ids itself, where two subqueries would build a second list to test every
  // match against.
  const combined = match !== undefined && exclude !== undefined && lists?.match === undefined && lists?.exclude === undefined
  if (combined) {
    on('id')(`id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?${sampledIds})`, `(${match}) NOT (${exclude})`, ...sampleParams)
  } else if (match !== undefined) {
    if (lists?.match !== undefined) on('id')(`id IN (SELECT id FROM temp.${lists.match})`)
    else on('id')(`id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?${sampledIds})`, match, ...sampleParams)
  }
  if (exclude !== undefined && !combined) {
    if (lists?.exclude !== undefined) on('id')(`id NOT IN (SELECT id FROM temp.${lists.exclude})`)
    else on('id')(`id NOT IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?${sampledIds})`, exclude, ...sampleParams)
  }
  const textFilter: EventWhere['text'] = match === undefined && exclude === undefined ? undefined : { match, exclude }

  return {
    sql: conditions.length === 0 ? '1' : conditions.join(' AND '),
    params,
    filtered: conditions.length > (pullExcluded ? 1 : 0),
    equalities,
    accounts,
    columns: [...columns],
    indexed,
    text: textFilter
  }
}

/**
 * The condition that keeps about one id in `?` for a sample. Not `id % n = 0`: ids follow the
 * order events arrived in, and a source that rotates (a bot pushing six repositories in turn, a
 * feed that alternates two event kinds) would line up with every n-th id and skew the estimate.
 * Bits 16–31 of a multiplicative (Fibonacci) hash of the id break that order; the same id is
 * always in or out, so the events table and the full-text index sample alike.
 */
export function sampledId(column: 'id' | 'rowid'): string {
  return `(((${column} * 2654435761) & 4294967295) >> 16) % ? = 0`
}

/** Pulls are left out unless asked for, by includePull or by naming `pull` in the activity filter. */
export function pullIncluded(query: EventQuery): boolean {
  return query.includePull === true || (query.activity?.any?.includes('pull') ?? false)
}

function valueFilter(filter: ValueFilter | undefined, name: string): { any: string[]; none: string[] } {
  if (filter === undefined) return { any: [], none: [] }
  if (typeof filter !== 'object' || filter === null) {
    throw new AppError('INVALID_INPUT', `The ${name} filter must be an object with "any" and/or "none" lists.`)
  }
  return { any: stringList(filter.any, name, 'any'), none: stringList(filter.none, name, 'none') }
}

function stringList(values: unknown, name: string, which: string): string[] {
  if (values === undefined) return []
  if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
    throw new AppError('INVALID_INPUT', `The ${name} filter's "${which}" must be a list of strings.`)
  }
  if (values.length > MAX_FILTER_VALUES) {
    throw new AppError('INVALID_INPUT', `The ${name} filter lists more than ${MAX_FILTER_VALUES} values.`)
  }
  return values as string[]
}

function timeBound(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new AppError('INVALID_INPUT', `"${name}" must be a time in milliseconds since the epoch.`)
  }
  return Math.floor(value)
}

function placeholders(count: number): string {
  return new Array<string>(count).fill('?').join(', ')
}

/**
 * Repository values: plain ones compare exactly; `*` matches any run of characters. The other
 * GLOB specials are escaped so they match themselves, and the literal text before the first `*`
 * becomes a range the repository index can serve.
 */
function repositoryMatch(values: string[]): SqlFragment {
  const exact = values.filter((v) => !v.includes('*'))
  const parts: string[] = []
  const params: unknown[] = []
  if (exact.length > 0) {
    parts.push(exact.length === 1 ? 'repository = ?' : `repository IN (${placeholders(exact.length)})`)
    params.push(...exact)
  }
  for (const pattern of values.filter((v) => v.includes('*'))) {
    const prefix = pattern.slice(0, pattern.indexOf('*'))
    if (prefix === '') {
      parts.push('repository GLOB ?')
      params.push(globPattern(pattern))
    } else {
      parts.push('(repository >= ? AND repository < ? AND repository GLOB ?)')
      params.push(prefix, prefixUpperBound(prefix), globPattern(pattern))
    }
  }
  return { sql: `(${parts.join(' OR ')})`, params }
}

/** A GLOB pattern in which only `*` is special: `[`, `]` and `?` match themselves. */
export function globPattern(pattern: string): string {
  return pattern.replace(/[[\]?]/g, (c) => `[${c}]`)
}

/**
 * The smallest string greater than every string that starts with `prefix` (in SQLite's BINARY
 * order, which is UTF-8 byte order): U+10FFFF encodes as the highest valid UTF-8 sequence.
 */
export function prefixUpperBound(prefix: string): string {
  return `${prefix}\u{10FFFF}`
}

/** Digests match exactly or by prefix (`sha256:4f1c0e`), as a range the digest index serves. */
function digestMatch(values: string[]): SqlFragment {
  const parts: string[] = []
  const params: unknown[] = []
  for (const value of values) {
    if (value === '') {
      parts.push("digest = ''")
    } else {
      parts.push('(digest >= ? AND digest < ?)')
      params.push(value, prefixUpperBound(value))
    }
  }
  return { sql: `(${parts.join(' OR ')})`, params }
}

/** unicode61 indexes letters, digits and private-use characters; everything else separates tokens. */
const TOKEN_CHARACTER = /[\p{L}\p{N}\p{Co}]/u

/**
 * Free-text terms → FTS5 phrases. Each term becomes one double-quoted phrase (inner quotes
 * doubled), so FTS5 operators and syntax inside it (`NEAR`, `OR`, `*`, `:`, `^`, parentheses)
 * are plain text; the trailing `*` makes the phrase's last word match as a prefix, so `alic` finds
 * `alice` and `team/ap` finds `team/app`. A term with no letter or digit has nothing the index
 * could match and is left out rather than matching nothing.
 */
export function ftsTerms(terms: unknown, name: string): string[] {
  if (terms === undefined) return []
  if (!Array.isArray(terms) || terms.some((t) => typeof t !== 'string')) {
    throw new AppError('INVALID_INPUT', `"${name}" must be a list of strings.`)
  }
  if (terms.length > MAX_FILTER_VALUES) {
    throw new AppError('INVALID_INPUT', `"${name}" lists more than ${MAX_FILTER_VALUES} terms.`)
  }
  return (terms as string[]).filter((t) => TOKEN_CHARACTER.test(t)).map(ftsPhrase)
}

export function ftsPhrase(term: string): string {
  // FTS5 reads its query as a C string: a NUL would end it inside the quotes. NUL is a token
  // separator anyway, so a space means the same.
  return `"${term.replace(/\0/g, ' ').replace(/"/g, '""')}"*`
}

/** ORDER BY and keyset comparison for a sort; ties on the sort column go by time, then id. */
export function sortColumns(key: SortKey): string[] {
  if (key === 'occurred_at' || key === 'account') return ['occurred_at', 'id']
  return [SORT_COLUMNS[key], 'occurred_at', 'id']
}

/**
 * Under the `sort` plan each column gets SQLite's no-op unary `+`, which keeps the planner from
 * walking the sort index and makes it use the filter's indexes instead.
 */
function planned(columns: string[], plan: PagePlan): string[] {
  // The `walk` and `planner` plans keep the columns plain so an index can order them.
  return plan === 'sort' ? columns.map((column) => `+${column}`) : columns
}

export function orderBy(key: SortKey, dir: SortDirection, plan: PagePlan = 'walk'): string {
  const direction = dir === 'asc' ? 'ASC' : 'DESC'
  return planned(sortColumns(key), plan)
    .map((column) => `${column} ${direction}`)
    .join(', ')
}

/** `(col, occurred_at, id) < (?, ?, ?)` (or `>` ascending): rows strictly after the cursor. */
export function keysetCondition(key: SortKey, dir: SortDirection, plan: PagePlan = 'walk'): string {
  const columns = planned(sortColumns(key), plan)
  return `(${columns.join(', ')}) ${dir === 'asc' ? '>' : '<'} (${placeholders(columns.length)})`
}

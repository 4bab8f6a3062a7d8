import type { EventQuery, ValueFilter } from '../../../shared/query'
import { formatQuery, parseQuery, QuerySyntaxError } from '../../../shared/query-parser'
import { isTimePresetId, resolveTimeRange, type TimeRange } from './time-range'

/**
 * How the query bar, the filter controls and the account switcher share one filter. The bar's
 * text is the qualifier syntax for everything except the time range (the time control owns it)
 * and "include pull" (the Exclude pull checkbox owns it); typing `since:7d` or `include:pull`
 * in the bar moves those into their controls.
 */

/** The fields a value click or facet can filter on. */
export type FilterField = 'account' | 'verb' | 'activity' | 'actor' | 'repository' | 'tag' | 'digest' | 'outcome'

/** Everything the bar's text holds: the query without time bounds or includePull. */
export type BarQuery = Omit<EventQuery, 'since' | 'until' | 'includePull'>

export interface CommittedText {
  /** The text as the bar shows it afterwards (normalised by the formatter). */
  text: string
  query: BarQuery
  /** Set when the text held since:/until:. */
  time?: TimeRange
  /** True when the text held include:pull. */
  includePull?: boolean
}

export type CommitResult =
  | { ok: true; value: CommittedText }
  | { ok: false; message: string; position: number }

const RELATIVE_PRESET = /(?:^|\s)since:(1h|24h|7d|30d|90d)(?=\s|$)/i

/** Parses what the user typed in the bar. */
export function commitQueryText(text: string, now: number, timeZone: string): CommitResult {
  let parsed: EventQuery
  try {
    parsed = parseQuery(text, { now, timeZone })
  } catch (error) {
    if (error instanceof QuerySyntaxError) return { ok: false, message: error.message, position: error.position }
    throw error
  }
  const { since, until, includePull, ...query } = parsed
  const value: CommittedText = { text: formatQuery(query), query }
  if (since !== undefined || until !== undefined) {
    // `since:7d` alone stays relative (a preset), so the view keeps following the clock.
    const preset = until === undefined ? RELATIVE_PRESET.exec(text)?.[1]?.toLowerCase() : undefined
    value.time =
      preset !== undefined && isTimePresetId(preset)
        ? { kind: 'preset', preset }
        : { kind: 'absolute', ...(since !== undefined ? { from: since } : {}), ...(until !== undefined ? { to: until } : {}) }
  }
  if (includePull === true) value.includePull = true
  return { ok: true, value }
}

/** The bar text for a query (time and include-pull are shown by their own controls). */
export function barText(query: BarQuery): string {
  return formatQuery(query)
}

function withFilter(query: BarQuery, field: FilterField, filter: ValueFilter): BarQuery {
  const next: Record<string, unknown> = { ...query }
  const any = filter.any ?? []
  const none = filter.none ?? []
  if (any.length === 0 && none.length === 0) delete next[field]
  else next[field] = { ...(any.length > 0 ? { any } : {}), ...(none.length > 0 ? { none } : {}) }
  // Values for verb, activity and outcome come from their vocabularies (facets, the parser).
  return next as BarQuery
}

function filterOf(query: BarQuery, field: FilterField): ValueFilter {
  return ((query as Record<FilterField, ValueFilter | undefined>)[field] ?? {}) as ValueFilter
}

/**
 * Adds `field:value` (or `-field:value` with `exclude`), as a click on a value in the table or
 * the drawer does. The opposite entry for the same value is removed, so the result is never
 * contradictory; a value already present is not repeated.
 */
export function addValueFilter(query: BarQuery, field: FilterField, value: string, exclude = false): BarQuery {
  const current = filterOf(query, field)
  const any = (current.any ?? []).filter((v) => v !== value)
  const none = (current.none ?? []).filter((v) => v !== value)
  if (exclude) none.push(value)
  else any.push(value)
  return withFilter(query, field, { any, none })
}

/** Turns `field:value` on or off, as a facet checkbox does. */
export function toggleValueFilter(query: BarQuery, field: FilterField, value: string): BarQuery {
  const current = filterOf(query, field)
  if ((current.any ?? []).includes(value)) {
    return withFilter(query, field, { any: (current.any ?? []).filter((v) => v !== value), none: current.none ?? [] })
  }
  return addValueFilter(query, field, value)
}

export function hasValueFilter(query: BarQuery, field: FilterField, value: string): boolean {
  return (filterOf(query, field).any ?? []).includes(value)
}

/** The account switcher: one account, or every account (null). */
export function setAccountFilter(query: BarQuery, account: string | null): BarQuery {
  return withFilter(query, 'account', account === null ? {} : { any: [account] })
}

/** The single account the switcher shows, or null for "All accounts" (or a mixed filter). */
export function selectedAccount(query: BarQuery): string | null {
  const filter = query.account
  if (filter === undefined || (filter.none ?? []).length > 0) return null
  const any = filter.any ?? []
  return any.length === 1 ? (any[0] ?? null) : null
}

/** The query the core receives: the bar's filter, the resolved time range and the pull choice. */
export function effectiveQuery(query: BarQuery, time: TimeRange, includePull: boolean, now: number): EventQuery {
  return { ...query, ...resolveTimeRange(time, now), ...(includePull ? { includePull: true } : {}) }
}

import { parseQuery, QuerySyntaxError } from '../../shared/query-parser'
import { SORT_KEYS, type EventQuery, type EventSort, type SortKey } from '../../shared/query'
import { parseInstant, TimeSyntaxError, validateTimeZone } from '../../shared/time'
import type { OptionSpecs } from './command-args'
import { UsageError } from './usage-error'

/**
 * The filter options `events` and `export` share, turned into one EventQuery and sort. QUERY and
 * the options combine: every condition must hold.
 */

export const FILTER_OPTIONS = {
  account: { type: 'string', multiple: true },
  since: { type: 'string' },
  until: { type: 'string' },
  sort: { type: 'string' },
  'include-pull': { type: 'boolean' },
  tz: { type: 'string' }
} as const satisfies OptionSpecs

export interface FilterValues {
  account?: string[]
  since?: string
  until?: string
  sort?: string
  'include-pull'?: boolean
  tz?: string
}

export interface EventFilters {
  query: EventQuery
  sort: EventSort
  /** The resolved IANA zone (`local` already turned into the machine's zone). */
  timeZone: string
}

/** Words people use for the time column. */
const SORT_ALIASES: Record<string, SortKey> = { time: 'occurred_at', date: 'occurred_at', repo: 'repository' }

/**
 * Builds the query from QUERY's words and the filter options.
 * @throws UsageError for a bad query, date, zone or sort.
 */
export function buildEventFilters(
  command: string,
  queryWords: readonly string[],
  values: FilterValues,
  context: { now: number; defaultTimeZone: string }
): EventFilters {
  const timeZone = resolveZone(command, values.tz ?? context.defaultTimeZone)
  let query: EventQuery
  try {
    query = parseQuery(queryWords.join(' '), { now: context.now, timeZone })
  } catch (error) {
    if (error instanceof QuerySyntaxError) throw new UsageError(`bad query: ${error.message}`, command)
    throw error
  }

  const instant = (text: string, bound: 'since' | 'until'): number => {
    try {
      return parseInstant(text, { now: context.now, timeZone, bound })
    } catch (error) {
      if (error instanceof TimeSyntaxError) throw new UsageError(`--${bound}: ${error.message}`, command)
      throw error
    }
  }
  if (values.since !== undefined) {
    const since = instant(values.since, 'since')
    query.since = query.since === undefined ? since : Math.max(query.since, since)
  }
  if (values.until !== undefined) {
    const until = instant(values.until, 'until')
    query.until = query.until === undefined ? until : Math.min(query.until, until)
  }

  const accounts = values.account ?? []
  if (accounts.length > 0) {
    const fromQuery = query.account?.any
    // Both say which accounts: only those in both can match (possibly none).
    const any = fromQuery === undefined ? [...new Set(accounts)] : fromQuery.filter((name) => accounts.includes(name))
    query.account = { ...query.account, any }
  }
  if (values['include-pull'] === true) query.includePull = true

  return { query, sort: parseSort(command, values.sort), timeZone }
}

/**
 * `FIELD[:asc|desc]`. Without a direction, time sorts newest first and everything else A→Z,
 * which is what one means by "sort by repository".
 */
export function parseSort(command: string, text: string | undefined): EventSort {
  if (text === undefined) return { key: 'occurred_at', dir: 'desc' }
  const [rawKey = '', rawDir, ...rest] = text.trim().split(':')
  const name = rawKey.toLowerCase()
  // Own keys only: `--sort constructor` is a bad field, not Object.prototype's constructor.
  const key = (Object.hasOwn(SORT_ALIASES, name) ? SORT_ALIASES[name] : undefined) ?? (SORT_KEYS as readonly string[]).find((k) => k === name)
  if (key === undefined || rest.length > 0) {
    throw new UsageError(`bad --sort "${text}": expected FIELD[:asc|desc], FIELD one of ${SORT_KEYS.join(', ')}`, command)
  }
  const dir = rawDir?.toLowerCase() ?? (key === 'occurred_at' ? 'desc' : 'asc')
  if (dir !== 'asc' && dir !== 'desc') {
    throw new UsageError(`bad --sort direction "${rawDir ?? ''}": expected asc or desc`, command)
  }
  return { key: key as SortKey, dir }
}

function resolveZone(command: string, zone: string): string {
  try {
    return validateTimeZone(zone)
  } catch (error) {
    if (error instanceof TimeSyntaxError) throw new UsageError(`--tz: ${error.message}`, command)
    throw error
  }
}

import type { Activity, Outcome, Verb } from './event'

/**
 * The query model: what the events table, the CLI's `events` and `export`, facets and the
 * histogram all take. Every filter is a pair of value lists: `any` (the event matches one of
 * them) and `none` (it matches none of them), so any qualifier can be negated.
 */
export interface ValueFilter<T extends string = string> {
  any?: T[]
  none?: T[]
}

export const SORT_KEYS = [
  'occurred_at',
  'label',
  'account',
  'repository',
  'tag',
  'digest',
  'verb',
  'activity',
  'actor',
  'outcome',
  'client_ip'
] as const
export type SortKey = (typeof SORT_KEYS)[number]
export type SortDirection = 'asc' | 'desc'

export interface EventQuery {
  /** Account names. */
  account?: ValueFilter
  /** Inclusive lower bound, ms since the epoch (UTC). */
  since?: number
  /** Exclusive upper bound, ms since the epoch (UTC). */
  until?: number
  verb?: ValueFilter<Verb>
  activity?: ValueFilter<Activity>
  actor?: ValueFilter
  /** `namespace/name`; `*` matches any run of characters (`team/*`). */
  repository?: ValueFilter
  tag?: ValueFilter
  /** A full digest, or a prefix of one (`sha256:4f1c0e`). */
  digest?: ValueFilter
  outcome?: ValueFilter<Outcome>
  /** Free-text terms: each must match (FTS5 over the normalised text columns). */
  text?: string[]
  /** Free-text terms that must not match. */
  notText?: string[]
  /**
   * Pull events are left out unless this is true, as in DTR/MSR's Activity view. An explicit
   * `activity:pull` filter includes them too.
   */
  includePull?: boolean
}

export interface EventSort {
  key: SortKey
  dir: SortDirection
}

export interface PageRequest {
  query: EventQuery
  sort?: EventSort
  /** Rows per page; default 100, at most 1000. */
  limit?: number
  /** Opaque keyset cursor returned with the previous page. */
  cursor?: string | null
}

export const DEFAULT_SORT: EventSort = { key: 'occurred_at', dir: 'desc' }
export const DEFAULT_PAGE_SIZE = 100
export const MAX_PAGE_SIZE = 1000

/** Longest value one filter or free-text term may hold (the API refuses longer ones, and so does the query parser). */
export const MAX_FILTER_TEXT = 1024
/** Most values one filter, or the free-text terms, may list. */
export const MAX_FILTER_VALUES = 500

/** Facet fields: counts for each value, for the current filter. */
export const FACET_FIELDS = ['verb', 'activity', 'actor', 'repository', 'account', 'outcome'] as const
export type FacetField = (typeof FACET_FIELDS)[number]

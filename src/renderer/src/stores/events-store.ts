import { create } from 'zustand'
import type { EventCount, FacetCounts, Histogram } from '../../../shared/contract'
import type { AuditEvent } from '../../../shared/event'
import type { EventQuery, EventSort } from '../../../shared/query'
import { call } from '../api'

/** Rows per keyset page: a few screens' worth, small enough to arrive in milliseconds. */
export const PAGE_SIZE = 200
/** Counting stops here; past it the count shows as "200,000+" so it never stalls the grid. */
export const COUNT_LIMIT = 1_000_000
export const HISTOGRAM_BUCKETS = 120

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error'

/**
 * The rows of the current view, fetched page by page as the user scrolls, plus the count, facets
 * and histogram for the same filter. Each reload gets a generation number, and an answer for an
 * older generation is dropped, so a slow response can never overwrite a newer view.
 */
interface EventsState {
  generation: number
  query: EventQuery | null
  sort: EventSort | null
  rows: AuditEvent[]
  nextCursor: string | null
  status: LoadStatus
  loadingMore: boolean
  count: EventCount | null
  facets: FacetCounts | null
  histogram: Histogram | null
  /** Index of the selected row, or -1. */
  selected: number
  /** True when the archive changed under a scrolled view (the user chooses when to refresh). */
  stale: boolean
  /** True while the grid is scrolled down from the top. */
  scrolledAway: boolean
  setScrolledAway: (away: boolean) => void
  /** Loads the first page of a view; `keepId` stays selected if the new view has it (the drawer's event). */
  reload: (query: EventQuery, sort: EventSort, keepId?: number | null) => Promise<void>
  loadMore: () => Promise<void>
  refreshSummaries: () => Promise<void>
  select: (index: number) => void
  markStale: () => void
}

export const useEvents = create<EventsState>()((set, get) => ({
  generation: 0,
  query: null,
  sort: null,
  rows: [],
  nextCursor: null,
  status: 'idle',
  loadingMore: false,
  count: null,
  facets: null,
  histogram: null,
  selected: -1,
  stale: false,
  scrolledAway: false,
  setScrolledAway: (away) => {
    if (get().scrolledAway !== away) set({ scrolledAway: away })
  },
  reload: async (query, sort, keepId = null) => {
    const generation = get().generation + 1
    set({ generation, query, sort, status: 'loading', loadingMore: false, count: null, stale: false })
    // The page goes out first: the core answers one call at a time, so a page asked for after
    // the summaries would wait for all of them (seconds for free text over millions of events).
    // The grid waits only for its page.
    const pending = call('queryEvents', [{ query, sort, limit: PAGE_SIZE }])
    void get().refreshSummaries()
    const page = await pending
    if (get().generation !== generation) return
    if (page.ok) {
      const rows = page.value.rows
      const kept = keepId === null ? -1 : rows.findIndex((row) => row.id === keepId)
      set({ rows, nextCursor: page.value.nextCursor, status: 'ready', selected: kept >= 0 ? kept : rows.length > 0 ? 0 : -1 })
    } else {
      set({ rows: [], nextCursor: null, status: 'error', selected: -1 })
    }
  },
  loadMore: async () => {
    const { generation, query, sort, nextCursor, loadingMore, status } = get()
    if (query === null || sort === null || nextCursor === null || loadingMore || status !== 'ready') return
    set({ loadingMore: true })
    const page = await call('queryEvents', [{ query, sort, limit: PAGE_SIZE, cursor: nextCursor }])
    if (get().generation !== generation) return
    if (page.ok) {
      set({ rows: [...get().rows, ...page.value.rows], nextCursor: page.value.nextCursor, loadingMore: false })
    } else {
      // Keep what is shown; the failure is in the notifications, and scrolling again retries.
      set({ loadingMore: false })
    }
  },
  refreshSummaries: async () => {
    const { generation, query } = get()
    if (query === null) return
    const current = (): boolean => get().generation === generation
    // Each summary shows as soon as it arrives: the count never waits on the histogram.
    await Promise.all([
      call('countEvents', [{ query, limit: COUNT_LIMIT }]).then((r) => {
        if (current()) set({ count: r.ok ? r.value : null })
      }),
      // Estimates allowed: a field read from very many events is counted from a sample (≈).
      call('facets', [{ query, top: 50, approximate: true }]).then((r) => {
        if (current()) set({ facets: r.ok ? r.value : null })
      }),
      call('histogram', [{ query, buckets: HISTOGRAM_BUCKETS }]).then((r) => {
        if (current()) set({ histogram: r.ok ? r.value : null })
      })
    ])
  },
  select: (index) => {
    const { rows } = get()
    if (rows.length === 0) return set({ selected: -1 })
    set({ selected: Math.min(rows.length - 1, Math.max(0, index)) })
  },
  markStale: () => set({ stale: true })
}))

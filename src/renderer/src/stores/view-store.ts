import { create } from 'zustand'
import { DEFAULT_SORT, type EventQuery, type EventSort } from '../../../shared/query'
import { DEFAULT_VIEW, formatViewHash, parseViewHash, type ViewParams } from '../lib/view-hash'
import {
  addValueFilter,
  barText,
  commitQueryText,
  effectiveQuery,
  setAccountFilter,
  toggleValueFilter,
  type BarQuery,
  type CommitResult,
  type FilterField
} from '../lib/view-query'
import { DEFAULT_TIME_RANGE, type TimeRange } from '../lib/time-range'
import { displayZone, useSettings } from './settings-store'

/**
 * The current view: filter, time range, pull choice and sort. It is mirrored in the URL hash
 * (so a view can be reopened), and every change bumps `version`, which the events store watches
 * to reload.
 */
interface ViewState {
  /** The query bar's committed text. */
  text: string
  query: BarQuery
  time: TimeRange
  includePull: boolean
  sort: EventSort
  /** Increases on every change of the filter or sort. */
  version: number
  commitText: (text: string) => CommitResult
  addValue: (field: FilterField, value: string, exclude?: boolean) => void
  toggleValue: (field: FilterField, value: string) => void
  setAccount: (account: string | null) => void
  setTime: (time: TimeRange) => void
  setIncludePull: (includePull: boolean) => void
  setSort: (sort: EventSort) => void
  /** Clears every filter but keeps the sort. */
  reset: () => void
  /** Reads a view from a URL hash (on start and on the browser's back/forward). */
  applyHash: (hash: string) => void
  /**
   * Replaces the whole view with a saved or recent query (its text holds the time range and the
   * pull choice, see lib/view-as-query.ts) and its sort, in one change.
   */
  openQuery: (text: string, sort: EventSort | null) => CommitResult
}

function zone(): string {
  return displayZone(useSettings.getState().settings)
}

export const useView = create<ViewState>()((set, get) => {
  const withQuery = (query: BarQuery): Partial<ViewState> => ({
    query,
    text: barText(query),
    version: get().version + 1
  })
  return {
    text: '',
    query: {},
    time: DEFAULT_TIME_RANGE,
    includePull: false,
    sort: DEFAULT_SORT,
    version: 0,
    commitText: (text) => {
      const result = commitQueryText(text, Date.now(), zone())
      if (!result.ok) return result
      const { value } = result
      set({
        text: value.text,
        query: value.query,
        ...(value.time !== undefined ? { time: value.time } : {}),
        ...(value.includePull === true ? { includePull: true } : {}),
        version: get().version + 1
      })
      return result
    },
    addValue: (field, value, exclude = false) => set(withQuery(addValueFilter(get().query, field, value, exclude))),
    toggleValue: (field, value) => set(withQuery(toggleValueFilter(get().query, field, value))),
    setAccount: (account) => set(withQuery(setAccountFilter(get().query, account))),
    setTime: (time) => set({ time, version: get().version + 1 }),
    setIncludePull: (includePull) => set({ includePull, version: get().version + 1 }),
    setSort: (sort) => set({ sort, version: get().version + 1 }),
    reset: () =>
      set({ text: '', query: {}, time: DEFAULT_TIME_RANGE, includePull: false, version: get().version + 1 }),
    openQuery: (text, sort) => {
      const result = commitQueryText(text, Date.now(), zone())
      if (!result.ok) return result
      const { value } = result
      set({
        text: value.text,
        query: value.query,
        time: value.time ?? DEFAULT_TIME_RANGE,
        includePull: value.includePull === true,
        sort: sort ?? get().sort,
        version: get().version + 1
      })
      return result
    },
    applyHash: (hash) => {
      const params = parseViewHash(hash)
      const committed = commitQueryText(params.q, Date.now(), zone())
      const current = get()
      // A hash written by this store reads back as the same view: nothing to reload.
      if (formatViewHash(viewParams(current)) === formatViewHash({ ...params, q: committed.ok ? committed.value.text : '' })) {
        return
      }
      set({
        text: committed.ok ? committed.value.text : '',
        query: committed.ok ? committed.value.query : {},
        time: committed.ok && committed.value.time !== undefined ? committed.value.time : params.time,
        includePull: params.includePull || (committed.ok && committed.value.includePull === true),
        sort: params.sort,
        version: current.version + 1
      })
    }
  }
})

export function viewParams(state: Pick<ViewState, 'text' | 'time' | 'sort' | 'includePull'>): ViewParams {
  return { ...DEFAULT_VIEW, q: state.text, time: state.time, sort: state.sort, includePull: state.includePull }
}

/** The query the core receives for the current view, with presets resolved at `now`. */
export function currentQuery(now = Date.now()): EventQuery {
  const state = useView.getState()
  return effectiveQuery(state.query, state.time, state.includePull, now)
}

/** Keeps the URL hash in step with the view, and the view with the hash (back/forward, pasted links). */
export function bindViewToLocation(): () => void {
  useView.getState().applyHash(window.location.hash)
  const unsubscribe = useView.subscribe((state, previous) => {
    if (state.version === previous.version) return
    const next = formatViewHash(viewParams(state), window.location.hash)
    if (next !== window.location.hash && !(next === '' && window.location.hash === '')) {
      window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}${next}`)
    }
  })
  const onHashChange = (): void => useView.getState().applyHash(window.location.hash)
  window.addEventListener('hashchange', onHashChange)
  return () => {
    unsubscribe()
    window.removeEventListener('hashchange', onHashChange)
  }
}

import { create } from 'zustand'
import type { RecentQuery, SavedQuery } from '../../../shared/contract'
import type { Result } from '../../../shared/errors'
import type { EventSort } from '../../../shared/query'
import { call } from '../api'

/** Saved queries (by name) and recent ones, both kept in the archive (issue 7 §5). */
interface QueriesState {
  saved: SavedQuery[]
  recent: RecentQuery[]
  load: () => Promise<void>
  /** Saves a query under a name; CONFLICT for a taken name unless `replace`. */
  save: (name: string, query: string, sort: EventSort, replace: boolean) => Promise<Result<SavedQuery>>
  remove: (name: string) => Promise<boolean>
  /** Remembers a query the user ran. */
  record: (query: string, sort: EventSort) => Promise<void>
}

export const useQueries = create<QueriesState>()((set, get) => ({
  saved: [],
  recent: [],
  load: async () => {
    const [saved, recent] = await Promise.all([call('listSavedQueries', []), call('listRecentQueries', [])])
    set({ ...(saved.ok ? { saved: saved.value } : {}), ...(recent.ok ? { recent: recent.value } : {}) })
  },
  save: async (name, query, sort, replace) => {
    const result = await call('saveQuery', [{ name, query, sort, replace }], { inline: true })
    if (result.ok) {
      const others = get().saved.filter((candidate) => candidate.name !== result.value.name)
      set({ saved: [...others, result.value].sort((a, b) => a.name.localeCompare(b.name)) })
    }
    return result
  },
  remove: async (name) => {
    const result = await call('deleteSavedQuery', [{ name }])
    if (result.ok) set({ saved: get().saved.filter((candidate) => candidate.name !== name) })
    return result.ok
  },
  record: async (query, sort) => {
    if (query.trim() === '') return
    const result = await call('recordRecentQuery', [{ query, sort }])
    if (result.ok) set({ recent: result.value })
  }
}))

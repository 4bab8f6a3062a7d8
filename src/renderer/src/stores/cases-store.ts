import { create } from 'zustand'
import type { CaseDetail, CasePin, CaseSummary } from '../../../shared/contract'
import type { Result } from '../../../shared/errors'
import { call } from '../api'

/** Cases: named sets of pinned events with notes (issue 7 §5), exported with the evidence. */
interface CasesState {
  cases: CaseSummary[]
  /** The case shown, with its pins. */
  detail: CaseDetail | null
  load: () => Promise<void>
  create: (name: string, description: string) => Promise<Result<CaseSummary>>
  open: (name: string) => Promise<void>
  remove: (name: string) => Promise<boolean>
  pin: (name: string, eventId: number, note: string) => Promise<Result<CasePin>>
  unpin: (name: string, eventId: number) => Promise<boolean>
}

export const useCases = create<CasesState>()((set, get) => ({
  cases: [],
  detail: null,
  load: async () => {
    const result = await call('listCases', [])
    if (result.ok) set({ cases: result.value })
  },
  create: async (name, description) => {
    const result = await call('createCase', [{ name, description }], { inline: true })
    if (result.ok) void get().load()
    return result
  },
  open: async (name) => {
    const result = await call('getCase', [{ name }])
    set({ detail: result.ok ? result.value : null })
  },
  remove: async (name) => {
    const result = await call('deleteCase', [{ name }])
    if (result.ok) {
      set({ detail: get().detail?.name === name ? null : get().detail })
      void get().load()
    }
    return result.ok
  },
  pin: async (name, eventId, note) => {
    const result = await call('pinEvent', [{ name, eventId, note }], { inline: true })
    if (result.ok) {
      void get().load()
      if (get().detail?.name === name) void get().open(name)
    }
    return result
  },
  unpin: async (name, eventId) => {
    const result = await call('unpinEvent', [{ name, eventId }])
    if (result.ok) {
      void get().load()
      if (get().detail?.name === name) void get().open(name)
    }
    return result.ok
  }
}))

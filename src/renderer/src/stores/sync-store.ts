import { create } from 'zustand'
import type { AccountSyncState } from '../../../shared/contract'
import type { SyncProgress } from '../../../shared/sync'
import { call } from '../api'

/** What the sync panel shows for one account while its run goes on. */
export interface LiveSync {
  running: boolean
  pages: number
  inserted: number
  duplicates: number
  /** A rate-limit or retry wait in progress: when it ends. */
  waitingUntil: number | null
  waitReason: 'rate-limit' | 'retry' | null
  startedAt: number | null
  /**
   * What the run said it cannot read (an MSR user who is not an admin misses pull and mirror
   * events; a Harbor robot without the permission sees an empty log), each once, newest last.
   * Kept after the run ends, until the next one starts.
   */
  warnings: string[]
}

interface SyncState {
  /** The core's view per account (last run, schedule, next run). */
  status: Record<string, AccountSyncState>
  /** The live progress per account, from `sync:progress`. */
  live: Record<string, LiveSync>
  load: () => Promise<void>
  start: (names?: string[]) => Promise<void>
  cancel: (names?: string[]) => Promise<void>
  applyProgress: (event: SyncProgress, now: number) => void
}

const IDLE: LiveSync = {
  running: false,
  pages: 0,
  inserted: 0,
  duplicates: 0,
  waitingUntil: null,
  waitReason: null,
  startedAt: null,
  warnings: []
}

/** The next live state for one progress event: the sync panel's reducer, kept pure for tests. */
export function reduceLiveSync(previous: LiveSync | undefined, event: SyncProgress, now: number): LiveSync {
  const current = previous ?? IDLE
  switch (event.type) {
    case 'start':
      // A run walks several streams; only the first start resets the counters.
      return current.running ? current : { ...IDLE, running: true, startedAt: now }
    case 'page':
      return {
        ...current,
        running: true,
        pages: event.pages,
        inserted: event.inserted,
        duplicates: event.duplicates,
        waitingUntil: null,
        waitReason: null
      }
    case 'waiting':
      return { ...current, running: true, waitingUntil: now + event.ms, waitReason: event.reason }
    case 'warning':
      return current.warnings.includes(event.message) ? current : { ...current, warnings: [...current.warnings, event.message] }
    case 'done':
      return {
        ...current,
        running: false,
        pages: event.summary.pages,
        inserted: event.summary.inserted,
        duplicates: event.summary.duplicates,
        waitingUntil: null,
        waitReason: null
      }
    case 'error':
      return { ...current, running: false, waitingUntil: null, waitReason: null }
  }
}

function liveFromStatus(state: AccountSyncState): LiveSync {
  const progress = state.progress
  const base: LiveSync = { ...IDLE, running: state.running, startedAt: state.startedAt }
  if (progress?.type === 'warning') return { ...base, warnings: [progress.message] }
  if (progress?.type === 'page') {
    return { ...base, pages: progress.pages, inserted: progress.inserted, duplicates: progress.duplicates }
  }
  return base
}

export const useSync = create<SyncState>()((set, get) => ({
  status: {},
  live: {},
  load: async () => {
    const result = await call('syncStatus', [])
    if (!result.ok) return
    const status: Record<string, AccountSyncState> = {}
    const live: Record<string, LiveSync> = { ...get().live }
    for (const state of result.value) {
      status[state.account] = state
      // Progress events are fresher than a status snapshot while a run goes on.
      const known = live[state.account]
      if (known === undefined || !known.running || !state.running) {
        const fresh = liveFromStatus(state)
        // A finished run's warnings stay on its card (the status snapshot holds only its last event).
        live[state.account] = known !== undefined && known.warnings.length > 0 && !state.running ? { ...fresh, warnings: known.warnings } : fresh
      }
    }
    set({ status, live })
  },
  start: async (names) => {
    const result = await call('startSync', [names === undefined ? {} : { names }])
    if (!result.ok) return
    const live = { ...get().live }
    for (const name of result.value.started) {
      // The run's first progress (its start, even a warning) can arrive before this answer does.
      const current = live[name]
      if (current === undefined || !current.running) live[name] = { ...IDLE, running: true, startedAt: Date.now() }
    }
    set({ live })
  },
  cancel: async (names) => {
    await call('cancelSync', [names === undefined ? {} : { names }])
  },
  applyProgress: (event, now) => {
    set((state) => ({ live: { ...state.live, [event.account]: reduceLiveSync(state.live[event.account], event, now) } }))
  }
}))

export function isAnySyncRunning(live: Record<string, LiveSync>): boolean {
  return Object.values(live).some((entry) => entry.running)
}

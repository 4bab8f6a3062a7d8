import { create } from 'zustand'
import type { ExportFormat, ExportResult, PushEvents } from '../../../shared/contract'
import type { ErrorInfo } from '../../../shared/errors'
import type { EventQuery, EventSort } from '../../../shared/query'
import { call } from '../api'
import { useNotifications } from './notifications-store'

/**
 * One export at a time: exactly the current filter and sort, in the chosen zone. Electron writes
 * the file the user picks in a save dialog; browser mode downloads a one-time URL. Rows written
 * so far arrive as `export:progress`.
 */
export type ExportPhase = 'idle' | 'running' | 'done' | 'failed' | 'cancelled'

interface ExportState {
  phase: ExportPhase
  rows: number
  result: ExportResult | null
  error: ErrorInfo | null
  start: (request: { query: EventQuery; sort: EventSort; timeZone: string; format: ExportFormat }) => Promise<void>
  applyProgress: (event: PushEvents['export:progress']) => void
  reset: () => void
}

export const useExport = create<ExportState>()((set, get) => ({
  phase: 'idle',
  rows: 0,
  result: null,
  error: null,
  start: async (request) => {
    set({ phase: 'running', rows: 0, result: null, error: null })
    const result = await call('runExport', [request])
    if (!result.ok) {
      set({ phase: result.error.code === 'CANCELLED' ? 'cancelled' : 'failed', error: result.error })
      return
    }
    const value = result.value
    switch (value.kind) {
      case 'cancelled':
        set({ phase: 'cancelled', result: value })
        return
      case 'file':
        set({ phase: 'done', rows: value.rows, result: value })
        return
      case 'download':
        // The shim has started the browser's download; the rows stream while it runs, and
        // `export:progress` reports them and the end.
        set({ result: value })
        return
    }
  },
  applyProgress: (event) => {
    if (get().phase !== 'running') return
    if (event.error !== undefined) {
      // The download failed after the call itself succeeded: report it like any failed call.
      useNotifications.getState().notifyError('export:run', event.error)
      set({ phase: 'failed', error: event.error, rows: event.rows })
    } else set({ rows: event.rows, ...(event.done ? { phase: 'done' as const } : {}) })
  },
  reset: () => set({ phase: 'idle', rows: 0, result: null, error: null })
}))

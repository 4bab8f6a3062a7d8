import { create } from 'zustand'
import type { ErrorInfo } from '../../../shared/errors'
import type { ImportFormatChoice, ImportReport } from '../../../shared/import'
import { call } from '../api'

/**
 * Importing an export file into an account (issues 4 and 8). The transport asks for the file:
 * Electron's open dialog, or the browser's file chooser and an upload. Call `run` straight from
 * the click, so the browser allows its chooser.
 */
interface ImportState {
  phase: 'idle' | 'running' | 'done' | 'cancelled' | 'failed'
  report: ImportReport | null
  error: ErrorInfo | null
  run: (account: string, format: ImportFormatChoice) => Promise<void>
  reset: () => void
}

export const useImport = create<ImportState>()((set) => ({
  phase: 'idle',
  report: null,
  error: null,
  run: async (account, format) => {
    set({ phase: 'running', report: null, error: null })
    const result = await call('importFile', [{ account, format }], { inline: true })
    if (!result.ok) set({ phase: 'failed', error: result.error })
    else if (result.value.kind === 'cancelled') set({ phase: 'cancelled' })
    else set({ phase: 'done', report: result.value.report })
  },
  reset: () => set({ phase: 'idle', report: null, error: null })
}))

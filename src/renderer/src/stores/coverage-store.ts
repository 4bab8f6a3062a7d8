import { create } from 'zustand'
import type { CoverageReport, PrunePreview, PruneResult } from '../../../shared/contract'
import type { Result } from '../../../shared/errors'
import { call } from '../api'
import { useAccounts } from './accounts-store'

/** Per-account coverage (issue 7 §6) and local retention (§7), for the sync panel. */
interface CoverageState {
  report: CoverageReport | null
  load: () => Promise<void>
  /** How many of the account's events are older than `days` days (nothing is deleted). */
  preview: (account: string, days: number) => Promise<Result<PrunePreview>>
  /** Deletes the account's unpinned events before the preview's cutoff; coverage reloads. */
  prune: (account: string, before: number) => Promise<Result<PruneResult>>
}

export const useCoverage = create<CoverageState>()((set, get) => ({
  report: null,
  load: async () => {
    const result = await call('coverage', [])
    if (result.ok) set({ report: result.value })
  },
  preview: (account, olderThanDays) => call('previewPrune', [{ account, olderThanDays }], { inline: true }),
  prune: async (account, before) => {
    const result = await call('pruneEvents', [{ account, before }], { inline: true })
    if (result.ok) {
      void get().load()
      // The account's held range changed too (events:changed follows, debounced).
      void useAccounts.getState().load()
    }
    return result
  }
}))

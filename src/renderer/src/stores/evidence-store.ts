import { create } from 'zustand'
import type { EvidenceResult } from '../../../shared/contract'
import type { ErrorInfo } from '../../../shared/errors'
import type { EventQuery, EventSort } from '../../../shared/query'
import { call } from '../api'

/**
 * "Export evidence" (issue 7 §4): the core writes a folder under the data folder's `evidence/`
 * (the view as CSV and NDJSON, the query, the zone, sync state, chain heads, the case, a SHA-256
 * manifest) and answers where. The renderer never names a path, in either transport.
 */
interface EvidenceState {
  phase: 'idle' | 'running' | 'done' | 'failed'
  result: EvidenceResult | null
  error: ErrorInfo | null
  run: (request: { query: EventQuery; sort: EventSort; timeZone: string; queryText: string; caseName?: string }) => Promise<void>
  reset: () => void
}

export const useEvidence = create<EvidenceState>()((set) => ({
  phase: 'idle',
  result: null,
  error: null,
  run: async (request) => {
    set({ phase: 'running', result: null, error: null })
    const result = await call('exportEvidence', [request], { inline: true })
    if (result.ok) set({ phase: 'done', result: result.value })
    else set({ phase: 'failed', error: result.error })
  },
  reset: () => set({ phase: 'idle', result: null, error: null })
}))

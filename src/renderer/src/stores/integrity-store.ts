import { create } from 'zustand'
import type { ChainVerification } from '../../../shared/contract'
import type { ErrorInfo } from '../../../shared/errors'
import { call } from '../api'

/** The archive's integrity (issue 7 §4): the last verification of every account's chain. */
interface IntegrityState {
  verification: ChainVerification | null
  status: 'idle' | 'verifying' | 'ready' | 'error'
  error: ErrorInfo | null
  verify: () => Promise<void>
}

export const useIntegrity = create<IntegrityState>()((set, get) => ({
  verification: null,
  status: 'idle',
  error: null,
  verify: async () => {
    if (get().status === 'verifying') return
    set({ status: 'verifying' })
    const result = await call('verifyArchive', [])
    if (result.ok) set({ verification: result.value, status: 'ready', error: null })
    else set({ status: 'error', error: result.error })
  }
}))

import { create } from 'zustand'
import type { DeletionReport, DigestLineage, RepositoryTagState, TagHistory, TagStateDiff } from '../../../shared/contract'
import type { ErrorInfo, Result } from '../../../shared/errors'
import { call } from '../api'
import type { InvestigationView } from './drawer-store'

/**
 * The data behind the drawer's investigation views: a digest's lineage, a repository's tag
 * history, a deletion's explanation. One view at a time; an answer for a view no longer shown
 * is dropped (the key check), so a slow answer never replaces a newer one.
 */
interface InvestigationState {
  key: string | null
  status: 'idle' | 'loading' | 'ready' | 'error'
  error: ErrorInfo | null
  lineage: DigestLineage | null
  tagHistory: TagHistory | null
  deletion: DeletionReport | null
  /** Loads what a view shows; `includePull` applies to lineage. */
  load: (view: InvestigationView, options?: { includePull?: boolean }) => Promise<void>
  /** A repository's tags at a moment (every account, or one). */
  tagsAt: (repository: string, at: number, account?: string) => Promise<Result<RepositoryTagState[]>>
  /** What changed in a repository's tags between two moments. */
  tagsDiff: (repository: string, from: number, to: number, account?: string) => Promise<Result<TagStateDiff>>
}

/** A stable key for a view and its options. */
export function viewKey(view: InvestigationView, includePull = false): string {
  switch (view.kind) {
    case 'lineage':
      return `lineage\u0000${view.digest}\u0000${includePull}`
    case 'tags':
      return `tags\u0000${view.repository}\u0000${view.tag ?? ''}`
    case 'deletion':
      return 'digest' in view.target
        ? `deletion\u0000digest\u0000${view.target.digest}`
        : `deletion\u0000tag\u0000${view.target.repository}\u0000${view.target.tag}`
  }
}

export const useInvestigation = create<InvestigationState>()((set, get) => ({
  key: null,
  status: 'idle',
  error: null,
  lineage: null,
  tagHistory: null,
  deletion: null,
  load: async (view, options = {}) => {
    const key = viewKey(view, options.includePull === true)
    set({ key, status: 'loading', error: null })
    const settle = <T>(result: Result<T>, field: 'lineage' | 'tagHistory' | 'deletion'): void => {
      if (get().key !== key) return
      if (result.ok) set({ status: 'ready', [field]: result.value })
      else set({ status: 'error', error: result.error, [field]: null })
    }
    switch (view.kind) {
      case 'lineage':
        settle(await call('digestLineage', [{ digest: view.digest, includePull: options.includePull === true }], { inline: true }), 'lineage')
        return
      case 'tags':
        settle(await call('tagHistory', [{ repository: view.repository, ...(view.tag !== null ? { tag: view.tag } : {}) }], { inline: true }), 'tagHistory')
        return
      case 'deletion':
        settle(await call('explainDeletion', [view.target], { inline: true }), 'deletion')
        return
    }
  },
  tagsAt: (repository, at, account) => call('tagState', [{ repository, at, ...(account !== undefined ? { account } : {}) }], { inline: true }),
  tagsDiff: (repository, from, to, account) =>
    call('tagDiff', [{ repository, from, to, ...(account !== undefined ? { account } : {}) }], { inline: true })
}))

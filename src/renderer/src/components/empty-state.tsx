import type { ReactNode } from 'react'
import { useSettings } from '../stores/settings-store'
import { isAnySyncRunning, useSync } from '../stores/sync-store'
import { useUi } from '../stores/ui-store'
import { useView } from '../stores/view-store'

/** The first screen with no account: add one, or look around in the demo archive. */
export function EmptyState(): ReactNode {
  const openModal = useUi((state) => state.openModal)
  const openDemo = useSettings((state) => state.openDemo)
  return (
    <div className="empty-state" data-testid="empty-state">
      <svg viewBox="0 0 64 64" width="56" height="56" aria-hidden="true" className="empty-icon">
        <rect x="8" y="12" width="48" height="40" rx="6" fill="none" stroke="currentColor" strokeWidth="2.5" />
        <path d="M8 24h48M20 34h24M20 42h16" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" />
      </svg>
      <h2>No registry accounts yet</h2>
      <p>
        Add a registry account to sync its audit log into this computer's archive. You can then search, filter and export
        every event offline — even the ones the registry has already expired.
      </p>
      <div className="empty-actions">
        <button
          type="button"
          className="button primary large"
          data-testid="empty-add-account"
          onClick={() => openModal({ kind: 'account', mode: 'add' })}
        >
          Add account
        </button>
        <button type="button" className="button large" data-testid="open-demo" onClick={() => void openDemo()}>
          Open demo archive
        </button>
      </div>
      <p className="muted small">The demo archive holds generated events in its own folder; it never mixes with your data.</p>
    </div>
  )
}

/** Shown over the table when the view matches nothing: an empty archive and a too-narrow filter read differently. */
export function NoMatches(): ReactNode {
  const reset = useView((state) => state.reset)
  const filtered = useView(
    (state) =>
      state.text !== '' || state.includePull || !(state.time.kind === 'preset' && state.time.preset === 'all')
  )
  const syncing = useSync((state) => isAnySyncRunning(state.live))
  const startSync = useSync((state) => state.start)
  if (filtered) {
    return (
      <div className="no-matches" data-testid="no-matches">
        <p>No events match this filter.</p>
        <button type="button" className="button small" onClick={reset}>
          Clear all filters
        </button>
      </div>
    )
  }
  return (
    <div className="no-matches" data-testid="no-matches">
      {syncing ? (
        <p>The archive is filling: events appear here as the sync brings them in.</p>
      ) : (
        <>
          <p>The archive holds no events yet.</p>
          <button type="button" className="button small primary" onClick={() => void startSync()}>
            Sync all accounts now
          </button>
        </>
      )}
    </div>
  )
}

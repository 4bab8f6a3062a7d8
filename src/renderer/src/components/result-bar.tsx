import type { ReactNode } from 'react'
import { formatCount } from '../lib/format'
import { useDrawer } from '../stores/drawer-store'
import { useEvents } from '../stores/events-store'
import { useUi } from '../stores/ui-store'
import { currentQuery, useView } from '../stores/view-store'

/** Above the grid: the result count (which arrives on its own, never holding the grid), refresh and columns. */
export function ResultBar(): ReactNode {
  const count = useEvents((state) => state.count)
  const status = useEvents((state) => state.status)
  const stale = useEvents((state) => state.stale)
  const reload = useEvents((state) => state.reload)
  const loaded = useEvents((state) => state.rows.length)
  const sort = useView((state) => state.sort)
  const openModal = useUi((state) => state.openModal)
  return (
    <div className="result-bar">
      <span className="result-count" data-testid="result-count" data-count={count?.count ?? ''} data-exact={count?.exact ?? ''}>
        {count === null ? (
          <span className="muted">{status === 'loading' ? 'Loading…' : 'Counting…'}</span>
        ) : (
          <>
            <strong>{formatCount(count.count)}{count.exact ? '' : '+'}</strong> {count.count === 1 && count.exact ? 'event' : 'events'}
          </>
        )}
        {loaded > 0 && count !== null && loaded < count.count && (
          <span className="muted small"> · {formatCount(loaded)} loaded</span>
        )}
      </span>
      {stale && (
        <button
          type="button"
          className="button small accent"
          data-testid="refresh-stale"
          onClick={() => void reload(currentQuery(), sort, useDrawer.getState().eventId)}
        >
          New events — refresh
        </button>
      )}
      <span className="spacer" />
      <button type="button" className="button small" data-testid="choose-columns" onClick={() => openModal({ kind: 'columns' })}>
        Columns
      </button>
      <button type="button" className="button small" data-testid="export-open" onClick={() => openModal({ kind: 'export' })}>
        Export CSV
      </button>
      <button type="button" className="button small" data-testid="evidence-open" onClick={() => openModal({ kind: 'evidence' })}>
        Export evidence…
      </button>
    </div>
  )
}

import type { ReactNode } from 'react'
import type { AuditEvent } from '../../../shared/event'
import { deletionTargetFor } from '../lib/investigation-text'
import { useDrawer } from '../stores/drawer-store'
import { useUi } from '../stores/ui-store'

/**
 * The drawer's questions about an event (issue 7), each one click away: the image's lineage, the
 * tag's history, why it was deleted, and pinning it to a case.
 */
export function InvestigateActions({ event }: { event: AuditEvent }): ReactNode {
  const showPanel = useDrawer((state) => state.showPanel)
  const openModal = useUi((state) => state.openModal)
  const deletion = deletionTargetFor(event)
  return (
    <section className="drawer-section" data-testid="investigate-actions">
      <h3>Investigate</h3>
      <div className="action-row">
        {event.digest !== null && (
          <button
            type="button"
            className="button small"
            data-testid="action-lineage"
            onClick={() => showPanel({ kind: 'lineage', digest: event.digest ?? '' })}
          >
            Digest lineage
          </button>
        )}
        {event.repository !== null && (
          <button
            type="button"
            className="button small"
            data-testid="action-tag-history"
            onClick={() => showPanel({ kind: 'tags', repository: event.repository ?? '', tag: event.tag })}
          >
            {event.tag !== null ? `History of :${event.tag}` : 'Repository tags'}
          </button>
        )}
        {deletion !== null && (
          <button
            type="button"
            className="button small"
            data-testid="action-explain-deletion"
            onClick={() => showPanel({ kind: 'deletion', target: deletion })}
          >
            Why was it deleted?
          </button>
        )}
        <button type="button" className="button small" data-testid="action-pin" onClick={() => openModal({ kind: 'pin', eventId: event.id })}>
          Pin to case…
        </button>
      </div>
    </section>
  )
}

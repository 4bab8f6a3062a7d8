import { create } from 'zustand'
import type { RelatedEvents } from '../../../shared/contract'
import type { AuditEvent } from '../../../shared/event'
import { call } from '../api'

/**
 * An investigation shown in the drawer in place of the event (issue 7): a digest's lineage, a
 * repository's (or tag's) history, or the explanation of a deletion.
 */
export type InvestigationView =
  | { kind: 'lineage'; digest: string }
  | { kind: 'tags'; repository: string; tag: string | null }
  | { kind: 'deletion'; target: { repository: string; tag: string } | { digest: string } }

/** The drill-down drawer: one event with its raw record, and its related events. */
interface DrawerState {
  eventId: number | null
  event: AuditEvent | null
  related: RelatedEvents | null
  status: 'closed' | 'loading' | 'ready' | 'error'
  /** The investigation shown instead of the event, if any (the event stays open behind it). */
  panel: InvestigationView | null
  open: (id: number) => Promise<void>
  close: () => void
  showPanel: (view: InvestigationView) => void
  /** Back to the event (or closes the drawer when no event is open). */
  hidePanel: () => void
}

export const useDrawer = create<DrawerState>()((set, get) => ({
  eventId: null,
  event: null,
  related: null,
  status: 'closed',
  panel: null,
  open: async (id) => {
    set({ eventId: id, status: 'loading', event: null, related: null, panel: null })
    const [event, related] = await Promise.all([
      call('getEvent', [{ id }]),
      call('relatedEvents', [{ id, limit: 500 }])
    ])
    if (get().eventId !== id) return
    set({
      event: event.ok ? event.value : null,
      related: related.ok ? related.value : null,
      status: event.ok ? 'ready' : 'error'
    })
  },
  close: () => set({ eventId: null, event: null, related: null, status: 'closed', panel: null }),
  showPanel: (panel) => set({ panel }),
  hidePanel: () => set({ panel: null })
}))

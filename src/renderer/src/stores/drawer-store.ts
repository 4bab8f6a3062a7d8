import { create } from 'zustand'
import type { RelatedEvents } from '../../../shared/contract'
import type { AuditEvent } from '../../../shared/event'
import { call } from '../api'

/** The drill-down drawer: one event with its raw record, and its related events. */
interface DrawerState {
  eventId: number | null
  event: AuditEvent | null
  related: RelatedEvents | null
  status: 'closed' | 'loading' | 'ready' | 'error'
  open: (id: number) => Promise<void>
  close: () => void
}

export const useDrawer = create<DrawerState>()((set, get) => ({
  eventId: null,
  event: null,
  related: null,
  status: 'closed',
  open: async (id) => {
    set({ eventId: id, status: 'loading', event: null, related: null })
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
  close: () => set({ eventId: null, event: null, related: null, status: 'closed' })
}))

import { create } from 'zustand'

/** Which dialogs and panels are open. One modal at a time; the drawer and sync panel are not modal. */
export type Modal =
  | { kind: 'account'; mode: 'add' }
  | { kind: 'account'; mode: 'edit'; name: string }
  | { kind: 'export' }
  | { kind: 'settings' }
  | { kind: 'palette' }
  | { kind: 'columns' }
  /** Import an export file into an account (the selected one, or `account`). */
  | { kind: 'import'; account?: string }
  | { kind: 'evidence' }
  | { kind: 'queries' }
  /** The cases; `name` opens one. */
  | { kind: 'cases'; name?: string }
  /** Pin an event to a case, with a note. */
  | { kind: 'pin'; eventId: number }
  | { kind: 'integrity' }

interface UiState {
  modal: Modal | null
  syncPanelOpen: boolean
  filtersOpen: boolean
  /** Bumped to ask the query bar to take the focus (the `/` key). */
  focusQueryRequest: number
  openModal: (modal: Modal) => void
  closeModal: () => void
  setSyncPanelOpen: (open: boolean) => void
  setFiltersOpen: (open: boolean) => void
  requestQueryFocus: () => void
}

export const useUi = create<UiState>()((set, get) => ({
  modal: null,
  syncPanelOpen: false,
  filtersOpen: true,
  focusQueryRequest: 0,
  openModal: (modal) => set({ modal }),
  closeModal: () => set({ modal: null }),
  setSyncPanelOpen: (syncPanelOpen) => set({ syncPanelOpen }),
  setFiltersOpen: (filtersOpen) => set({ filtersOpen }),
  requestQueryFocus: () => set({ focusQueryRequest: get().focusQueryRequest + 1 })
}))

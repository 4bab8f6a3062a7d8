import { useEffect } from 'react'
import { useDrawer } from '../stores/drawer-store'
import { useEvents } from '../stores/events-store'
import { useUi } from '../stores/ui-store'

/** Rows a PageUp/PageDown moves. */
const PAGE_ROWS = 20

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  return target.closest('input, textarea, select, [contenteditable="true"]') !== null
}

function isActivatable(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && target.closest('button, a[href], summary, [role="option"]') !== null
}

/**
 * The app's keys: arrows or j/k move the selection, Enter opens the drawer, Esc closes it, `/`
 * focuses the query bar, Ctrl/Cmd+K opens the command palette. Keys typed into a field stay there.
 */
export function useGlobalKeys(): void {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent): void => {
      const ui = useUi.getState()
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'k') {
        event.preventDefault()
        if (ui.modal?.kind === 'palette') ui.closeModal()
        else ui.openModal({ kind: 'palette' })
        return
      }
      // A modal handles its own keys.
      if (ui.modal !== null || event.defaultPrevented) return
      if (event.key === 'Escape') {
        const drawer = useDrawer.getState()
        if (drawer.status !== 'closed' || drawer.panel !== null) drawer.close()
        else if (ui.syncPanelOpen) ui.setSyncPanelOpen(false)
        return
      }
      if (isTyping(event.target) || event.ctrlKey || event.metaKey || event.altKey) return
      const events = useEvents.getState()
      switch (event.key) {
        case '/':
          event.preventDefault()
          ui.requestQueryFocus()
          return
        case 'ArrowDown':
        case 'j':
          event.preventDefault()
          events.select(events.selected + 1)
          return
        case 'ArrowUp':
        case 'k':
          event.preventDefault()
          events.select(events.selected - 1)
          return
        case 'PageDown':
          event.preventDefault()
          events.select(events.selected + PAGE_ROWS)
          return
        case 'PageUp':
          event.preventDefault()
          events.select(events.selected - PAGE_ROWS)
          return
        case 'Home':
          event.preventDefault()
          events.select(0)
          return
        case 'End':
          event.preventDefault()
          events.select(events.rows.length - 1)
          return
        case 'Enter': {
          if (isActivatable(event.target)) return
          const row = events.rows[events.selected]
          if (row !== undefined) {
            event.preventDefault()
            void useDrawer.getState().open(row.id)
          }
          return
        }
      }
    }
    window.addEventListener('keydown', onKeyDown)
    return () => window.removeEventListener('keydown', onKeyDown)
  }, [])
}

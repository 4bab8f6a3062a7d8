import { useEffect } from 'react'
import { onPush } from '../api'
import { describeError } from '../lib/error-advice'
import { useAccounts } from '../stores/accounts-store'
import { useDrawer } from '../stores/drawer-store'
import { useEvents } from '../stores/events-store'
import { useExport } from '../stores/export-store'
import { useNotifications } from '../stores/notifications-store'
import { useSettings } from '../stores/settings-store'
import { useSync } from '../stores/sync-store'
import { bindViewToLocation, currentQuery, useView } from '../stores/view-store'

/** How long after the last `events:changed` the view refreshes (a sync sends one per page). */
const CHANGE_DEBOUNCE_MS = 600

/** Everything the app loads and listens to: settings, accounts, sync state, the view and pushed events. */
export function useAppData(): void {
  useEffect(() => {
    const unbindView = bindViewToLocation()
    const settings = useSettings.getState()
    void settings.load()
    void useAccounts.getState().load()
    void useSync.getState().load()

    const reloadEvents = (): void => {
      const view = useView.getState()
      void useEvents.getState().reload(currentQuery(), view.sort, useDrawer.getState().eventId)
    }
    reloadEvents()
    const unsubscribeView = useView.subscribe((state, previous) => {
      if (state.version !== previous.version) reloadEvents()
    })

    // The drawer follows the selection while it is open (arrow keys through events), but not the
    // reset of the selection that comes with a new view.
    let followTimer: number | undefined
    const unsubscribeSelection = useEvents.subscribe((state, previous) => {
      if (state.selected === previous.selected || state.rows !== previous.rows) return
      if (useDrawer.getState().status === 'closed') return
      const row = state.rows[state.selected]
      window.clearTimeout(followTimer)
      if (row !== undefined && row.id !== useDrawer.getState().eventId) {
        followTimer = window.setTimeout(() => void useDrawer.getState().open(row.id), 120)
      }
    })

    let changeTimer: number | undefined
    const onChanged = (reason: string): void => {
      window.clearTimeout(changeTimer)
      changeTimer = window.setTimeout(() => {
        void useAccounts.getState().load()
        if (reason === 'archive-switched') {
          void useSettings.getState().load()
          void useSync.getState().load()
          useDrawer.getState().close()
          reloadEvents()
          return
        }
        const events = useEvents.getState()
        // New rows slide in only when the user is looking at the top; otherwise they are offered.
        if (!events.scrolledAway && events.selected <= 0 && useDrawer.getState().status === 'closed') reloadEvents()
        else {
          void events.refreshSummaries()
          events.markStale()
        }
      }, CHANGE_DEBOUNCE_MS)
    }

    // Opening or closing the demo switches archives: everything shown comes from the other one.
    const unsubscribeArchive = useSettings.subscribe((state, previous) => {
      if (previous.appInfo !== null && state.appInfo?.archive !== previous.appInfo.archive) onChanged('archive-switched')
    })

    const unsubscribers = [
      onPush('sync:progress', (event) => {
        useSync.getState().applyProgress(event, Date.now())
        if (event.type === 'done' || event.type === 'error') {
          void useSync.getState().load()
          void useAccounts.getState().load()
        }
        if (event.type === 'error' && event.error.code !== 'CANCELLED') {
          useNotifications.getState().notify({
            tone: 'error',
            text: `Sync of ${event.account} failed: ${describeError(event.error)}`,
            code: event.error.code,
            method: 'sync'
          })
        }
      }),
      onPush('events:changed', (event) => onChanged(event.reason)),
      onPush('export:progress', (event) => useExport.getState().applyProgress(event))
    ]

    return () => {
      unbindView()
      unsubscribeView()
      unsubscribeSelection()
      unsubscribeArchive()
      window.clearTimeout(followTimer)
      window.clearTimeout(changeTimer)
      for (const unsubscribe of unsubscribers) unsubscribe()
    }
  }, [])
}

import { useEffect } from 'react'
import { call, onPush } from '../api'
import { viewAsQueryText } from '../lib/view-as-query'
import { useAccounts } from '../stores/accounts-store'
import { useIntegrity } from '../stores/integrity-store'
import { useQueries } from '../stores/queries-store'
import { useView } from '../stores/view-store'

/** How long a view must stay before it counts as a query the user ran (typing, clicking facets). */
const RECENT_DEBOUNCE_MS = 1500
/** How long after the last removal the archive is verified again (several may come together). */
const VERIFY_DEBOUNCE_MS = 3000
/**
 * Verifying reads every event (about a second per 100,000) and the core answers nothing else
 * meanwhile, so a larger archive is verified only when the user asks (the badge then says
 * "unknown" and its dialog offers the check): the table must stay instant at a million events.
 */
export const AUTO_VERIFY_MAX_EVENTS = 200_000

async function verifyIfSmall(): Promise<void> {
  const counted = await call('countEvents', [{ query: { includePull: true }, limit: AUTO_VERIFY_MAX_EVENTS + 1 }], {
    inline: true
  })
  if (counted.ok && counted.value.count <= AUTO_VERIFY_MAX_EVENTS) await useIntegrity.getState().verify()
}

/**
 * The investigation features' background work: the integrity badge verifies the archive once the
 * accounts are known, and again when events are removed or another archive opens (the dialog
 * verifies on request); each view the user settles on is remembered as a recent query.
 */
export function useInvestigationData(): void {
  useEffect(() => {
    let verifyTimer: number | undefined
    const verifySoon = (): void => {
      window.clearTimeout(verifyTimer)
      verifyTimer = window.setTimeout(() => void verifyIfSmall(), VERIFY_DEBOUNCE_MS)
    }
    // Once there is something to verify: the first load, or the first account added.
    const verifyOnce = useAccounts.subscribe((state, previous) => {
      const had = previous.loaded && previous.accounts.length > 0
      if (state.loaded && state.accounts.length > 0 && !had) void verifyIfSmall()
    })
    if (useAccounts.getState().loaded && useAccounts.getState().accounts.length > 0) void verifyIfSmall()
    // Syncs and imports extend the chains as they write (and verifying reads every event, about a
    // second per 100,000): only changes that remove events, or another archive, are verified again.
    const stopChanges = onPush('events:changed', (event) => {
      if (event.reason === 'archive-switched') void verifyIfSmall()
      else if (event.reason === 'pruned' || event.reason === 'account-removed') verifySoon()
    })

    let recentTimer: number | undefined
    const stopRecent = useView.subscribe((state, previous) => {
      if (state.version === previous.version) return
      window.clearTimeout(recentTimer)
      recentTimer = window.setTimeout(() => {
        const view = useView.getState()
        const text = viewAsQueryText(view)
        if (text !== '') void useQueries.getState().record(text, view.sort)
      }, RECENT_DEBOUNCE_MS)
    })

    return () => {
      window.clearTimeout(verifyTimer)
      window.clearTimeout(recentTimer)
      verifyOnce()
      stopChanges()
      stopRecent()
    }
  }, [])
}

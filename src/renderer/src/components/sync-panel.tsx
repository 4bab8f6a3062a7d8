import { useEffect, useRef, useState, type ReactNode } from 'react'
import type { AccountCoverage, AccountSyncState, AccountView } from '../../../shared/contract'
import { formatTableTime } from '../lib/date-display'
import { adviceFor } from '../lib/error-advice'
import { formatCount, formatDuration } from '../lib/format'
import { lastRunNeedsWatching, lastSyncText } from '../lib/last-sync-text'
import { visibleControls } from '../lib/visible-controls'
import { useAccounts } from '../stores/accounts-store'
import { useCoverage } from '../stores/coverage-store'
import { displayZone, useSettings } from '../stores/settings-store'
import { isAnySyncRunning, useSync, type LiveSync } from '../stores/sync-store'
import { useUi } from '../stores/ui-store'
import { CoverageFacts, RetentionControl } from './coverage-facts'

/**
 * How often the open panel asks again for the state of a run it cannot hear about (another
 * process runs it, or its process died): nothing is pushed across processes.
 */
const WATCH_ELSEWHERE_MS = 5000

/** A clock that ticks while something on screen counts down or ages. */
function useNow(intervalMs: number): number {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs)
    return () => window.clearInterval(timer)
  }, [intervalMs])
  return now
}

/** The header button that opens the sync panel; it shows at a glance whether a sync runs or failed. */
export function SyncButton(): ReactNode {
  const live = useSync((state) => state.live)
  const status = useSync((state) => state.status)
  const open = useUi((state) => state.syncPanelOpen)
  const setOpen = useUi((state) => state.setSyncPanelOpen)
  const running = isAnySyncRunning(live)
  const failed = Object.values(status).some((state) => !state.running && state.lastRun?.status === 'failed')
  return (
    <button
      type="button"
      className={`button${open ? ' pressed' : ''}`}
      aria-expanded={open}
      aria-controls="sync-panel"
      data-testid="sync-button"
      data-running={running}
      onClick={() => setOpen(!open)}
    >
      <span className={`sync-dot${running ? ' running' : failed ? ' failed' : ''}`} aria-hidden="true" />
      {running ? 'Syncing…' : 'Sync'}
      {failed && !running && <span className="visually-hidden"> (a sync failed)</span>}
    </button>
  )
}

/** Per account: last sync, the events held, a progress bar while running, and errors in plain words with the fix. */
export function SyncPanel(): ReactNode {
  const open = useUi((state) => state.syncPanelOpen)
  // The body's clock ticks only while the panel is open.
  return open ? <SyncPanelBody /> : null
}

function SyncPanelBody(): ReactNode {
  const setOpen = useUi((state) => state.setSyncPanelOpen)
  const accounts = useAccounts((state) => state.accounts)
  const status = useSync((state) => state.status)
  const live = useSync((state) => state.live)
  const start = useSync((state) => state.start)
  const demo = useSettings((state) => state.appInfo?.demo === true)
  const now = useNow(1000)
  const running = isAnySyncRunning(live)
  const coverage = useCoverage((state) => state.report)
  // Coverage follows the accounts, which reload after every run.
  useEffect(() => {
    void useCoverage.getState().load()
  }, [accounts])
  const watching = accounts.some((account) => {
    const state = status[account.name]
    return lastRunNeedsWatching(state?.lastRun ?? account.lastSync, live[account.name]?.running === true || state?.running === true)
  })
  const wasWatching = useRef(false)
  useEffect(() => {
    // A run another process ended may have added events: the held counts come with the accounts.
    if (wasWatching.current && !watching) void useAccounts.getState().load()
    wasWatching.current = watching
    if (!watching) return
    const timer = window.setInterval(() => void useSync.getState().load(), WATCH_ELSEWHERE_MS)
    return () => window.clearInterval(timer)
  }, [watching])
  return (
    <section id="sync-panel" className="sync-panel" aria-label="Sync" data-testid="sync-panel">
      <header className="panel-header">
        <h2>Sync</h2>
        <div className="panel-actions">
          <button
            type="button"
            className="button small primary"
            data-testid="sync-all"
            disabled={accounts.length === 0 || running || demo}
            onClick={() => void start()}
          >
            Sync all now
          </button>
          <button type="button" className="icon-button" aria-label="Close the sync panel" onClick={() => setOpen(false)}>
            ×
          </button>
        </div>
      </header>
      {accounts.length === 0 ? (
        <p className="muted">No accounts yet.</p>
      ) : (
        <ul className="sync-list">
          {accounts.map((account) => (
            <AccountSyncCard
              key={account.name}
              account={account}
              state={status[account.name]}
              live={live[account.name]}
              now={now}
              coverage={coverage?.accounts.find((entry) => entry.account === account.name)}
            />
          ))}
        </ul>
      )}
    </section>
  )
}

function AccountSyncCard({
  account,
  state,
  live,
  now,
  coverage
}: {
  account: AccountView
  state: AccountSyncState | undefined
  live: LiveSync | undefined
  now: number
  coverage: AccountCoverage | undefined
}): ReactNode {
  const start = useSync((s) => s.start)
  const cancel = useSync((s) => s.cancel)
  const openModal = useUi((s) => s.openModal)
  const zone = useSettings((s) => displayZone(s.settings))
  const demo = useSettings((s) => s.appInfo?.demo === true)
  const running = live?.running === true || state?.running === true
  const lastRun = state?.lastRun ?? account.lastSync
  const error = !running && lastRun?.status === 'failed' ? lastRun.error : null
  const autoSync = state?.autoSync ?? account.autoSync
  const held = account.held

  return (
    <li className={`sync-card${error !== null ? ' failed' : ''}`} data-testid="sync-card" data-account={account.name} data-running={running}>
      <div className="sync-card-head">
        <strong>{account.name}</strong>
        <span className="muted small">{account.kind}</span>
        <span className="spacer" />
        {demo ? (
          <span className="muted small">Demo accounts do not sync</span>
        ) : running ? (
          <button type="button" className="button small" data-testid="sync-cancel" onClick={() => void cancel([account.name])}>
            Cancel
          </button>
        ) : (
          <button type="button" className="button small" data-testid="sync-account" onClick={() => void start([account.name])}>
            Sync now
          </button>
        )}
      </div>
      {running && live !== undefined && (
        <div className="sync-progress" data-testid="sync-progress">
          <div
            className="progress-bar indeterminate"
            role="progressbar"
            aria-label={`Syncing ${account.name}`}
            aria-valuetext={`${live.pages} pages, ${live.inserted} new events`}
          >
            <span />
          </div>
          <p className="small" data-testid="sync-progress-text">
            {live.pages === 0 ? 'Starting…' : `Page ${formatCount(live.pages)} · ${formatCount(live.inserted)} new · ${formatCount(live.duplicates)} already held`}
            {live.startedAt !== null && live.inserted > 0 && now > live.startedAt + 1000
              ? ` · ${formatCount(Math.round((live.inserted / (now - live.startedAt)) * 1000))}/s`
              : ''}
          </p>
          {live.waitingUntil !== null && live.waitingUntil > now && (
            <p className="small warning-text" data-testid="sync-waiting">
              {live.waitReason === 'rate-limit' ? 'Rate limited by the registry' : 'Retrying after an error'} — waiting{' '}
              {formatDuration(live.waitingUntil - now)}
            </p>
          )}
        </div>
      )}
      {error !== null && (
        <div className="sync-error" role="alert" data-testid="sync-error">
          <p>
            <strong>{adviceFor(error).title}</strong>
            {adviceFor(error).fix !== undefined && <> — {adviceFor(error).fix}</>}
          </p>
          <p className="error-detail">{error.message}</p>
          {(error.code === 'AUTH_FAILED' || error.code === 'NO_TOKEN' || error.code === 'PERMISSION' || error.code === 'NOT_FOUND' || error.code === 'TLS') && (
            <button
              type="button"
              className="button small"
              data-testid="sync-error-fix"
              onClick={() => openModal({ kind: 'account', mode: 'edit', name: account.name })}
            >
              Open account settings
            </button>
          )}
        </div>
      )}
      {live !== undefined && live.warnings.length > 0 && (
        <ul className="sync-warnings" role="status" data-testid="sync-warnings">
          {live.warnings.map((warning) => (
            <li key={warning} data-testid="sync-warning">
              {visibleControls(warning)}
            </li>
          ))}
        </ul>
      )}
      <dl className="sync-facts">
        <div>
          <dt>Last sync</dt>
          <dd data-testid="sync-last">
            {lastSyncText(lastRun, { here: running, elsewhere: state?.elsewhere }, now)}
          </dd>
        </div>
        <div>
          <dt>Held</dt>
          <dd data-testid="sync-held">
            {formatCount(held.count)} {held.count === 1 ? 'event' : 'events'}
            {held.oldest !== null && held.newest !== null && (
              <span className="muted">
                {' '}
                · {formatTableTime(held.oldest, zone).slice(0, 10)} → {formatTableTime(held.newest, zone).slice(0, 10)}
              </span>
            )}
          </dd>
        </div>
        <div>
          <dt>Schedule</dt>
          <dd>
            {autoSync.enabled
              ? `Every ${formatDuration(autoSync.intervalMinutes * 60_000)}${
                  state?.nextRunAt != null && state.nextRunAt > now ? ` · next in ${formatDuration(state.nextRunAt - now)}` : ''
                }`
              : 'Off (on demand only)'}
          </dd>
        </div>
      </dl>
      {coverage !== undefined && <CoverageFacts coverage={coverage} zone={zone} />}
      <div className="card-actions">
        <button
          type="button"
          className="link-button small"
          data-testid="edit-account"
          onClick={() => openModal({ kind: 'account', mode: 'edit', name: account.name })}
        >
          Account settings
        </button>
        {!demo && (
          <>
            <button type="button" className="link-button small" data-testid="import-open" onClick={() => openModal({ kind: 'import', account: account.name })}>
              Import file…
            </button>
            <RetentionControl account={account.name} zone={zone} />
          </>
        )}
      </div>
    </li>
  )
}

import type { ReactNode } from 'react'
import { AccountDialog } from './components/account-dialog'
import { AccountSwitcher } from './components/account-switcher'
import { CasesDialog } from './components/cases-dialog'
import { ColumnChooser } from './components/column-chooser'
import { CommandPalette } from './components/command-palette'
import { EmptyState, NoMatches } from './components/empty-state'
import { EventDrawer } from './components/event-drawer'
import { EventsTable } from './components/events-table'
import { EvidenceDialog } from './components/evidence-dialog'
import { ExportDialog } from './components/export-dialog'
import { FiltersPanel } from './components/filters-panel'
import { Histogram } from './components/histogram'
import { ImportDialog } from './components/import-dialog'
import { IntegrityBadge, IntegrityDialog } from './components/integrity'
import { LiveRegion } from './components/live-region'
import { Notifications } from './components/notifications'
import { PinDialog } from './components/pin-dialog'
import { QueriesDialog } from './components/queries-dialog'
import { QueryBar } from './components/query-bar'
import { ResultBar } from './components/result-bar'
import { SettingsDialog } from './components/settings-dialog'
import { SyncButton, SyncPanel } from './components/sync-panel'
import { useAppData } from './hooks/use-app-data'
import { adviceFor } from './lib/error-advice'
import { useGlobalKeys } from './hooks/use-global-keys'
import { useInvestigationData } from './hooks/use-investigation-data'
import { useAccounts } from './stores/accounts-store'
import { useEvents } from './stores/events-store'
import { useSettings } from './stores/settings-store'
import { useUi } from './stores/ui-store'

/** The investigation window: accounts and query on top, filters left, histogram and grid centre, details right. */
export function App(): ReactNode {
  useAppData()
  useInvestigationData()
  useGlobalKeys()
  const loaded = useAccounts((state) => state.loaded)
  const hasAccounts = useAccounts((state) => state.accounts.length > 0)
  const demo = useSettings((state) => state.appInfo?.demo === true)
  const openModal = useUi((state) => state.openModal)
  const loadError = useAccounts((state) => state.error)
  const showEmpty = loaded && !hasAccounts && !demo && loadError === null
  const showFailure = loaded && loadError !== null && !hasAccounts
  const showView = loaded && !showEmpty && !showFailure

  return (
    <div className={`app${demo ? ' demo' : ''}`} data-testid="app" data-ready={loaded}>
      <header className="topbar">
        <div className="brand">
          <svg viewBox="0 0 20 20" width="18" height="18" aria-hidden="true" className="brand-mark">
            <rect x="2" y="3" width="16" height="14" rx="3" fill="none" stroke="currentColor" strokeWidth="1.8" />
            <path d="M5.5 8h9M5.5 12h6" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
          </svg>
          <span>Registry Audit</span>
          {demo && (
            <span className="demo-badge" data-testid="demo-badge" title="You are looking at generated demo data">
              DEMO
            </span>
          )}
        </div>
        {showView && <AccountSwitcher />}
        {showView ? <QueryBar /> : <span className="spacer" />}
        {showView && (
          <button
            type="button"
            className="icon-button"
            aria-label="Saved and recent queries"
            title="Saved and recent queries"
            data-testid="open-queries"
            onClick={() => openModal({ kind: 'queries' })}
          >
            <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
              <path
                d="m10 2.8 2.2 4.6 5 .6-3.7 3.4 1 5-4.5-2.5-4.5 2.5 1-5L2.8 8l5-.6z"
                fill="none"
                stroke="currentColor"
                strokeWidth="1.5"
                strokeLinejoin="round"
              />
            </svg>
          </button>
        )}
        <SyncButton />
        {loaded && hasAccounts && <IntegrityBadge />}
        {showView && (
          <button type="button" className="button" data-testid="open-cases" onClick={() => openModal({ kind: 'cases' })}>
            Cases
          </button>
        )}
        <button
          type="button"
          className="icon-button"
          aria-label="Command palette (Ctrl+K)"
          title="Command palette (Ctrl+K)"
          data-testid="open-palette"
          onClick={() => openModal({ kind: 'palette' })}
        >
          ⌘
        </button>
        <button
          type="button"
          className="icon-button"
          aria-label="Settings"
          title="Settings"
          data-testid="open-settings"
          onClick={() => openModal({ kind: 'settings' })}
        >
          <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
            <circle cx="10" cy="10" r="2.6" fill="none" stroke="currentColor" strokeWidth="1.6" />
            <path
              d="M10 2.5v2.2M10 15.3v2.2M2.5 10h2.2M15.3 10h2.2M4.7 4.7l1.6 1.6M13.7 13.7l1.6 1.6M4.7 15.3l1.6-1.6M13.7 6.3l1.6-1.6"
              stroke="currentColor"
              strokeWidth="1.6"
              strokeLinecap="round"
            />
          </svg>
        </button>
      </header>
      {demo && <DemoBanner />}
      <div className="workspace">
        {!loaded ? (
          <div className="loading-screen" data-testid="app-loading">
            Opening the archive…
          </div>
        ) : showFailure ? (
          <LoadError />
        ) : showEmpty ? (
          <EmptyState />
        ) : (
          <>
            <FiltersPanel />
            <main className="main" aria-label="Events">
              <Histogram />
              <ResultBar />
              <GridArea />
            </main>
            <EventDrawer />
          </>
        )}
        <SyncPanel />
      </div>
      <Notifications />
      <LiveRegion />
      <Modals />
    </div>
  )
}

function GridArea(): ReactNode {
  const status = useEvents((state) => state.status)
  const empty = useEvents((state) => state.rows.length === 0)
  return (
    <div className="grid-area">
      <EventsTable />
      {status === 'loading' && empty && (
        <div className="grid-loading" data-testid="grid-loading">
          Loading events…
        </div>
      )}
      {status === 'ready' && empty && <NoMatches />}
      {status === 'error' && (
        <div className="no-matches" data-testid="grid-error">
          <p>The events could not be loaded. The notification above says why.</p>
        </div>
      )}
    </div>
  )
}

/** The archive could not be read at all: say why, and offer to try again. */
function LoadError(): ReactNode {
  const error = useAccounts((state) => state.error)
  const load = useAccounts((state) => state.load)
  if (error === null) return null
  return (
    <div className="empty-state" data-testid="app-error" role="alert">
      <h2>{adviceFor(error).title}</h2>
      <p>{error.message}</p>
      {adviceFor(error).fix !== undefined && <p className="muted">{adviceFor(error).fix}</p>}
      <div className="empty-actions">
        <button type="button" className="button primary" onClick={() => void load()}>
          Try again
        </button>
      </div>
    </div>
  )
}

function DemoBanner(): ReactNode {
  const closeDemo = useSettings((state) => state.closeDemo)
  return (
    <div className="demo-banner" role="note" data-testid="demo-banner">
      <strong>DEMO</strong> — generated events in a separate archive, never mixed with your data.
      <button type="button" className="link-button" onClick={() => void closeDemo()}>
        Close the demo
      </button>
    </div>
  )
}

function Modals(): ReactNode {
  const modal = useUi((state) => state.modal)
  const closeModal = useUi((state) => state.closeModal)
  const accounts = useAccounts((state) => state.accounts)
  if (modal === null) return null
  switch (modal.kind) {
    case 'account': {
      const account = modal.mode === 'edit' ? accounts.find((candidate) => candidate.name === modal.name) : undefined
      return <AccountDialog key={modal.mode === 'edit' ? modal.name : 'new'} account={account} onClose={closeModal} />
    }
    case 'export':
      return <ExportDialog onClose={closeModal} />
    case 'settings':
      return <SettingsDialog onClose={closeModal} />
    case 'palette':
      return <CommandPalette onClose={closeModal} />
    case 'columns':
      return <ColumnChooser onClose={closeModal} />
    case 'import':
      return <ImportDialog account={modal.account} onClose={closeModal} />
    case 'evidence':
      return <EvidenceDialog onClose={closeModal} />
    case 'queries':
      return <QueriesDialog onClose={closeModal} />
    case 'cases':
      return <CasesDialog name={modal.name} onClose={closeModal} />
    case 'pin':
      return <PinDialog eventId={modal.eventId} onClose={closeModal} />
    case 'integrity':
      return <IntegrityDialog onClose={closeModal} />
  }
}

import type { ReactNode } from 'react'
import type { AccountChainReport, ChainBreak } from '../../../shared/contract'
import { formatTableTime } from '../lib/date-display'
import { describeError } from '../lib/error-advice'
import { formatCount } from '../lib/format'
import { visibleControls } from '../lib/visible-controls'
import { useDrawer } from '../stores/drawer-store'
import { useIntegrity } from '../stores/integrity-store'
import { displayZone, useSettings } from '../stores/settings-store'
import { useUi } from '../stores/ui-store'
import { Modal } from './modal'

/** The header's integrity badge: whether every account's event chain verifies (issue 7 §4). */
export function IntegrityBadge(): ReactNode {
  const verification = useIntegrity((state) => state.verification)
  const status = useIntegrity((state) => state.status)
  const openModal = useUi((state) => state.openModal)
  const state =
    verification === null ? (status === 'verifying' ? 'checking' : 'unknown') : verification.intact ? 'intact' : 'broken'
  const broken = verification?.accounts.filter((account) => !account.intact).map((account) => account.account) ?? []
  const label =
    state === 'intact' ? 'Intact' : state === 'broken' ? 'Broken' : state === 'checking' ? 'Checking…' : 'Not checked'
  return (
    <button
      type="button"
      className={`integrity-badge ${state}`}
      data-testid="integrity-badge"
      data-state={state}
      title={
        state === 'broken'
          ? `The integrity chain breaks in ${broken.join(', ')}: click for where`
          : 'Archive integrity: every account’s events are chained at ingest; click for details'
      }
      onClick={() => openModal({ kind: 'integrity' })}
    >
      <svg viewBox="0 0 16 16" width="13" height="13" aria-hidden="true">
        <path d="M8 1.5 2.8 3.6v4c0 3.2 2.2 5.8 5.2 6.9 3-1.1 5.2-3.7 5.2-6.9v-4z" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" />
        {state === 'intact' && <path d="m5.6 8 1.7 1.7 3.2-3.4" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />}
        {state === 'broken' && <path d="M8 4.8v3.6M8 10.6v.1" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />}
      </svg>
      <span>{label}</span>
      {state === 'broken' && <span className="visually-hidden"> in {broken.join(', ')}</span>}
    </button>
  )
}

/** Every account's chain: intact or where it breaks, with the event to look at. */
export function IntegrityDialog({ onClose }: { onClose: () => void }): ReactNode {
  const verification = useIntegrity((state) => state.verification)
  const status = useIntegrity((state) => state.status)
  const error = useIntegrity((state) => state.error)
  const verify = useIntegrity((state) => state.verify)
  const zone = useSettings((state) => displayZone(state.settings))
  return (
    <Modal
      title="Archive integrity"
      onClose={onClose}
      testId="integrity-dialog"
      width={640}
      footer={
        <>
          <span className="spacer" />
          <button type="button" className="button" data-testid="integrity-verify" disabled={status === 'verifying'} onClick={() => void verify()}>
            {status === 'verifying' ? 'Verifying…' : 'Verify again'}
          </button>
          <button type="button" className="button primary" onClick={onClose}>
            Close
          </button>
        </>
      }
    >
      <p className="muted small">
        Each account’s events are chained as they are stored: every link covers the one before it and the raw record. Changing,
        removing or inserting a stored event breaks the chain from there on.
      </p>
      {status === 'error' && error !== null && (
        <p className="form-error" role="alert">
          {describeError(error)}
          <span className="error-detail">{error.message}</span>
        </p>
      )}
      {verification !== null && (
        <>
          <p className={`answer answer-${verification.intact ? 'no' : 'yes'}`} data-testid="integrity-summary" data-intact={verification.intact}>
            {verification.intact
              ? `Intact — every account’s chain verifies (checked ${formatTableTime(verification.checkedAt, zone)}).`
              : `Broken — ${verification.accounts.filter((account) => !account.intact).length} of ${verification.accounts.length} accounts fail to verify (checked ${formatTableTime(verification.checkedAt, zone)}).`}
          </p>
          <ul className="chain-list" data-testid="integrity-accounts">
            {verification.accounts.map((account) => (
              <ChainItem key={account.accountId} report={account} onClose={onClose} />
            ))}
          </ul>
        </>
      )}
    </Modal>
  )
}

function ChainItem({ report, onClose }: { report: AccountChainReport; onClose: () => void }): ReactNode {
  const breaks = [report.firstBreak, ...report.otherBreaks].filter((item): item is ChainBreak => item !== null)
  return (
    <li className={`chain-item${report.intact ? '' : ' broken'}`} data-testid="integrity-account" data-account={report.account} data-intact={report.intact}>
      <div className="chain-head">
        <strong>{report.account}</strong>
        <span className={`chain-state ${report.intact ? 'intact' : 'broken'}`}>{report.intact ? 'intact' : 'broken'}</span>
        <span className="spacer" />
        <span className="muted small">
          {formatCount(report.events)} {report.events === 1 ? 'event' : 'events'}
          {report.pruned > 0 ? ` · ${formatCount(report.pruned)} pruned` : ''}
          {report.badLinks > 0 ? ` · ${formatCount(report.badLinks)} ${report.badLinks === 1 ? 'bad link' : 'bad links'}` : ''}
        </span>
      </div>
      {report.head !== null && <p className="mono small muted chain-hash">head {report.head.slice(0, 24)}…</p>}
      {breaks.map((item) => (
        <p key={`${item.reason}\u0000${item.eventId ?? ''}`} className="chain-break" data-testid="integrity-break" data-reason={item.reason} data-event-id={item.eventId ?? ''}>
          {visibleControls(item.message)}
          {item.eventId !== null && (
            <>
              {' '}
              <button
                type="button"
                className="link-button"
                data-testid="integrity-break-open"
                onClick={() => {
                  onClose()
                  void useDrawer.getState().open(item.eventId ?? 0)
                }}
              >
                Show event #{item.eventId}
              </button>
            </>
          )}
        </p>
      ))}
    </li>
  )
}

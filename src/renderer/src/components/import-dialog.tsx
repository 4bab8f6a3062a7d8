import { useState, type ReactNode } from 'react'
import { IMPORT_FORMATS, MAX_REJECTIONS_LISTED, type ImportFormatChoice, type ImportReport } from '../../../shared/import'
import { describeError } from '../lib/error-advice'
import { formatCount } from '../lib/format'
import { importSummary } from '../lib/investigation-text'
import { selectedAccount } from '../lib/view-query'
import { visibleControls } from '../lib/visible-controls'
import { useAccounts } from '../stores/accounts-store'
import { useImport } from '../stores/import-store'
import { useSettings } from '../stores/settings-store'
import { useView } from '../stores/view-store'
import { Modal } from './modal'

const FORMAT_LABELS: Record<ImportFormatChoice, string> = {
  auto: 'Detect from the content',
  json: 'JSON document',
  ndjson: 'JSON lines (NDJSON)',
  csv: 'CSV'
}

/**
 * Import an export file (Docker Hub, Harbor, Quay, IBM Activity Tracker, MSR, Notary, or this app's
 * own NDJSON export) into an account's history, and show what happened to every row.
 */
export function ImportDialog({ account: preset, onClose }: { account?: string; onClose: () => void }): ReactNode {
  const accounts = useAccounts((state) => state.accounts)
  const viewAccount = useView((state) => selectedAccount(state.query))
  const transport = useSettings((state) => state.appInfo?.transport ?? 'browser')
  const phase = useImport((state) => state.phase)
  const report = useImport((state) => state.report)
  const error = useImport((state) => state.error)
  const run = useImport((state) => state.run)
  const reset = useImport((state) => state.reset)
  const [account, setAccount] = useState(preset ?? viewAccount ?? accounts[0]?.name ?? '')
  const [format, setFormat] = useState<ImportFormatChoice>('auto')

  const close = (): void => {
    if (phase !== 'running') reset()
    onClose()
  }

  return (
    <Modal
      title="Import a file"
      onClose={close}
      testId="import-dialog"
      width={600}
      footer={
        <>
          <span className="spacer" />
          <button type="button" className="button" onClick={close}>
            {phase === 'done' ? 'Close' : 'Cancel'}
          </button>
          <button
            type="button"
            className="button primary"
            data-testid="import-choose"
            disabled={phase === 'running' || account === ''}
            // Straight from the click: a browser shows its file chooser only then.
            onClick={() => void run(account, format)}
          >
            {phase === 'running' ? 'Importing…' : phase === 'done' ? 'Import another file…' : 'Choose file…'}
          </button>
        </>
      }
    >
      <div className="form">
        <label className="field">
          <span className="field-label">Into account</span>
          <select value={account} data-testid="import-account" disabled={phase === 'running'} onChange={(event) => setAccount(event.target.value)}>
            {accounts.map((candidate) => (
              <option key={candidate.name} value={candidate.name}>
                {candidate.name} ({candidate.kind})
              </option>
            ))}
          </select>
          <span className="field-hint">
            The file must hold this account’s kind of records (or this app’s own NDJSON export of them). Importing the same file
            again changes nothing.
          </span>
        </label>
        <label className="field">
          <span className="field-label">Format</span>
          <select value={format} data-testid="import-format" disabled={phase === 'running'} onChange={(event) => setFormat(event.target.value as ImportFormatChoice)}>
            {IMPORT_FORMATS.map((candidate) => (
              <option key={candidate} value={candidate}>
                {FORMAT_LABELS[candidate]}
              </option>
            ))}
          </select>
        </label>
        {phase === 'idle' && (
          <p className="muted small">
            {transport === 'electron'
              ? 'You choose the file in the next step.'
              : 'You choose the file in the next step; it is sent to the registry-audit server on this computer and deleted after the import.'}
          </p>
        )}
        {phase === 'running' && (
          <div className="export-status" role="status" data-testid="import-status" data-phase={phase}>
            <div className="progress-bar indeterminate" role="progressbar" aria-label="Importing">
              <span />
            </div>
            <p>Reading and checking every row…</p>
          </div>
        )}
        {phase === 'cancelled' && (
          <p className="muted" role="status" data-testid="import-status" data-phase={phase}>
            No file chosen.
          </p>
        )}
        {phase === 'failed' && error !== null && (
          <p className="form-error" role="alert" data-testid="import-status" data-phase={phase}>
            {describeError(error)}
            <span className="error-detail">{error.message}</span>
          </p>
        )}
        {phase === 'done' && report !== null && <ImportReportView report={report} />}
      </div>
    </Modal>
  )
}

function ImportReportView({ report }: { report: ImportReport }): ReactNode {
  const clean = report.rejected === 0 && report.warnings.length === 0
  return (
    <div className="import-report" role="status" data-testid="import-status" data-phase="done">
      <p className={`import-headline${clean ? ' ok' : ' mixed'}`} data-testid="import-summary">
        <strong>{importSummary(report)}</strong>
      </p>
      <dl className="summary-list" data-testid="import-report">
        <div>
          <dt>File</dt>
          <dd className="mono" data-testid="import-file">
            {fileName(report.file)}
          </dd>
        </div>
        <div>
          <dt>Read as</dt>
          <dd data-testid="import-content">
            {report.format.toUpperCase()}
            {report.content !== null ? ` · ${report.content === 'registry-audit' ? 'this app’s export' : `${report.content} records`}` : ''}
          </dd>
        </div>
        <div>
          <dt>Rows</dt>
          <dd data-testid="import-rows">{formatCount(report.rows)}</dd>
        </div>
        <div>
          <dt>Imported</dt>
          <dd data-testid="import-imported">{formatCount(report.imported)}</dd>
        </div>
        <div>
          <dt>Already held</dt>
          <dd data-testid="import-duplicates">{formatCount(report.duplicates)}</dd>
        </div>
        <div>
          <dt>Rejected</dt>
          <dd data-testid="import-rejected">{formatCount(report.rejected)}</dd>
        </div>
      </dl>
      {report.warnings.length > 0 && (
        <ul className="warning-list" data-testid="import-warnings">
          {report.warnings.map((warning) => (
            <li key={warning} className="warning">
              {visibleControls(warning)}
            </li>
          ))}
        </ul>
      )}
      {report.rejections.length > 0 && (
        <>
          <h3 className="report-heading">
            Rejected rows
            {report.rejected > report.rejections.length ? ` (the first ${MAX_REJECTIONS_LISTED} of ${formatCount(report.rejected)})` : ''}
          </h3>
          <table className="mini-table rejections" data-testid="import-rejections">
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {report.rejections.map((rejection) => (
                <tr key={`${rejection.line}\u0000${rejection.reason}`} data-testid="import-rejection" data-line={rejection.line}>
                  <td className="mono">{rejection.line}</td>
                  <td>{visibleControls(rejection.reason)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  )
}

/** The file's own name: in browser mode the core read a temporary copy, whose folder means nothing here. */
function fileName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file
}

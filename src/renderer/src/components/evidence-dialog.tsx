import { useEffect, useState, type ReactNode } from 'react'
import { copyText } from '../lib/clipboard'
import { describeError } from '../lib/error-advice'
import { formatCount } from '../lib/format'
import { viewAsQueryText } from '../lib/view-as-query'
import { useCases } from '../stores/cases-store'
import { useEvents } from '../stores/events-store'
import { useEvidence } from '../stores/evidence-store'
import { displayZone, useSettings } from '../stores/settings-store'
import { currentQuery, useView } from '../stores/view-store'
import { Modal } from './modal'
import { CopyIcon } from './value-cell'

/**
 * "Export evidence": the current view (and optionally a case) as a folder the core writes under
 * the data folder's evidence/, with a SHA-256 manifest of every file. The dialog shows exactly
 * what goes in before it runs, and where it went after.
 */
export function EvidenceDialog({ onClose }: { onClose: () => void }): ReactNode {
  const zone = useSettings((state) => displayZone(state.settings))
  const text = useView((state) => state.text)
  const time = useView((state) => state.time)
  const includePull = useView((state) => state.includePull)
  const sort = useView((state) => state.sort)
  const count = useEvents((state) => state.count)
  const cases = useCases((state) => state.cases)
  const phase = useEvidence((state) => state.phase)
  const result = useEvidence((state) => state.result)
  const error = useEvidence((state) => state.error)
  const run = useEvidence((state) => state.run)
  const reset = useEvidence((state) => state.reset)
  const [caseName, setCaseName] = useState('')
  const queryText = viewAsQueryText({ text, time, includePull })

  useEffect(() => {
    void useCases.getState().load()
  }, [])

  const close = (): void => {
    if (phase !== 'running') reset()
    onClose()
  }

  return (
    <Modal
      title="Export evidence"
      onClose={close}
      testId="evidence-dialog"
      width={600}
      footer={
        <>
          <span className="spacer" />
          <button type="button" className="button" onClick={close}>
            {phase === 'done' ? 'Close' : 'Cancel'}
          </button>
          {phase !== 'done' && (
            <button
              type="button"
              className="button primary"
              data-testid="evidence-start"
              disabled={phase === 'running'}
              onClick={() =>
                void run({ query: currentQuery(), sort, timeZone: zone, queryText, ...(caseName !== '' ? { caseName } : {}) })
              }
            >
              {phase === 'running' ? 'Exporting…' : 'Export evidence'}
            </button>
          )}
        </>
      }
    >
      <dl className="summary-list">
        <div>
          <dt>Query</dt>
          <dd className="mono" data-testid="evidence-query">
            {queryText === '' ? 'every event' : queryText}
          </dd>
        </div>
        <div>
          <dt>Rows</dt>
          <dd>{count === null ? 'counting…' : `${formatCount(count.count)}${count.exact ? '' : '+'}`}</dd>
        </div>
        <div>
          <dt>Times in</dt>
          <dd>{zone}</dd>
        </div>
      </dl>
      <div className="form">
        <label className="field">
          <span className="field-label">Case</span>
          <select value={caseName} data-testid="evidence-case" disabled={phase === 'running'} onChange={(event) => setCaseName(event.target.value)}>
            <option value="">No case</option>
            {cases.map((candidate) => (
              <option key={candidate.name} value={candidate.name}>
                {candidate.name} ({formatCount(candidate.pins)} pinned)
              </option>
            ))}
          </select>
          <span className="field-hint">A case adds its pinned events and notes to the folder.</span>
        </label>
        <p className="muted small">
          The folder holds the view as CSV and NDJSON (raw records included), the query, the time zone, each account’s sync state,
          the integrity chain heads and their verification, and a SHA-256 manifest of every file. It is written into the data
          folder’s evidence folder on the computer that runs Registry Audit.
        </p>
      </div>
      {phase === 'running' && (
        <div className="export-status" role="status" data-testid="evidence-status" data-phase={phase}>
          <div className="progress-bar indeterminate" role="progressbar" aria-label="Exporting evidence">
            <span />
          </div>
        </div>
      )}
      {phase === 'failed' && error !== null && (
        <p className="form-error" role="alert" data-testid="evidence-status" data-phase={phase}>
          {describeError(error)}
          <span className="error-detail">{error.message}</span>
        </p>
      )}
      {phase === 'done' && result !== null && (
        <div className="export-status done" role="status" data-testid="evidence-status" data-phase={phase} data-rows={result.rows}>
          <p>
            <strong>
              Exported {formatCount(result.rows)} {result.rows === 1 ? 'row' : 'rows'} and {result.files.length} files
            </strong>
            {result.intact ? ' · archive intact' : ' · the archive’s integrity check found a break: see integrity.json'}
          </p>
          <div className="path-row">
            <span className="mono path" data-testid="evidence-dir">
              {result.dir}
            </span>
            <button type="button" className="button small" data-testid="evidence-copy-path" onClick={() => void copyText(result.dir, 'folder path')}>
              <CopyIcon /> Copy path
            </button>
          </div>
          <ul className="file-list mono" data-testid="evidence-files">
            {result.files.map((file) => (
              <li key={file}>{file}</li>
            ))}
          </ul>
        </div>
      )}
    </Modal>
  )
}

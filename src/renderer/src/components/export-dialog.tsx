import { useState, type ReactNode } from 'react'
import type { ExportFormat } from '../../../shared/contract'
import { EVENT_COLUMNS } from '../lib/event-columns'
import { describeError } from '../lib/error-advice'
import { formatCount } from '../lib/format'
import { TIME_PRESETS } from '../lib/time-range'
import { useEvents } from '../stores/events-store'
import { useExport } from '../stores/export-store'
import { displayZone, useSettings } from '../stores/settings-store'
import { currentQuery, useView } from '../stores/view-store'
import { formatTableTime } from '../lib/date-display'
import { Modal } from './modal'
import { TimeZoneInput } from './time-zone-input'

/** Export exactly the current filter and sort: the user sees what is exported before it runs. */
export function ExportDialog({ onClose }: { onClose: () => void }): ReactNode {
  const settingsZone = useSettings((state) => displayZone(state.settings))
  const transport = useSettings((state) => state.appInfo?.transport ?? 'browser')
  const text = useView((state) => state.text)
  const time = useView((state) => state.time)
  const includePull = useView((state) => state.includePull)
  const sort = useView((state) => state.sort)
  const count = useEvents((state) => state.count)
  const phase = useExport((state) => state.phase)
  const rows = useExport((state) => state.rows)
  const result = useExport((state) => state.result)
  const error = useExport((state) => state.error)
  const start = useExport((state) => state.start)
  const reset = useExport((state) => state.reset)
  const [zone, setZone] = useState(settingsZone)
  const [zoneValid, setZoneValid] = useState(true)
  const [format, setFormat] = useState<ExportFormat>('csv')

  const sortLabel = EVENT_COLUMNS.find((column) => column.id === sort.key)?.label ?? sort.key
  const timeLabel =
    time.kind === 'preset'
      ? (TIME_PRESETS.find((preset) => preset.id === time.preset)?.label ?? time.preset)
      : `${time.from !== undefined ? formatTableTime(time.from, settingsZone) : 'the beginning'} to ${
          time.to !== undefined ? formatTableTime(time.to, settingsZone) : 'now'
        }`

  const close = (): void => {
    if (phase !== 'running') reset()
    onClose()
  }

  const run = (): void => {
    // Presets resolve now, so the file holds exactly the rows the table shows at this moment.
    void start({ query: currentQuery(), sort, timeZone: zone, format })
  }

  return (
    <Modal
      title="Export events"
      onClose={close}
      testId="export-dialog"
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
              data-testid="export-start"
              disabled={phase === 'running' || !zoneValid}
              onClick={run}
            >
              {phase === 'running' ? 'Exporting…' : format === 'csv' ? 'Export CSV' : 'Export NDJSON'}
            </button>
          )}
        </>
      }
    >
      <dl className="summary-list">
        <div>
          <dt>Filter</dt>
          <dd className="mono" data-testid="export-filter">
            {text === '' ? 'none' : text}
          </dd>
        </div>
        <div>
          <dt>Time</dt>
          <dd>{timeLabel}</dd>
        </div>
        <div>
          <dt>Pull events</dt>
          <dd>{includePull ? 'included' : 'excluded'}</dd>
        </div>
        <div>
          <dt>Sort</dt>
          <dd>
            {sortLabel}, {sort.dir === 'desc' ? 'descending' : 'ascending'}
          </dd>
        </div>
        <div>
          <dt>Rows</dt>
          <dd data-testid="export-expected-rows">
            {count === null ? 'counting…' : `${formatCount(count.count)}${count.exact ? '' : '+'}`}
          </dd>
        </div>
      </dl>
      <div className="form">
        <div className="field">
          <span className="field-label">Format</span>
          <div className="segmented" role="radiogroup" aria-label="Format">
            {(['csv', 'ndjson'] as const).map((candidate) => (
              <label key={candidate} className={`segment${format === candidate ? ' selected' : ''}`}>
                <input
                  type="radio"
                  name="export-format"
                  value={candidate}
                  checked={format === candidate}
                  onChange={() => setFormat(candidate)}
                />
                {candidate === 'csv' ? 'CSV' : 'NDJSON'}
              </label>
            ))}
          </div>
        </div>
        <TimeZoneInput
          label="Times written in"
          value={zone}
          onChange={(value, valid) => {
            setZone(value)
            setZoneValid(valid)
          }}
          testId="export-zone"
          hint="The zone is named in the file's date column header."
        />
      </div>
      <ExportStatus phase={phase} rows={rows} result={result} error={error} transport={transport} />
    </Modal>
  )
}

function ExportStatus({
  phase,
  rows,
  result,
  error,
  transport
}: {
  phase: ReturnType<typeof useExport.getState>['phase']
  rows: number
  result: ReturnType<typeof useExport.getState>['result']
  error: ReturnType<typeof useExport.getState>['error']
  transport: 'electron' | 'browser'
}): ReactNode {
  switch (phase) {
    case 'idle':
      return (
        <p className="muted small">
          {transport === 'electron' ? 'You choose where to save the file.' : 'The file downloads through your browser.'}
        </p>
      )
    case 'running':
      return (
        <div className="export-status" role="status" data-testid="export-status" data-phase={phase}>
          <div className="progress-bar indeterminate" role="progressbar" aria-label="Exporting">
            <span />
          </div>
          <p>{formatCount(rows)} rows written…</p>
        </div>
      )
    case 'done':
      return (
        <div className="export-status done" role="status" data-testid="export-status" data-phase={phase} data-rows={rows}>
          <p>
            <strong>Exported {formatCount(rows)} rows</strong>
            {result?.kind === 'file' && <> to <span className="mono">{result.path}</span></>}
            {result?.kind === 'download' && <> as <span className="mono">{result.filename}</span></>}
          </p>
        </div>
      )
    case 'cancelled':
      return (
        <p className="muted" role="status" data-testid="export-status" data-phase={phase}>
          Export cancelled.
        </p>
      )
    case 'failed':
      return (
        <p className="form-error" role="alert" data-testid="export-status" data-phase={phase}>
          {error !== null ? describeError(error) : 'The export failed.'}
          {error !== null && <span className="error-detail">{error.message}</span>}
        </p>
      )
  }
}

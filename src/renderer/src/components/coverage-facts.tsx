import { useState, type FormEvent, type ReactNode } from 'react'
import type { AccountCoverage, PrunePreview, PruneResult } from '../../../shared/contract'
import { formatTableTime } from '../lib/date-display'
import { describeError } from '../lib/error-advice'
import { formatCount } from '../lib/format'
import { parsePruneDays, retentionText } from '../lib/investigation-text'
import { visibleControls } from '../lib/visible-controls'
import { useCoverage } from '../stores/coverage-store'
import { useIntegrity } from '../stores/integrity-store'

function day(ms: number, zone: string): string {
  return formatTableTime(ms, zone).slice(0, 10)
}

/**
 * What the archive holds of an account against what its source keeps (issue 7 §6): the oldest and
 * newest event, the source's retention, gaps between sync runs in which events may have been lost
 * at the source, and a warning when the account has not synced within its retention window.
 */
export function CoverageFacts({ coverage, zone }: { coverage: AccountCoverage; zone: string }): ReactNode {
  return (
    <div className="coverage" data-testid="coverage" data-account={coverage.account}>
      <dl className="sync-facts">
        <div>
          <dt>Oldest, newest</dt>
          <dd data-testid="coverage-range">
            {coverage.oldest === null || coverage.newest === null
              ? 'No events held'
              : `${formatTableTime(coverage.oldest, zone)} → ${formatTableTime(coverage.newest, zone)}`}
          </dd>
        </div>
        <div>
          <dt>Complete from</dt>
          <dd data-testid="coverage-start">
            {coverage.coverageStart !== null
              ? `${day(coverage.coverageStart, zone)} (what the source still held at the first sync)`
              : coverage.retention.keepsAll
                ? 'the beginning (the source keeps everything)'
                : coverage.firstSuccessfulRun === null
                  ? 'not synced yet'
                  : 'unknown: the source’s retention is not known'}
          </dd>
        </div>
        <div>
          <dt>Source keeps</dt>
          <dd data-testid="coverage-retention">{retentionText(coverage)}</dd>
        </div>
        <div>
          <dt>Gaps</dt>
          <dd data-testid="coverage-gaps" data-count={coverage.gaps.length}>
            {coverage.gaps.length === 0 ? (
              'None between sync runs'
            ) : (
              <ul className="plain-list">
                {coverage.gaps.map((gap) => (
                  <li key={gap.from} data-testid="coverage-gap">
                    Events from {formatTableTime(gap.from, zone)} to {formatTableTime(gap.to, zone)} may be missing
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </div>
        {coverage.pruned.events > 0 && (
          <div>
            <dt>Pruned</dt>
            <dd data-testid="coverage-pruned">
              {formatCount(coverage.pruned.events)} events
              {coverage.pruned.cutoff !== null ? ` before ${day(coverage.pruned.cutoff, zone)}` : ''}
            </dd>
          </div>
        )}
      </dl>
      {coverage.warnings.length > 0 && (
        <ul className="sync-warnings" data-testid="coverage-warnings">
          {coverage.warnings.map((warning) => (
            <li key={warning} data-testid="coverage-warning">
              {visibleControls(warning)}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

type RetentionState =
  | { phase: 'closed' }
  | { phase: 'asking' }
  | { phase: 'preview'; preview: PrunePreview }
  | { phase: 'pruning'; preview: PrunePreview }
  | { phase: 'done'; result: PruneResult }

/**
 * Local retention (issue 7 §7): delete the account's events older than N days — counted first,
 * and deleted only after the user confirms that count. Pinned events are kept.
 */
export function RetentionControl({ account, zone }: { account: string; zone: string }): ReactNode {
  const [state, setState] = useState<RetentionState>({ phase: 'closed' })
  const [days, setDays] = useState('365')
  const [problem, setProblem] = useState<string | null>(null)
  const parsedDays = parsePruneDays(days)

  const preview = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    if (parsedDays === undefined) {
      setProblem('Whole days, from 1')
      return
    }
    setProblem(null)
    const result = await useCoverage.getState().preview(account, parsedDays)
    if (result.ok) setState({ phase: 'preview', preview: result.value })
    else setProblem(`${describeError(result.error)} (${result.error.message})`)
  }

  const prune = async (previewed: PrunePreview): Promise<void> => {
    setState({ phase: 'pruning', preview: previewed })
    const result = await useCoverage.getState().prune(account, previewed.before)
    if (result.ok) {
      setState({ phase: 'done', result: result.value })
      void useIntegrity.getState().verify()
    } else {
      setState({ phase: 'preview', preview: previewed })
      setProblem(`${describeError(result.error)} (${result.error.message})`)
    }
  }

  if (state.phase === 'closed') {
    return (
      <button type="button" className="link-button small" data-testid="prune-open" onClick={() => setState({ phase: 'asking' })}>
        Prune old events…
      </button>
    )
  }

  return (
    <div className="retention-box" data-testid="prune-box" data-phase={state.phase}>
      {(state.phase === 'asking' || state.phase === 'preview') && (
        <form className="inline-form" onSubmit={(event) => void preview(event)}>
          <label className="small" htmlFor={`prune-days-${account}`}>
            Delete events older than
          </label>
          <input
            id={`prune-days-${account}`}
            className="narrow"
            type="number"
            min={1}
            value={days}
            data-testid="prune-days"
            aria-invalid={parsedDays === undefined}
            onChange={(event) => {
              setDays(event.target.value)
              if (state.phase === 'preview') setState({ phase: 'asking' })
            }}
          />
          <span className="small">days</span>
          <button type="submit" className="button small" data-testid="prune-count">
            Count
          </button>
        </form>
      )}
      {(state.phase === 'preview' || state.phase === 'pruning') && (
        <div className="confirm-box" role="alert" data-testid="prune-confirm">
          <p data-testid="prune-preview" data-count={state.preview.count}>
            {state.preview.count === 0 ? (
              <>
                Nothing of {account} to delete before {formatTableTime(state.preview.before, zone)}
                {state.preview.pinned > 0 ? ` (${formatCount(state.preview.pinned)} pinned to cases are kept)` : ''}.
              </>
            ) : (
              <>
                <strong>
                  {formatCount(state.preview.count)} {state.preview.count === 1 ? 'event' : 'events'}
                </strong>{' '}
                of {account} {state.preview.count === 1 ? 'is' : 'are'} older than {formatTableTime(state.preview.before, zone)}
                {state.preview.oldest !== null ? ` (the oldest from ${day(state.preview.oldest, zone)})` : ''} and will be deleted.{' '}
                {state.preview.pinned > 0 ? `${formatCount(state.preview.pinned)} pinned to cases are kept. ` : ''}
                This cannot be undone; the integrity chain stays verifiable.
              </>
            )}
          </p>
          <div className="confirm-actions">
            <button type="button" className="button small" onClick={() => setState({ phase: 'closed' })}>
              Keep everything
            </button>
            {state.preview.count > 0 && (
              <button
                type="button"
                className="button small danger"
                data-testid="prune-confirm-delete"
                disabled={state.phase === 'pruning'}
                onClick={() => void prune(state.preview)}
              >
                {state.phase === 'pruning' ? 'Deleting…' : `Delete ${formatCount(state.preview.count)} ${state.preview.count === 1 ? 'event' : 'events'}`}
              </button>
            )}
          </div>
        </div>
      )}
      {state.phase === 'done' && (
        <p className="prune-done" role="status" data-testid="prune-result" data-deleted={state.result.deleted}>
          Deleted {formatCount(state.result.deleted)} {state.result.deleted === 1 ? 'event' : 'events'}
          {state.result.keptPinned > 0 ? `; kept ${formatCount(state.result.keptPinned)} pinned` : ''}.{' '}
          <button type="button" className="link-button small" onClick={() => setState({ phase: 'closed' })}>
            Done
          </button>
        </p>
      )}
      {problem !== null && (
        <p className="field-error" role="alert" data-testid="prune-problem">
          {problem}
        </p>
      )}
    </div>
  )
}

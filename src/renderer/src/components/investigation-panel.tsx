import { useEffect, useState, type ReactNode } from 'react'
import type { DeletionExplanation, RepositoryTagState, TagChange, TagPointer, TagStateDiff } from '../../../shared/contract'
import type { AuditEvent } from '../../../shared/event'
import { activityColorVar } from '../lib/activity-colors'
import { copyText } from '../lib/clipboard'
import { formatTableTime, fromDateTimeLocalValue, toDateTimeLocalValue } from '../lib/date-display'
import { describeError } from '../lib/error-advice'
import { formatCount, shortDigest } from '../lib/format'
import { visibleControls } from '../lib/visible-controls'
import {
  deletionCauseLabel,
  lineageRoleActivity,
  lineageRoleLabel,
  overwriteAnswer,
  scorePercent,
  scoreStrength,
  tagChangeText,
  tagSpanText
} from '../lib/investigation-text'
import { useDrawer, type InvestigationView } from '../stores/drawer-store'
import { useEvents } from '../stores/events-store'
import { useInvestigation, viewKey } from '../stores/investigation-store'
import { displayZone, useSettings } from '../stores/settings-store'
import { CopyIcon } from './value-cell'

/** The drawer's investigation views (issue 7): digest lineage, tag history, the deletion explainer. */
export function InvestigationPanel({ view }: { view: InvestigationView }): ReactNode {
  switch (view.kind) {
    case 'lineage':
      return <LineageView digest={view.digest} />
    case 'tags':
      return <TagsView repository={view.repository} tag={view.tag} />
    case 'deletion':
      return <DeletionView view={view} />
  }
}

/** The view's title, for the drawer header. */
export function investigationTitle(view: InvestigationView): string {
  switch (view.kind) {
    case 'lineage':
      return 'Digest lineage'
    case 'tags':
      return view.tag === null ? `Tags of ${view.repository}` : `History of ${view.repository}:${view.tag}`
    case 'deletion':
      return 'Why was it deleted?'
  }
}

function useZone(): string {
  return useSettings((state) => displayZone(state.settings))
}

/** Opens an event in the drawer (leaving the investigation), selecting its row when the table has it. */
function openEvent(id: number): void {
  const events = useEvents.getState()
  const index = events.rows.findIndex((row) => row.id === id)
  if (index >= 0) events.select(index)
  void useDrawer.getState().open(id)
}

/**
 * The status of the view with this key: until the store has started loading it, whatever it holds
 * belongs to the view shown before, so it counts as loading (no flash of another view's data).
 */
function useViewStatus(key: string): 'loading' | 'ready' | 'error' {
  return useInvestigation((state) => (state.key !== key || state.status === 'idle' ? 'loading' : state.status))
}

function LoadState({ status }: { status: 'loading' | 'ready' | 'error' }): ReactNode {
  const error = useInvestigation((state) => state.error)
  if (status === 'loading') {
    return (
      <p className="drawer-empty" data-testid="investigation-loading">
        Reading the archive…
      </p>
    )
  }
  if (status === 'error' && error !== null) {
    return (
      <p className="form-error panel-error" role="alert" data-testid="investigation-error" data-code={error.code}>
        {/* The core's message says what was not found or not understood (a digest prefix, a repository). */}
        <strong>{error.code === 'NOT_FOUND' ? 'Not in the archive' : error.code === 'INVALID_INPUT' ? 'Not understood' : describeError(error)}</strong>
        <span className="error-detail">{error.message}</span>
      </p>
    )
  }
  return null
}

/** One event in a timeline: time, what it was, who and where; a click opens it. */
function TimelineEvent({
  event,
  badge,
  badgeActivity,
  detail,
  testId,
  extra
}: {
  event: AuditEvent
  badge: string
  badgeActivity: string
  detail?: string | null
  testId: string
  extra?: Record<string, string>
}): ReactNode {
  const zone = useZone()
  return (
    <li>
      <button
        type="button"
        className="timeline-item"
        data-testid={testId}
        data-event-id={event.id}
        {...extra}
        onClick={() => openEvent(event.id)}
      >
        <span className="activity-dot" style={{ background: activityColorVar(badgeActivity) }} aria-hidden="true" />
        <span className="timeline-head">
          <span className="timeline-time">{formatTableTime(event.occurred_at, zone)}</span>
          <span className="role-badge" style={{ color: activityColorVar(badgeActivity) }}>
            {badge}
          </span>
        </span>
        <span className="timeline-label">{visibleControls(event.label)}</span>
        <span className="timeline-meta">
          {event.account} · {visibleControls(event.actor ?? 'unknown actor')}
          {event.repository !== null ? visibleControls(` · ${event.repository}${event.tag !== null ? `:${event.tag}` : ''}`) : ''}
        </span>
        {detail !== undefined && detail !== null && <span className="timeline-how">{visibleControls(detail)}</span>}
      </button>
    </li>
  )
}

// ---------------------------------------------------------------------------------------------
// Digest lineage

function LineageView({ digest }: { digest: string }): ReactNode {
  const [includePull, setIncludePull] = useState(false)
  const load = useInvestigation((state) => state.load)
  const status = useViewStatus(viewKey({ kind: 'lineage', digest }, includePull))
  const lineage = useInvestigation((state) => state.lineage)
  const zone = useZone()
  const showPanel = useDrawer((state) => state.showPanel)
  useEffect(() => {
    void load({ kind: 'lineage', digest }, { includePull })
  }, [digest, includePull, load])
  const time = (ms: number): string => formatTableTime(ms, zone)

  return (
    <div className="drawer-body" data-testid="lineage-view" data-status={status}>
      <section className="drawer-section">
        <div className="section-head">
          <h3>Digest</h3>
          <button type="button" className="button small" onClick={() => void copyText(lineage?.digest ?? digest, 'digest')}>
            <CopyIcon /> Copy
          </button>
        </div>
        <p className="mono digest-full" data-testid="lineage-digest">
          {lineage?.digest ?? digest}
        </p>
      </section>
      <LoadState status={status} />
      {status === 'ready' && lineage !== null && (
        <>
          <section className="drawer-section">
            <dl className="fact-grid" data-testid="lineage-summary">
              <div>
                <dt>First seen</dt>
                <dd>{lineage.firstSeen === null ? '—' : time(lineage.firstSeen)}</dd>
              </div>
              <div>
                <dt>Last seen</dt>
                <dd>{lineage.lastSeen === null ? '—' : time(lineage.lastSeen)}</dd>
              </div>
              <div>
                <dt>Accounts</dt>
                <dd>{lineage.accounts.join(', ') || '—'}</dd>
              </div>
              <div>
                <dt>Repositories</dt>
                <dd>
                  {lineage.repositories.length === 0
                    ? '—'
                    : lineage.repositories.map((repository) => (
                        <button
                          key={repository}
                          type="button"
                          className="link-button"
                          data-testid="lineage-repository"
                          onClick={() => showPanel({ kind: 'tags', repository, tag: null })}
                        >
                          {repository}
                        </button>
                      ))}
                </dd>
              </div>
              <div>
                <dt>Pulls</dt>
                <dd data-testid="lineage-pulls">
                  {formatCount(lineage.pulls.count)}
                  {lineage.pulls.last !== null && <span className="muted"> · last {time(lineage.pulls.last)}</span>}
                </dd>
              </div>
              <div>
                <dt>Tagged now</dt>
                <dd data-testid="lineage-tagged">{lineage.tagged ? 'Yes — a tag still points at it' : 'No tag points at it'}</dd>
              </div>
            </dl>
            <label className="checkbox small lineage-pulls-toggle">
              <input type="checkbox" checked={includePull} data-testid="lineage-include-pull" onChange={(event) => setIncludePull(event.target.checked)} />
              List the pulls in the timeline
            </label>
          </section>
          {lineage.tags.length > 0 && (
            <section className="drawer-section">
              <h3>Tags that pointed at it</h3>
              <ul className="plain-list small" data-testid="lineage-tags">
                {lineage.tags.map((span) => (
                  <li key={`${span.account}\u0000${span.repository}\u0000${span.tag}\u0000${span.fromEventId}`} data-testid="lineage-tag-span" data-ended-by={span.endedBy ?? ''}>
                    <button
                      type="button"
                      className="link-button"
                      onClick={() => showPanel({ kind: 'tags', repository: span.repository, tag: span.tag })}
                    >
                      {tagSpanText(span, time)}
                    </button>
                  </li>
                ))}
              </ul>
            </section>
          )}
          <section className="drawer-section">
            <h3>
              Timeline · {formatCount(lineage.entries.length)} {lineage.entries.length === 1 ? 'event' : 'events'}
              {lineage.truncated ? ' (the oldest only)' : ''}
            </h3>
            {lineage.entries.length === 0 ? (
              <p className="muted small">The archive holds no event of this digest.</p>
            ) : (
              <ol className="timeline" data-testid="lineage-timeline">
                {lineage.entries.map((entry) => (
                  <TimelineEvent
                    key={entry.event.id}
                    event={entry.event}
                    badge={lineageRoleLabel(entry.role)}
                    badgeActivity={lineageRoleActivity(entry.role)}
                    detail={entry.how}
                    testId="lineage-entry"
                    extra={{ 'data-role': entry.role, 'data-link': entry.link }}
                  />
                ))}
              </ol>
            )}
          </section>
        </>
      )}
    </div>
  )
}

// ---------------------------------------------------------------------------------------------
// Tag history, the tags at a moment, and the difference between two moments

function TagsView({ repository, tag }: { repository: string; tag: string | null }): ReactNode {
  const load = useInvestigation((state) => state.load)
  const status = useViewStatus(viewKey({ kind: 'tags', repository, tag }))
  const history = useInvestigation((state) => state.tagHistory)
  const showPanel = useDrawer((state) => state.showPanel)
  const zone = useZone()
  useEffect(() => {
    void load({ kind: 'tags', repository, tag })
  }, [repository, tag, load])
  const answer = history !== null && history.tag !== null ? overwriteAnswer(history) : null
  const overwriteIds = new Set(history?.overwrites.map((change) => change.eventId) ?? [])

  return (
    <div className="drawer-body" data-testid="tags-view" data-status={status}>
      <LoadState status={status} />
      {status === 'ready' && history !== null && (
        <>
          {answer !== null && (
            <section className="drawer-section">
              <h3>Was :{history.tag} overwritten?</h3>
              <p className={`answer answer-${answer.answer}`} data-testid="overwrite-answer" data-answer={answer.answer}>
                {answer.text}
              </p>
              {history.overwrites.length > 0 && (
                <ol className="timeline" data-testid="overwrite-list">
                  {history.overwrites.map((change) => (
                    <ChangeItem key={change.eventId} change={change} testId="overwrite-event" />
                  ))}
                </ol>
              )}
            </section>
          )}
          <section className="drawer-section">
            <div className="section-head">
              <h3>
                {history.tag === null ? 'Every tag change' : `Changes of :${history.tag}`} · {formatCount(history.changes.length)}
              </h3>
              {history.tag !== null && (
                <button type="button" className="button small" data-testid="show-repository-tags" onClick={() => showPanel({ kind: 'tags', repository, tag: null })}>
                  All tags of {repository}
                </button>
              )}
            </div>
            {history.changes.length === 0 ? (
              <p className="muted small">The archive holds no push, tag or delete event of this {history.tag === null ? 'repository' : 'tag'}.</p>
            ) : (
              <ol className="timeline" data-testid="tag-changes">
                {history.changes.map((change) => (
                  <ChangeItem key={change.eventId} change={change} testId="tag-change" highlight={overwriteIds.has(change.eventId)} />
                ))}
              </ol>
            )}
          </section>
          <TagMoments repository={repository} accounts={history.accounts} zone={zone} />
        </>
      )}
    </div>
  )
}

function ChangeItem({ change, testId, highlight = false }: { change: TagChange; testId: string; highlight?: boolean }): ReactNode {
  const zone = useZone()
  const activity = change.kind === 'removed' || change.kind === 'moved' ? 'delete' : 'push'
  return (
    <li className={highlight ? 'highlight' : undefined}>
      <button
        type="button"
        className="timeline-item"
        data-testid={testId}
        data-kind={change.kind}
        data-event-id={change.eventId}
        onClick={() => openEvent(change.eventId)}
      >
        <span className="activity-dot" style={{ background: activityColorVar(activity) }} aria-hidden="true" />
        <span className="timeline-head">
          <span className="timeline-time">{formatTableTime(change.at, zone)}</span>
          <span className="role-badge" style={{ color: activityColorVar(activity) }}>
            {change.kind}
          </span>
        </span>
        <span className="timeline-label">{visibleControls(tagChangeText(change))}</span>
        <span className="timeline-meta">
          {change.account} · {visibleControls(change.action)}
        </span>
      </button>
    </li>
  )
}

function TagMoments({ repository, accounts, zone }: { repository: string; accounts: string[]; zone: string }): ReactNode {
  const tagsAt = useInvestigation((state) => state.tagsAt)
  const tagsDiff = useInvestigation((state) => state.tagsDiff)
  const [account, setAccount] = useState('')
  const [at, setAt] = useState(() => toDateTimeLocalValue(Date.now(), zone))
  const [compare, setCompare] = useState('')
  const [state, setState] = useState<RepositoryTagState[] | null>(null)
  const [diff, setDiff] = useState<TagStateDiff | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const atMs = fromDateTimeLocalValue(at, zone)
  const compareMs = fromDateTimeLocalValue(compare, zone)
  const onlyAccount = account === '' ? undefined : account

  const show = async (): Promise<void> => {
    if (atMs === undefined) {
      setProblem('Choose a date and time')
      return
    }
    if (compare.trim() !== '' && compareMs === undefined) {
      setProblem('The second moment is not a date and time')
      return
    }
    setProblem(null)
    setBusy(true)
    const [stateResult, diffResult] = await Promise.all([
      tagsAt(repository, atMs, onlyAccount),
      compareMs === undefined
        ? Promise.resolve(null)
        : tagsDiff(repository, Math.min(atMs, compareMs), Math.max(atMs, compareMs), onlyAccount)
    ])
    setBusy(false)
    if (!stateResult.ok) {
      setProblem(describeError(stateResult.error))
      return
    }
    setState(stateResult.value)
    if (diffResult !== null && !diffResult.ok) setProblem(describeError(diffResult.error))
    setDiff(diffResult !== null && diffResult.ok ? diffResult.value : null)
  }

  return (
    <section className="drawer-section" data-testid="tag-moments">
      <h3>Tags of {repository} at a moment</h3>
      <form
        className="moment-form"
        onSubmit={(event) => {
          event.preventDefault()
          void show()
        }}
      >
        <label className="field compact-field">
          <span className="field-label">At</span>
          <input type="datetime-local" value={at} data-testid="tags-at" onChange={(event) => setAt(event.target.value)} />
        </label>
        <label className="field compact-field">
          <span className="field-label">
            Compare with <span className="muted">(optional)</span>
          </span>
          <input type="datetime-local" value={compare} data-testid="tags-compare" onChange={(event) => setCompare(event.target.value)} />
        </label>
        {accounts.length > 1 && (
          <label className="field compact-field">
            <span className="field-label">Account</span>
            <select value={account} data-testid="tags-account" onChange={(event) => setAccount(event.target.value)}>
              <option value="">Every account</option>
              {accounts.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        )}
        <button type="submit" className="button small primary" data-testid="tags-show" disabled={busy}>
          {busy ? 'Reading…' : compare.trim() === '' ? 'Show tags' : 'Show tags and changes'}
        </button>
      </form>
      <p className="field-hint">Times are in {zone}.</p>
      {problem !== null && (
        <p className="field-error" role="alert" data-testid="tags-problem">
          {problem}
        </p>
      )}
      {state !== null && <TagStateTables states={state} zone={zone} />}
      {diff !== null && <TagDiffList diff={diff} zone={zone} />}
    </section>
  )
}

function TagStateTables({ states, zone }: { states: RepositoryTagState[]; zone: string }): ReactNode {
  if (states.length === 0 || states.every((state) => state.tags.length === 0)) {
    return (
      <p className="muted small" data-testid="tags-state-empty">
        No tag of this repository existed then, as far as the archive knows.
      </p>
    )
  }
  return (
    <div data-testid="tags-state">
      {states.map((state) =>
        state.tags.length === 0 ? (
          <p key={state.account} className="muted small tags-none" data-account={state.account}>
            {state.account} at {formatTableTime(state.at, zone)}: no tags then.
          </p>
        ) : (
        <table key={state.account} className="mini-table" data-account={state.account}>
          <caption>
            {state.account} at {formatTableTime(state.at, zone)}
          </caption>
          <thead>
            <tr>
              <th scope="col">Tag</th>
              <th scope="col">Digest</th>
              <th scope="col">Since</th>
            </tr>
          </thead>
          <tbody>
            {state.tags.map((pointer) => (
              <tr key={pointer.tag} data-testid="tags-state-row" data-tag={pointer.tag}>
                <td className="mono">{pointer.tag}</td>
                <td className="mono" title={pointer.digest ?? undefined}>
                  {pointer.digest === null ? '—' : shortDigest(pointer.digest)}
                </td>
                <td>{formatTableTime(pointer.since, zone)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        )
      )}
    </div>
  )
}

function pointerText(pointer: TagPointer): string {
  return `${pointer.tag} → ${pointer.digest === null ? 'unknown digest' : shortDigest(pointer.digest)}`
}

function TagDiffList({ diff, zone }: { diff: TagStateDiff; zone: string }): ReactNode {
  const changed = diff.accounts.filter((account) => account.added.length + account.removed.length + account.moved.length > 0)
  return (
    <div className="tag-diff" data-testid="tags-diff">
      <h4>
        Between {formatTableTime(diff.from, zone)} and {formatTableTime(diff.to, zone)}
      </h4>
      {changed.length === 0 ? (
        <p className="muted small" data-testid="tags-diff-empty">
          No tag changed.
        </p>
      ) : (
        changed.map((account) => (
          <ul key={account.account} className="plain-list small diff-list" data-account={account.account}>
            {account.added.map((pointer) => (
              <li key={`a-${pointer.tag}`} className="diff-added" data-testid="diff-added" data-tag={pointer.tag}>
                + {pointerText(pointer)} <span className="muted">({account.account})</span>
              </li>
            ))}
            {account.moved.map((move) => (
              <li key={`m-${move.tag}`} className="diff-moved" data-testid="diff-moved" data-tag={move.tag}>
                ~ {move.tag}: {move.from.digest === null ? '?' : shortDigest(move.from.digest)} →{' '}
                {move.to.digest === null ? '?' : shortDigest(move.to.digest)}
                <span className="muted">
                  {' '}
                  ({account.account}
                  {move.to.actor !== null ? `, by ${move.to.actor}` : ''})
                </span>
              </li>
            ))}
            {account.removed.map((pointer) => (
              <li key={`r-${pointer.tag}`} className="diff-removed" data-testid="diff-removed" data-tag={pointer.tag}>
                − {pointerText(pointer)}
                <span className="muted">
                  {' '}
                  ({account.account}
                  {pointer.removedBy?.actor ? `, by ${pointer.removedBy.actor}` : ''})
                </span>
              </li>
            ))}
          </ul>
        ))
      )}
    </div>
  )
}

// ---------------------------------------------------------------------------------------------
// The deletion explainer

function DeletionView({ view }: { view: Extract<InvestigationView, { kind: 'deletion' }> }): ReactNode {
  const load = useInvestigation((state) => state.load)
  const status = useViewStatus(viewKey(view))
  const report = useInvestigation((state) => state.deletion)
  const target = view.target
  const key = 'digest' in target ? target.digest : `${target.repository}\u0000${target.tag}`
  useEffect(() => {
    void load(view)
    // The key stands for the view: a new object for the same target does not reload.
  }, [key, load])
  const subject = 'digest' in target ? `digest ${shortDigest(target.digest)}` : `${target.repository}:${target.tag}`

  return (
    <div className="drawer-body" data-testid="deletion-view" data-status={status}>
      <section className="drawer-section">
        <p className="muted small">
          Each recorded deletion of <strong className="mono">{subject}</strong>, newest first, with the candidate causes ranked by
          their evidence.
        </p>
      </section>
      <LoadState status={status} />
      {status === 'ready' && report !== null && (
        <>
          {report.deletions.length === 0 && (
            <p className="drawer-empty" data-testid="deletion-none">
              The archive records no deletion of it.
            </p>
          )}
          {report.deletions.map((explanation) => (
            <DeletionItem key={explanation.deletion.id} explanation={explanation} />
          ))}
          {report.notes.length > 0 && (
            <section className="drawer-section">
              <h3>Notes</h3>
              <ul className="plain-list small" data-testid="deletion-notes">
                {report.notes.map((note) => (
                  <li key={note}>{visibleControls(note)}</li>
                ))}
              </ul>
            </section>
          )}
        </>
      )}
    </div>
  )
}

function DeletionItem({ explanation }: { explanation: DeletionExplanation }): ReactNode {
  const zone = useZone()
  const { deletion } = explanation
  return (
    <section className="drawer-section deletion" data-testid="deletion" data-event-id={deletion.id}>
      <h3>
        {explanation.scope === 'tag' ? 'Tag deleted' : explanation.scope === 'manifest' ? 'Manifest deleted' : 'Repository deleted'} ·{' '}
        {formatTableTime(deletion.occurred_at, zone)}
      </h3>
      <button type="button" className="link-button deletion-event" data-testid="deletion-event" onClick={() => openEvent(deletion.id)}>
        {visibleControls(deletion.label)}
      </button>
      <p className="muted small">
        {deletion.account} · by {visibleControls(deletion.actor ?? 'an unknown actor')}
        {deletion.client_ip !== null ? ` from ${deletion.client_ip}` : ''}
        {explanation.digest !== null ? ` · pointed at ${shortDigest(explanation.digest)}` : ''}
      </p>
      <ol className="cause-list" data-testid="causes">
        {explanation.causes.map((cause) => (
          <li key={cause.kind} className="cause" data-testid="cause" data-kind={cause.kind} data-rank={cause.rank}>
            <div className="cause-head">
              <span className="cause-rank">#{cause.rank}</span>
              <strong>{deletionCauseLabel(cause.kind)}</strong>
              <span className="spacer" />
              <span className="score" title="How strongly the evidence points here (a weight, not a probability)">
                <span className="score-bar" aria-hidden="true">
                  <span style={{ width: `${scorePercent(cause.score)}%` }} />
                </span>
                <span className="score-text">{scoreStrength(cause.score)} evidence</span>
              </span>
            </div>
            <p className="cause-summary">{visibleControls(cause.summary)}</p>
            <ul className="evidence-list">
              {cause.evidence.map((item) => (
                <li key={`${item.eventId}\u0000${item.text}`} data-testid="evidence">
                  <button type="button" className="link-button" data-event-id={item.eventId} onClick={() => openEvent(item.eventId)}>
                    {visibleControls(item.text)}
                  </button>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
      <h4>
        {visibleControls(deletion.actor ?? 'The actor')}’s hour around it ({formatCount(explanation.actorActivity.length)}
        {explanation.actorActivityTruncated ? '+' : ''} {explanation.actorActivity.length === 1 ? 'event' : 'events'})
      </h4>
      {explanation.actorActivity.length === 0 ? (
        <p className="muted small">Nothing else by the same actor within 30 minutes either side.</p>
      ) : (
        <ol className="timeline" data-testid="actor-activity">
          {explanation.actorActivity.map((event) => (
            <TimelineEvent
              key={event.id}
              event={event}
              badge={event.id === deletion.id ? 'this deletion' : event.activity}
              badgeActivity={event.activity}
              testId="actor-event"
            />
          ))}
        </ol>
      )}
    </section>
  )
}

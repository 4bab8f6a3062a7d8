import { useMemo, type ReactNode } from 'react'
import type { AuditEvent } from '../../../shared/event'
import { formatInstant } from '../../../shared/time'
import { activityColorVar } from '../lib/activity-colors'
import { copyText } from '../lib/clipboard'
import { formatTableTime } from '../lib/date-display'
import { prettyJson, shortDigest } from '../lib/format'
import type { FilterField } from '../lib/view-query'
import { visibleControls } from '../lib/visible-controls'
import { useDrawer } from '../stores/drawer-store'
import { useEvents } from '../stores/events-store'
import { displayZone, useSettings } from '../stores/settings-store'
import { useView } from '../stores/view-store'
import { InvestigateActions } from './investigate-actions'
import { InvestigationPanel, investigationTitle } from './investigation-panel'
import { CopyIcon, FilterIcon } from './value-cell'

interface FieldSpec {
  key: keyof AuditEvent
  label: string
  /** The filter a click on the value adds, where there is one. */
  filter?: FilterField
  mono?: boolean
}

const FIELDS: readonly FieldSpec[] = [
  { key: 'occurred_at', label: 'Date and time' },
  { key: 'label', label: 'Label' },
  { key: 'account', label: 'Account', filter: 'account' },
  { key: 'action', label: 'Action', mono: true },
  { key: 'verb', label: 'Type', filter: 'verb' },
  { key: 'activity', label: 'Activity', filter: 'activity' },
  { key: 'outcome', label: 'Outcome', filter: 'outcome' },
  { key: 'actor', label: 'Initiated by', filter: 'actor' },
  { key: 'actor_kind', label: 'Actor kind' },
  { key: 'namespace', label: 'Namespace' },
  { key: 'repository', label: 'Repository', filter: 'repository' },
  { key: 'tag', label: 'Tag', filter: 'tag', mono: true },
  { key: 'digest', label: 'Digest', filter: 'digest', mono: true },
  { key: 'target', label: 'Target' },
  { key: 'client_ip', label: 'Client IP', mono: true },
  { key: 'user_agent', label: 'User agent' },
  { key: 'source_event_id', label: 'Source event id', mono: true },
  { key: 'id', label: 'Archive id', mono: true }
]

/** The drill-down drawer: every normalised field, the raw record, and the image's related history. */
export function EventDrawer(): ReactNode {
  const status = useDrawer((state) => state.status)
  const event = useDrawer((state) => state.event)
  const close = useDrawer((state) => state.close)
  const panel = useDrawer((state) => state.panel)
  const hidePanel = useDrawer((state) => state.hidePanel)
  if (panel !== null) {
    return (
      <aside className="drawer wide" aria-label={investigationTitle(panel)} data-testid="event-drawer" data-status="panel" data-panel={panel.kind}>
        <header className="drawer-header">
          {status !== 'closed' && (
            <button type="button" className="button small drawer-back" data-testid="drawer-back" onClick={hidePanel}>
              ← Event
            </button>
          )}
          <h2 data-testid="investigation-title">{investigationTitle(panel)}</h2>
          <button type="button" className="icon-button" aria-label="Close (Esc)" data-testid="drawer-close" onClick={close}>
            ×
          </button>
        </header>
        <InvestigationPanel view={panel} />
      </aside>
    )
  }
  if (status === 'closed') return null
  return (
    <aside className="drawer" aria-label="Event details" data-testid="event-drawer" data-status={status}>
      <header className="drawer-header">
        <h2>{event !== null ? visibleControls(event.label) : status === 'loading' ? 'Loading…' : 'Event not available'}</h2>
        <button type="button" className="icon-button" aria-label="Close details (Esc)" data-testid="drawer-close" onClick={close}>
          ×
        </button>
      </header>
      {status === 'error' && <p className="drawer-empty">This event could not be loaded. It may have been removed from the archive.</p>}
      {event !== null && (
        <div className="drawer-body">
          <FieldList event={event} />
          <InvestigateActions event={event} />
          <Related />
          <RawRecord raw={event.raw} />
        </div>
      )}
    </aside>
  )
}

function FieldList({ event }: { event: AuditEvent }): ReactNode {
  const zone = useSettings((state) => displayZone(state.settings))
  const addValue = useView((state) => state.addValue)
  return (
    <section className="drawer-section">
      <dl className="field-list">
        {FIELDS.map((field) => {
          const raw = event[field.key]
          const text = field.key === 'occurred_at' ? formatInstant(event.occurred_at, zone) : raw === null ? null : String(raw)
          const filter = field.filter
          return (
            <div className="field-row" key={field.key} data-testid={`drawer-field-${field.key}`}>
              <dt>{field.label}</dt>
              <dd className={field.mono === true ? 'mono' : undefined}>
                {text === null ? (
                  <span className="muted">—</span>
                ) : filter !== undefined ? (
                  <button
                    type="button"
                    className="value-link"
                    title={`Show only ${filter}: ${text}`}
                    data-testid="drawer-filter-value"
                    data-field={filter}
                    onClick={() => addValue(filter, text)}
                  >
                    {field.key === 'activity' && (
                      <span className="activity-dot" style={{ background: activityColorVar(text) }} aria-hidden="true" />
                    )}
                    {visibleControls(text)}
                    <FilterIcon />
                  </button>
                ) : (
                  <span className="field-text">{visibleControls(text)}</span>
                )}
                {field.key === 'digest' && text !== null && (
                  <button
                    type="button"
                    className="button small inline-action"
                    data-testid="drawer-digest-lineage"
                    title="Every event of this digest, across accounts"
                    onClick={() => useDrawer.getState().showPanel({ kind: 'lineage', digest: text })}
                  >
                    Lineage
                  </button>
                )}
              </dd>
            </div>
          )
        })}
      </dl>
    </section>
  )
}

function RawRecord({ raw }: { raw: string }): ReactNode {
  const pretty = useMemo(() => prettyJson(raw), [raw])
  return (
    <section className="drawer-section">
      <div className="section-head">
        <h3>Raw record</h3>
        <button type="button" className="button small" data-testid="copy-raw" onClick={() => void copyText(pretty, 'raw record')}>
          <CopyIcon /> Copy
        </button>
      </div>
      <pre className="raw-json" data-testid="raw-json" tabIndex={0}>
        {pretty}
      </pre>
    </section>
  )
}

function Related(): ReactNode {
  const related = useDrawer((state) => state.related)
  const current = useDrawer((state) => state.eventId)
  const open = useDrawer((state) => state.open)
  const zone = useSettings((state) => displayZone(state.settings))
  const rows = useEvents((state) => state.rows)
  const select = useEvents((state) => state.select)
  if (related === null) return null
  const subject = [
    related.digest !== null ? `digest ${shortDigest(related.digest)}` : null,
    related.repository !== null && related.tag !== null ? `${related.repository}:${related.tag}` : null
  ].filter((part): part is string => part !== null)
  return (
    <section className="drawer-section" data-testid="related">
      <h3>Related</h3>
      {subject.length === 0 ? (
        <p className="muted small">This event names no image, so it has no related events.</p>
      ) : (
        <>
          <p className="muted small">
            Events with the same {subject.join(' or the same ')}, oldest first
            {related.truncated ? ' (the first ones only)' : ''}.
          </p>
          <ol className="related-list" data-testid="related-list">
            {related.events.map((event) => (
              <li key={event.id} className={event.id === current ? 'current' : undefined}>
                <button
                  type="button"
                  className="related-item"
                  data-testid="related-item"
                  data-event-id={event.id}
                  aria-current={event.id === current ? 'true' : undefined}
                  onClick={() => {
                    const index = rows.findIndex((row) => row.id === event.id)
                    if (index >= 0) select(index)
                    void open(event.id)
                  }}
                >
                  <span className="activity-dot" style={{ background: activityColorVar(event.activity) }} aria-hidden="true" />
                  <span className="related-time">{formatTableTime(event.occurred_at, zone)}</span>
                  <span className="related-label">{visibleControls(event.label)}</span>
                  <span className="related-meta">
                    {event.account} · {event.actor ?? 'unknown actor'} ·{' '}
                    {event.relations.map((relation) => (relation === 'digest' ? 'same digest' : 'same tag')).join(', ')}
                  </span>
                </button>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  )
}

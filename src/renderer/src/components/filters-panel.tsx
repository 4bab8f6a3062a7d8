import { useEffect, useState, type ReactNode } from 'react'
import type { FacetCounts } from '../../../shared/contract'
import type { FacetField } from '../../../shared/query'
import { activityColorVar } from '../lib/activity-colors'
import { fromDateTimeLocalValue, toDateTimeLocalValue } from '../lib/date-display'
import { formatCount } from '../lib/format'
import { TIME_PRESETS } from '../lib/time-range'
import { hasValueFilter } from '../lib/view-query'
import { visibleControls } from '../lib/visible-controls'
import { useEvents } from '../stores/events-store'
import { displayZone, useSettings } from '../stores/settings-store'
import { useView } from '../stores/view-store'

const FACET_SECTIONS: ReadonlyArray<{ field: FacetField; title: string }> = [
  { field: 'activity', title: 'Activity' },
  { field: 'verb', title: 'Type' },
  { field: 'outcome', title: 'Outcome' },
  { field: 'actor', title: 'Initiated by' },
  { field: 'repository', title: 'Repository' },
  { field: 'account', title: 'Account' }
]

/** Rows shown per facet before "Show more". */
const FACET_PREVIEW = 6

/** The filter sidebar: time range, the Exclude pull default, and value counts to click on. */
export function FiltersPanel(): ReactNode {
  const facets = useEvents((state) => state.facets)
  return (
    <aside className="filters" aria-label="Filters" data-testid="filters-panel">
      <TimeFilter />
      <PullFilter />
      <ImageFilter />
      {FACET_SECTIONS.map((section) => (
        <FacetSection key={section.field} field={section.field} title={section.title} facets={facets} />
      ))}
      <ResetFilters />
    </aside>
  )
}

function TimeFilter(): ReactNode {
  const time = useView((state) => state.time)
  const setTime = useView((state) => state.setTime)
  const zone = useSettings((state) => displayZone(state.settings))
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')

  useEffect(() => {
    setFrom(time.kind === 'absolute' && time.from !== undefined ? toDateTimeLocalValue(time.from, zone) : '')
    setTo(time.kind === 'absolute' && time.to !== undefined ? toDateTimeLocalValue(time.to, zone) : '')
  }, [time, zone])

  const applyAbsolute = (nextFrom: string, nextTo: string): void => {
    const fromMs = fromDateTimeLocalValue(nextFrom, zone)
    const toMs = fromDateTimeLocalValue(nextTo, zone)
    if (fromMs === undefined && toMs === undefined) {
      setTime({ kind: 'preset', preset: 'all' })
      return
    }
    if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) return
    setTime({ kind: 'absolute', ...(fromMs !== undefined ? { from: fromMs } : {}), ...(toMs !== undefined ? { to: toMs } : {}) })
  }

  return (
    <section className="filter-section" aria-labelledby="filter-time-title">
      <h3 id="filter-time-title">Time</h3>
      <div className="preset-grid" role="radiogroup" aria-label="Time range">
        {TIME_PRESETS.map((preset) => {
          const checked = time.kind === 'preset' && time.preset === preset.id
          return (
            <button
              key={preset.id}
              type="button"
              role="radio"
              aria-checked={checked}
              className={`chip${checked ? ' selected' : ''}`}
              aria-label={preset.label}
              data-testid={`time-preset-${preset.id}`}
              onClick={() => setTime({ kind: 'preset', preset: preset.id })}
            >
              {preset.short}
            </button>
          )
        })}
      </div>
      <label className="field compact">
        <span className="field-label">From</span>
        <input
          type="datetime-local"
          value={from}
          data-testid="time-from"
          onChange={(event) => setFrom(event.target.value)}
          onBlur={() => applyAbsolute(from, to)}
          onKeyDown={(event) => event.key === 'Enter' && applyAbsolute(from, to)}
        />
      </label>
      <label className="field compact">
        <span className="field-label">To</span>
        <input
          type="datetime-local"
          value={to}
          data-testid="time-to"
          onChange={(event) => setTo(event.target.value)}
          onBlur={() => applyAbsolute(from, to)}
          onKeyDown={(event) => event.key === 'Enter' && applyAbsolute(from, to)}
        />
      </label>
      <p className="field-hint">Times in {zone}</p>
    </section>
  )
}

function PullFilter(): ReactNode {
  const includePull = useView((state) => state.includePull)
  const setIncludePull = useView((state) => state.setIncludePull)
  return (
    <section className="filter-section">
      <label className="checkbox" title="Pull events are usually most of a log; like DTR/MSR, they are left out unless you ask.">
        <input
          type="checkbox"
          checked={!includePull}
          data-testid="exclude-pull"
          onChange={(event) => setIncludePull(!event.target.checked)}
        />
        Exclude pull
      </label>
    </section>
  )
}

/** Tag and digest have too many values to list: they are typed (a digest prefix is enough). */
function ImageFilter(): ReactNode {
  const addValue = useView((state) => state.addValue)
  const [tag, setTag] = useState('')
  const [digest, setDigest] = useState('')
  const submit = (field: 'tag' | 'digest', value: string, clear: (text: string) => void): void => {
    const trimmed = value.trim()
    if (trimmed === '') return
    addValue(field, trimmed)
    clear('')
  }
  return (
    <section className="filter-section" aria-labelledby="filter-image-title">
      <h3 id="filter-image-title">Image</h3>
      <label className="field compact">
        <span className="field-label">Tag</span>
        <input
          value={tag}
          placeholder="latest"
          spellCheck={false}
          data-testid="filter-tag"
          onChange={(event) => setTag(event.target.value)}
          onKeyDown={(event) => event.key === 'Enter' && submit('tag', tag, setTag)}
        />
      </label>
      <label className="field compact">
        <span className="field-label">Digest</span>
        <input
          value={digest}
          placeholder="sha256:4f1c…"
          spellCheck={false}
          data-testid="filter-digest"
          onChange={(event) => setDigest(event.target.value)}
          onKeyDown={(event) => event.key === 'Enter' && submit('digest', digest, setDigest)}
        />
      </label>
      <p className="field-hint">Enter adds it to the filter.</p>
    </section>
  )
}

function FacetSection({ field, title, facets }: { field: FacetField; title: string; facets: FacetCounts | null }): ReactNode {
  const query = useView((state) => state.query)
  const toggleValue = useView((state) => state.toggleValue)
  const [expanded, setExpanded] = useState(false)
  const entries = facets?.[field] ?? []
  // Values the filter selects stay visible even when the facet no longer counts them.
  const selected = ((query[field] as { any?: string[] } | undefined)?.any ?? []).filter(
    (value) => !entries.some((entry) => entry.value === value)
  )
  const all: FacetCounts[FacetField] = [...entries, ...selected.map((value) => ({ value, count: 0 }))]
  const shown = expanded ? all : all.slice(0, FACET_PREVIEW)
  // A facet with nothing to choose from is noise (an empty archive, a filter that matches nothing).
  if (all.length === 0) return null
  return (
    <section className="filter-section" aria-label={title} data-testid={`facet-${field}`}>
      <h3>{title}</h3>
      <ul className="facet-list">
        {shown.map((entry) => {
          const checked = hasValueFilter(query, field, entry.value)
          return (
            <li key={entry.value}>
              <label className="facet-row" title={visibleControls(entry.value)}>
                <input
                  type="checkbox"
                  checked={checked}
                  data-testid={`facet-${field}-option`}
                  data-value={entry.value}
                  onChange={() => toggleValue(field, entry.value)}
                />
                {field === 'activity' && (
                  <span className="swatch" style={{ background: activityColorVar(entry.value) }} aria-hidden="true" />
                )}
                <span className="facet-value">{visibleControls(entry.value)}</span>
                <span className="facet-count" title={entry.approximate === true ? 'estimated from a sample of the matching events' : undefined}>
                  {entry.approximate === true ? `≈${formatCount(entry.count)}` : formatCount(entry.count)}
                </span>
              </label>
            </li>
          )
        })}
      </ul>
      {all.length > FACET_PREVIEW && (
        <button type="button" className="link-button small" onClick={() => setExpanded(!expanded)}>
          {expanded ? 'Show fewer' : `Show all ${all.length}`}
        </button>
      )}
    </section>
  )
}

function ResetFilters(): ReactNode {
  const reset = useView((state) => state.reset)
  return (
    <section className="filter-section">
      <button type="button" className="button small" data-testid="reset-filters" onClick={reset}>
        Clear all filters
      </button>
    </section>
  )
}

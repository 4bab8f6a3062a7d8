/**
 * The time filter: a preset relative to now, or an absolute from/to chosen by the user (or by
 * dragging across the histogram). Presets are resolved against the clock each time a query is
 * sent, so "last hour" stays the last hour while the window is open.
 */

export const TIME_PRESETS = [
  { id: '1h', label: 'Last hour', short: '1 h', ms: 60 * 60 * 1000 },
  { id: '24h', label: 'Last 24 hours', short: '24 h', ms: 24 * 60 * 60 * 1000 },
  { id: '7d', label: 'Last 7 days', short: '7 d', ms: 7 * 24 * 60 * 60 * 1000 },
  { id: '30d', label: 'Last 30 days', short: '30 d', ms: 30 * 24 * 60 * 60 * 1000 },
  { id: '90d', label: 'Last 90 days', short: '90 d', ms: 90 * 24 * 60 * 60 * 1000 },
  { id: 'all', label: 'All time', short: 'All', ms: null }
] as const

export type TimePresetId = (typeof TIME_PRESETS)[number]['id']

export type TimeRange =
  | { kind: 'preset'; preset: TimePresetId }
  | {
      kind: 'absolute'
      /** Inclusive, ms since the epoch; absent means unbounded. */
      from?: number
      /** Exclusive, ms since the epoch; absent means unbounded. */
      to?: number
    }

export const DEFAULT_TIME_RANGE: TimeRange = { kind: 'preset', preset: 'all' }

export function isTimePresetId(value: string): value is TimePresetId {
  return TIME_PRESETS.some((preset) => preset.id === value)
}

/** The query bounds for a range at `now`. */
export function resolveTimeRange(range: TimeRange, now: number): { since?: number; until?: number } {
  if (range.kind === 'absolute') {
    const bounds: { since?: number; until?: number } = {}
    if (range.from !== undefined) bounds.since = range.from
    if (range.to !== undefined) bounds.until = range.to
    return bounds
  }
  const preset = TIME_PRESETS.find((candidate) => candidate.id === range.preset)
  if (preset === undefined || preset.ms === null) return {}
  return { since: now - preset.ms }
}

export function timeRangesEqual(a: TimeRange, b: TimeRange): boolean {
  if (a.kind === 'preset' && b.kind === 'preset') return a.preset === b.preset
  if (a.kind === 'absolute' && b.kind === 'absolute') return a.from === b.from && a.to === b.to
  return false
}

import type { AuditEvent } from '../../shared/event'
import { displayWidth, inertText, padToWidth, truncateToWidth } from './terminal-text'

/**
 * The `events` table: one line per event, fitted to the terminal's width. Columns that carry long
 * free text give up width first; when even their minimum widths do not fit, the least useful
 * columns are left out rather than wrapping lines, so each event stays on one line.
 */

interface Column {
  key: string
  header: string
  /** Narrowest useful width; a column is dropped rather than made narrower than this. */
  min: number
  /** Widest it grows to, however long its values. */
  max: number
  value: (event: AuditEvent) => string
}

/** The columns that give up width once the label is gone. */
const SHRINK_ORDER = ['repository', 'actor', 'tag', 'account', 'activity', 'time']
/** The order in which columns are left out when even their minimum widths do not fit. */
const DROP_ORDER = ['digest', 'tag', 'activity', 'account', 'actor', 'repository', 'verb']

const GAP = '  '

export interface EventTableOptions {
  /** Terminal width in columns. */
  width: number
  /** Formats `occurred_at` for display. */
  formatTime: (ms: number) => string
  /** The zone the times are shown in, named in the header. */
  timeZone: string
}

/** Twelve hex digits, as `docker images` shows image ids; the full digest is in `show`. */
export function shortDigest(digest: string | null): string {
  if (digest === null) return ''
  const colon = digest.indexOf(':')
  return digest.slice(colon + 1, colon + 13)
}

function columns(options: EventTableOptions): Column[] {
  const text = (pick: (e: AuditEvent) => string | null) => (e: AuditEvent) => pick(e) ?? ''
  return [
    {
      key: 'time',
      header: `TIME (${options.timeZone})`,
      min: 19,
      max: 25,
      value: (e) => options.formatTime(e.occurred_at)
    },
    { key: 'account', header: 'ACCOUNT', min: 6, max: 20, value: text((e) => e.account) },
    { key: 'verb', header: 'VERB', min: 6, max: 6, value: text((e) => e.verb) },
    { key: 'activity', header: 'ACTIVITY', min: 8, max: 12, value: text((e) => e.activity) },
    { key: 'actor', header: 'ACTOR', min: 8, max: 24, value: text((e) => e.actor) },
    { key: 'repository', header: 'REPOSITORY', min: 12, max: 40, value: text((e) => e.repository) },
    { key: 'tag', header: 'TAG', min: 6, max: 20, value: text((e) => e.tag) },
    { key: 'digest', header: 'DIGEST', min: 12, max: 12, value: (e) => shortDigest(e.digest) },
    { key: 'label', header: 'LABEL', min: 20, max: 200, value: text((e) => e.label) }
  ]
}

export interface EventTableLayout {
  header: string
  line(event: AuditEvent): string
}

/**
 * Sizes the columns from a sample of the rows (the first page) and returns a renderer for any
 * number of rows in that layout, so a long listing streams with flat memory. Values are made
 * inert first, so an escape sequence in a repository name prints as `\x1b[...`.
 */
export function planEventTable(sample: readonly AuditEvent[], options: EventTableOptions): EventTableLayout {
  const all = columns(options)
  const cells = sample.map((event) => all.map((col) => inertText(col.value(event))))
  const widths = fitWidths(
    all.map((col, i) => ({
      key: col.key,
      min: col.min,
      width: Math.min(
        col.max,
        Math.max(col.min, displayWidth(col.header), ...cells.map((row) => displayWidth(row[i] ?? '')))
      )
    })),
    options.width
  )
  const cols = widths.flatMap((w) => {
    const col = all.find((c) => c.key === w.key)
    return col === undefined ? [] : [{ col, width: w.width }]
  })
  const line = (values: string[]): string =>
    values
      .map((value, j) => {
        const width = cols[j]?.width ?? 0
        const cut = truncateToWidth(value, width)
        return padToWidth(cut, width)
      })
      .join(GAP)
      // Empty trailing cells would leave spaces at the end of the line.
      .trimEnd()
  return {
    header: line(cols.map(({ col }) => col.header)),
    line: (event) => line(cols.map(({ col }) => inertText(col.value(event))))
  }
}

/** The whole table for `events` (header first), each line at most `options.width` columns. */
export function renderEventTable(events: readonly AuditEvent[], options: EventTableOptions): string[] {
  const layout = planEventTable(events, options)
  return [layout.header, ...events.map((event) => layout.line(event))]
}

interface ColumnWidth {
  key: string
  min: number
  width: number
}

/**
 * Fits the columns into `total`: first the label gives up width (down to its minimum); if that
 * is not enough the label goes (`show` has it) rather than cutting the columns that identify an
 * event; then those shrink, least useful first, and columns are left out while even their
 * minimum widths do not fit.
 */
export function fitWidths(widths: ColumnWidth[], total: number): ColumnWidth[] {
  const lineWidth = (cols: ColumnWidth[], pick: (c: ColumnWidth) => number) =>
    cols.reduce((sum, c) => sum + pick(c), 0) + GAP.length * (cols.length - 1)
  /** Takes the excess from the `keys` columns, each in proportion to the room it has above its minimum. */
  const shrink = (cols: ColumnWidth[], keys: readonly string[]): ColumnWidth[] => {
    const out = cols.map((c) => ({ ...c }))
    const flexible = out.filter((c) => keys.includes(c.key) && c.width > c.min)
    let excess = lineWidth(out, (c) => c.width) - total
    const room = flexible.reduce((sum, c) => sum + c.width - c.min, 0)
    if (excess <= 0 || room === 0) return out
    const share = Math.min(1, excess / room)
    for (const col of flexible) {
      const cut = Math.min(col.width - col.min, Math.ceil((col.width - col.min) * share), excess)
      col.width -= cut
      excess -= cut
    }
    return out
  }

  const withLabel = shrink(widths, ['label'])
  if (lineWidth(withLabel, (c) => c.width) <= total) return withLabel

  let cols = widths.filter((c) => c.key !== 'label')
  for (const key of DROP_ORDER) {
    if (lineWidth(cols, (c) => c.min) <= total) break
    cols = cols.filter((c) => c.key !== key)
  }
  cols = shrink(cols, SHRINK_ORDER)
  // A terminal narrower than the time itself: cut the last column rather than overflow.
  const excess = lineWidth(cols, (c) => c.width) - total
  const last = cols[cols.length - 1]
  if (excess > 0 && last) last.width = Math.max(1, last.width - excess)
  return cols
}

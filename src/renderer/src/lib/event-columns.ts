import type { SortKey } from '../../../shared/query'

/**
 * The events table's columns. Each column's id is the archive's sort key, so a click on a header
 * becomes an ORDER BY in SQL and never a sort of the rows already loaded.
 */
export interface EventColumn {
  id: SortKey
  /** Header text (the date column adds the time zone to it). */
  label: string
  /** Default width in pixels. */
  size: number
  minSize: number
  /** Hidden until the user turns it on in the column chooser. */
  hiddenByDefault?: boolean
}

export const EVENT_COLUMNS: readonly EventColumn[] = [
  { id: 'occurred_at', label: 'Date and time', size: 178, minSize: 110 },
  { id: 'label', label: 'Label', size: 220, minSize: 120 },
  { id: 'account', label: 'Account', size: 104, minSize: 70 },
  { id: 'repository', label: 'Repository', size: 166, minSize: 90 },
  { id: 'tag', label: 'Tag', size: 96, minSize: 60 },
  { id: 'digest', label: 'Digest', size: 112, minSize: 80 },
  { id: 'verb', label: 'Type', size: 80, minSize: 60 },
  { id: 'activity', label: 'Activity', size: 104, minSize: 70 },
  { id: 'actor', label: 'Initiated by', size: 120, minSize: 80 },
  { id: 'outcome', label: 'Outcome', size: 82, minSize: 70 },
  { id: 'client_ip', label: 'Client IP', size: 120, minSize: 80, hiddenByDefault: true }
]

export type ColumnVisibility = Partial<Record<SortKey, boolean>>
export type ColumnSizes = Partial<Record<SortKey, number>>

export interface ColumnPreferences {
  visibility: ColumnVisibility
  sizes: ColumnSizes
}

export const COLUMN_PREFERENCES_KEY = 'registry-audit:columns'

export function defaultColumnPreferences(): ColumnPreferences {
  const visibility: ColumnVisibility = {}
  for (const column of EVENT_COLUMNS) if (column.hiddenByDefault === true) visibility[column.id] = false
  return { visibility, sizes: {} }
}

/**
 * Reads remembered column choices, keeping only known columns and sane widths, so a stale or
 * hand-edited entry can never break the table.
 */
export function parseColumnPreferences(text: string | null): ColumnPreferences {
  const fallback = defaultColumnPreferences()
  if (text === null) return fallback
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return fallback
  }
  if (typeof parsed !== 'object' || parsed === null) return fallback
  const record = parsed as { visibility?: unknown; sizes?: unknown }
  const result: ColumnPreferences = { visibility: { ...fallback.visibility }, sizes: {} }
  for (const column of EVENT_COLUMNS) {
    const visible = (record.visibility as Record<string, unknown> | undefined)?.[column.id]
    if (typeof visible === 'boolean') result.visibility[column.id] = visible
    const size = (record.sizes as Record<string, unknown> | undefined)?.[column.id]
    if (typeof size === 'number' && Number.isFinite(size) && size >= column.minSize && size <= 2000) {
      result.sizes[column.id] = Math.round(size)
    }
  }
  // The table always keeps at least one column.
  if (EVENT_COLUMNS.every((column) => result.visibility[column.id] === false)) {
    result.visibility.occurred_at = true
  }
  return result
}

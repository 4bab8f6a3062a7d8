import type { ReactNode } from 'react'
import { copyText } from '../lib/clipboard'
import type { FilterField } from '../lib/view-query'
import { visibleControls } from '../lib/visible-controls'
import { useDrawer } from '../stores/drawer-store'
import { useView } from '../stores/view-store'

interface ValueCellProps {
  field: FilterField
  value: string | null
  /** What to show instead of the value (a short digest). */
  display?: string
  /** Offer a copy button (digests). */
  copyable?: boolean
  className?: string
}

/**
 * A value the user can filter on: its filter button (shown on hover and for the selected row)
 * adds `field:value` to the view. Source strings are always rendered as text.
 */
export function ValueCell({ field, value, display, copyable = false, className }: ValueCellProps): ReactNode {
  const addValue = useView((state) => state.addValue)
  if (value === null || value === '') return <span className="cell-empty">—</span>
  return (
    <span className={`cell-value${className !== undefined ? ` ${className}` : ''}`}>
      <span className="cell-text" title={visibleControls(value)}>
        {visibleControls(display ?? value)}
      </span>
      <span className="cell-actions">
        {field === 'digest' && (
          <button
            type="button"
            className="cell-action"
            tabIndex={-1}
            aria-label={`Lineage of digest ${value}`}
            title="Digest lineage: every event of this image"
            data-testid="cell-lineage"
            onClick={(event) => {
              event.stopPropagation()
              useDrawer.getState().showPanel({ kind: 'lineage', digest: value })
            }}
          >
            <LineageIcon />
          </button>
        )}
        {copyable && (
          <button
            type="button"
            className="cell-action"
            tabIndex={-1}
            aria-label={`Copy ${field} ${value}`}
            title={`Copy ${value}`}
            data-testid="cell-copy"
            onClick={(event) => {
              event.stopPropagation()
              void copyText(value, field)
            }}
          >
            <CopyIcon />
          </button>
        )}
        <button
          type="button"
          className="cell-action"
          tabIndex={-1}
          aria-label={`Filter by ${field} ${value}`}
          title={`Show only ${field}: ${value}`}
          data-testid="cell-filter"
          data-field={field}
          onClick={(event) => {
            event.stopPropagation()
            addValue(field, value)
          }}
        >
          <FilterIcon />
        </button>
      </span>
    </span>
  )
}

export function FilterIcon(): ReactNode {
  return (
    <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
      <path d="M2 3h12l-4.5 5.5V13l-3-1.5v-3z" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinejoin="round" />
    </svg>
  )
}

export function CopyIcon(): ReactNode {
  return (
    <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
      <rect x="5" y="5" width="8.5" height="8.5" rx="1.5" fill="none" stroke="currentColor" strokeWidth="1.4" />
      <path d="M3 10.5V3.5A1 1 0 0 1 4 2.5h7" fill="none" stroke="currentColor" strokeWidth="1.4" />
    </svg>
  )
}

export function LineageIcon(): ReactNode {
  return (
    <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
      <circle cx="4" cy="3.5" r="1.6" fill="none" stroke="currentColor" strokeWidth="1.4" />
      <circle cx="4" cy="12.5" r="1.6" fill="none" stroke="currentColor" strokeWidth="1.4" />
      <circle cx="12" cy="8" r="1.6" fill="none" stroke="currentColor" strokeWidth="1.4" />
      <path d="M4 5.1v5.8M5.4 4.3 10.6 7.2" fill="none" stroke="currentColor" strokeWidth="1.4" />
    </svg>
  )
}

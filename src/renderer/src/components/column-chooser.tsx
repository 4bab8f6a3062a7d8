import type { ReactNode } from 'react'
import { defaultColumnPreferences, EVENT_COLUMNS } from '../lib/event-columns'
import { useSettings } from '../stores/settings-store'
import { Modal } from './modal'

/** Which columns the table shows; the choice is remembered in this window's storage. */
export function ColumnChooser({ onClose }: { onClose: () => void }): ReactNode {
  const visibility = useSettings((state) => state.columns.visibility)
  const setVisibility = useSettings((state) => state.setColumnVisibility)
  const setSizes = useSettings((state) => state.setColumnSizes)
  const visibleCount = EVENT_COLUMNS.filter((column) => visibility[column.id] !== false).length
  return (
    <Modal
      title="Columns"
      onClose={onClose}
      testId="column-chooser"
      width={360}
      footer={
        <>
          <button
            type="button"
            className="button small"
            onClick={() => {
              const defaults = defaultColumnPreferences()
              setVisibility(defaults.visibility)
              setSizes(defaults.sizes)
            }}
          >
            Reset to defaults
          </button>
          <span className="spacer" />
          <button type="button" className="button primary" onClick={onClose}>
            Done
          </button>
        </>
      }
    >
      <ul className="column-list">
        {EVENT_COLUMNS.map((column) => {
          const visible = visibility[column.id] !== false
          return (
            <li key={column.id}>
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={visible}
                  // The table keeps at least one column.
                  disabled={visible && visibleCount === 1}
                  data-testid={`column-toggle-${column.id}`}
                  onChange={(event) => setVisibility({ ...visibility, [column.id]: event.target.checked })}
                />
                {column.label}
              </label>
            </li>
          )
        })}
      </ul>
      <p className="muted small">Drag a column's right edge to resize it; double-click the edge to reset its width.</p>
    </Modal>
  )
}

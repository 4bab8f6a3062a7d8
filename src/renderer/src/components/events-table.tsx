import {
  columnResizingFeature,
  columnSizingFeature,
  columnVisibilityFeature,
  rowSortingFeature,
  tableFeatures,
  useTable,
  type ColumnDef,
  type ColumnSizingState,
  type SortingState,
  type Updater
} from '@tanstack/react-table'
import { useVirtualizer } from '@tanstack/react-virtual'
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import type { AuditEvent } from '../../../shared/event'
import type { SortKey } from '../../../shared/query'
import { activityColorVar } from '../lib/activity-colors'
import { formatTableTime } from '../lib/date-display'
import { EVENT_COLUMNS, type ColumnSizes } from '../lib/event-columns'
import { shortDigest } from '../lib/format'
import { visibleControls } from '../lib/visible-controls'
import { useDrawer } from '../stores/drawer-store'
import { useEvents } from '../stores/events-store'
import { displayZone, useSettings } from '../stores/settings-store'
import { useView } from '../stores/view-store'
import { ValueCell } from './value-cell'

const features = tableFeatures({ rowSortingFeature, columnSizingFeature, columnResizingFeature, columnVisibilityFeature })

export const ROW_HEIGHT = 30
/** Start fetching the next page when the viewport is this many rows from the end of what is loaded. */
const PREFETCH_ROWS = 60

function TimeCell({ ms }: { ms: number }): ReactNode {
  const zone = useSettings((state) => displayZone(state.settings))
  return <span className="cell-time">{formatTableTime(ms, zone)}</span>
}

function DateHeader(): ReactNode {
  const zone = useSettings((state) => displayZone(state.settings))
  return (
    <>
      Date and time <span className="header-zone">({zone})</span>
    </>
  )
}

function cellFor(id: SortKey, event: AuditEvent): ReactNode {
  switch (id) {
    case 'occurred_at':
      return <TimeCell ms={event.occurred_at} />
    case 'label':
      return (
        <span className="cell-text" title={visibleControls(event.label)}>
          {visibleControls(event.label)}
        </span>
      )
    case 'digest':
      return (
        <ValueCell
          field="digest"
          value={event.digest}
          display={event.digest !== null ? shortDigest(event.digest) : undefined}
          copyable
          className="mono"
        />
      )
    case 'activity':
      return (
        <span className="cell-value">
          <span className="activity-dot" style={{ background: activityColorVar(event.activity) }} aria-hidden="true" />
          <ValueCell field="activity" value={event.activity} />
        </span>
      )
    case 'outcome':
      return <ValueCell field="outcome" value={event.outcome} className={`outcome-${event.outcome}`} />
    case 'client_ip':
      return (
        <span className="cell-text mono" title={event.client_ip ?? ''}>
          {event.client_ip ?? '—'}
        </span>
      )
    case 'verb':
      return <ValueCell field="verb" value={event.verb} className="verb" />
    case 'account':
    case 'repository':
    case 'tag':
    case 'actor':
      return <ValueCell field={id} value={event[id]} className={id === 'tag' ? 'mono' : undefined} />
  }
}

const columns: Array<ColumnDef<typeof features, AuditEvent, unknown>> = EVENT_COLUMNS.map((column) => ({
  id: column.id,
  accessorFn: (event: AuditEvent) => event[column.id],
  header: column.id === 'occurred_at' ? () => <DateHeader /> : column.label,
  cell: (context: { row: { original: AuditEvent } }) => cellFor(column.id, context.row.original),
  size: column.size,
  minSize: column.minSize,
  maxSize: 1200,
  // The newest event first is what an investigation wants; text columns start A→Z.
  sortDescFirst: column.id === 'occurred_at'
})) as Array<ColumnDef<typeof features, AuditEvent, unknown>>

function resolve<T>(updater: Updater<T>, previous: T): T {
  return typeof updater === 'function' ? (updater as (old: T) => T)(previous) : updater
}

/**
 * The events grid: TanStack Table in server-side mode (sorting is an ORDER BY in the core), rows
 * virtualised with TanStack Virtual, pages fetched by keyset cursor as the user scrolls.
 */
export function EventsTable(): ReactNode {
  const rows = useEvents((state) => state.rows)
  const status = useEvents((state) => state.status)
  const selected = useEvents((state) => state.selected)
  const hasMore = useEvents((state) => state.nextCursor !== null)
  const loadingMore = useEvents((state) => state.loadingMore)
  const count = useEvents((state) => state.count)
  const select = useEvents((state) => state.select)
  const loadMore = useEvents((state) => state.loadMore)
  const setScrolledAway = useEvents((state) => state.setScrolledAway)
  const sort = useView((state) => state.sort)
  const setSort = useView((state) => state.setSort)
  const visibility = useSettings((state) => state.columns.visibility)
  const savedSizes = useSettings((state) => state.columns.sizes)
  const setColumnVisibility = useSettings((state) => state.setColumnVisibility)
  const setColumnSizes = useSettings((state) => state.setColumnSizes)
  const openDrawer = useDrawer((state) => state.open)
  const drawerId = useDrawer((state) => state.eventId)
  const [sizes, setSizes] = useState<ColumnSizingState>(savedSizes as ColumnSizingState)
  const scrollRef = useRef<HTMLDivElement>(null)

  const sorting = useMemo<SortingState>(() => [{ id: sort.key, desc: sort.dir === 'desc' }], [sort])

  const table = useTable({
    features,
    columns,
    data: rows,
    getRowId: (event) => String(event.id),
    manualSorting: true,
    enableSortingRemoval: false,
    enableMultiSort: false,
    columnResizeMode: 'onChange',
    state: { sorting, columnVisibility: visibility, columnSizing: sizes },
    onSortingChange: (updater) => {
      const next = resolve(updater, sorting)[0]
      if (next !== undefined) setSort({ key: next.id as SortKey, dir: next.desc ? 'desc' : 'asc' })
    },
    onColumnVisibilityChange: (updater) => setColumnVisibility(resolve(updater, visibility)),
    onColumnSizingChange: (updater) => setSizes((previous) => resolve(updater, previous))
  })

  // "Reset to defaults" in the column chooser replaces the remembered widths.
  useEffect(() => setSizes(savedSizes as ColumnSizingState), [savedSizes])

  // Widths are remembered once a drag settles, not on every pixel of it.
  useEffect(() => {
    const timer = window.setTimeout(() => setColumnSizes(sizes as ColumnSizes), 400)
    return () => window.clearTimeout(timer)
  }, [sizes, setColumnSizes])

  const tableRows = table.getRowModel().rows
  const virtualizer = useVirtualizer({
    count: tableRows.length + (hasMore ? 1 : 0),
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 15
  })
  const virtualItems = virtualizer.getVirtualItems()
  const lastIndex = virtualItems[virtualItems.length - 1]?.index ?? 0

  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= tableRows.length - PREFETCH_ROWS) void loadMore()
  }, [hasMore, loadingMore, lastIndex, tableRows.length, loadMore])

  useEffect(() => {
    if (selected >= 0) virtualizer.scrollToIndex(selected, { align: 'auto' })
  }, [selected, virtualizer])

  // A new view starts at the top.
  const generation = useEvents((state) => state.generation)
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 })
  }, [generation])

  const totalWidth = table.getTotalSize()
  const headers = table.getHeaderGroups()[0]?.headers ?? []
  const selectedRow = selected >= 0 ? rows[selected] : undefined

  return (
    <div
      ref={scrollRef}
      className="grid-scroll"
      role="grid"
      aria-label="Audit events"
      aria-rowcount={count?.exact === true ? count.count + 1 : -1}
      aria-colcount={headers.length}
      aria-busy={status === 'loading'}
      aria-activedescendant={selectedRow !== undefined ? `event-row-${selectedRow.id}` : undefined}
      tabIndex={0}
      data-testid="events-grid"
      data-status={status}
      data-rows-loaded={rows.length}
      data-generation={generation}
      onScroll={(event) => setScrolledAway(event.currentTarget.scrollTop > ROW_HEIGHT * 2)}
    >
      <div className="grid-header" role="rowgroup" style={{ width: totalWidth }}>
        <div className="grid-row header-row" role="row" aria-rowindex={1}>
          {headers.map((header, index) => {
            const sorted = header.column.getIsSorted()
            return (
              <div
                key={header.id}
                className="grid-cell header-cell"
                role="columnheader"
                aria-colindex={index + 1}
                aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'}
                style={{ width: header.getSize() }}
                data-testid={`column-header-${header.column.id}`}
              >
                <button
                  type="button"
                  className="header-sort"
                  onClick={header.column.getToggleSortingHandler()}
                  title="Sort by this column"
                >
                  <span className="header-label">
                    <table.FlexRender header={header} />
                  </span>
                  <span className="sort-indicator" aria-hidden="true">
                    {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : ''}
                  </span>
                </button>
                <div
                  className={`resize-handle${header.column.getIsResizing() ? ' resizing' : ''}`}
                  role="separator"
                  aria-orientation="vertical"
                  aria-label={`Resize ${header.column.id}`}
                  data-testid={`resize-${header.column.id}`}
                  onMouseDown={header.getResizeHandler()}
                  onTouchStart={header.getResizeHandler()}
                  onDoubleClick={() => header.column.resetSize()}
                />
              </div>
            )
          })}
        </div>
      </div>
      <div className="grid-body" role="rowgroup" style={{ height: virtualizer.getTotalSize(), width: totalWidth }}>
        {virtualItems.map((item) => {
          const row = tableRows[item.index]
          if (row === undefined) {
            return (
              <div
                key="loader"
                className="grid-row loader-row"
                role="row"
                aria-rowindex={item.index + 2}
                style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT, width: totalWidth }}
                data-testid="loading-more"
              >
                <div role="gridcell" className="grid-cell">
                  Loading more events…
                </div>
              </div>
            )
          }
          const event = row.original
          const isSelected = item.index === selected
          return (
            <div
              key={row.id}
              id={`event-row-${event.id}`}
              className={`grid-row${isSelected ? ' selected' : ''}${drawerId === event.id ? ' open' : ''}`}
              role="row"
              aria-rowindex={item.index + 2}
              aria-selected={isSelected}
              data-testid="event-row"
              data-event-id={event.id}
              data-index={item.index}
              style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT, width: totalWidth }}
              onClick={() => {
                select(item.index)
                void openDrawer(event.id)
              }}
            >
              {row.getVisibleCells().map((cell, index) => (
                <div
                  key={cell.id}
                  className={`grid-cell cell-${cell.column.id}`}
                  role="gridcell"
                  aria-colindex={index + 1}
                  style={{ width: cell.column.getSize() }}
                  data-column={cell.column.id}
                >
                  <table.FlexRender cell={cell} />
                </div>
              ))}
            </div>
          )
        })}
      </div>
    </div>
  )
}

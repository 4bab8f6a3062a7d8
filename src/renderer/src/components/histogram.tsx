import { useEffect, useMemo, useRef, useState, type PointerEvent, type ReactNode } from 'react'
import { ACTIVITY_ORDER, activityColorVar } from '../lib/activity-colors'
import { formatTableTime } from '../lib/date-display'
import { formatCount } from '../lib/format'
import { layoutHistogram, rangeForDrag, timeAtX, type HistogramBucketInput } from '../lib/histogram-layout'
import { useEvents } from '../stores/events-store'
import { displayZone, useSettings } from '../stores/settings-store'
import { useView } from '../stores/view-store'

const HEIGHT = 84
const AXIS = 18

/** Events over time for the current filter, stacked by activity. Drag across it to narrow the time range. */
export function Histogram(): ReactNode {
  const histogram = useEvents((state) => state.histogram)
  const setTime = useView((state) => state.setTime)
  const zone = useSettings((state) => displayZone(state.settings))
  const wrapRef = useRef<HTMLDivElement>(null)
  const [width, setWidth] = useState(0)
  const [drag, setDrag] = useState<{ x1: number; x2: number } | null>(null)
  const [hover, setHover] = useState<number | null>(null)

  useEffect(() => {
    const element = wrapRef.current
    if (element === null) return
    const observer = new ResizeObserver((entries) => setWidth(Math.floor(entries[0]?.contentRect.width ?? 0)))
    observer.observe(element)
    return () => observer.disconnect()
  }, [])

  const buckets = useMemo<HistogramBucketInput[]>(
    () =>
      (histogram?.buckets ?? []).map((bucket) => ({
        start: bucket.start,
        end: bucket.start + (histogram?.bucketMs ?? 0),
        counts: bucket.byActivity as Record<string, number>
      })),
    [histogram]
  )
  const layout = useMemo(() => layoutHistogram(buckets, width, HEIGHT, ACTIVITY_ORDER), [buckets, width])
  const activities = useMemo(() => {
    const present = new Set<string>()
    for (const bucket of buckets) for (const [activity, n] of Object.entries(bucket.counts)) if (n > 0) present.add(activity)
    return ACTIVITY_ORDER.filter((activity) => present.has(activity))
  }, [buckets])

  const localX = (event: PointerEvent): number => {
    const rect = (event.currentTarget as SVGSVGElement).getBoundingClientRect()
    return Math.min(width, Math.max(0, event.clientX - rect.left))
  }

  const onPointerUp = (event: PointerEvent<SVGSVGElement>): void => {
    if (drag === null) return
    const range = rangeForDrag(layout, drag.x1, localX(event), width)
    setDrag(null)
    if (range !== null) setTime({ kind: 'absolute', from: range.from, to: range.to })
  }

  const hovered = hover !== null ? layout.bars[hover] : undefined
  const empty = layout.bars.length === 0 || layout.maxTotal === 0

  return (
    <section className="histogram" aria-label="Events over time" data-testid="histogram">
      <div className="histogram-head">
        <div className="legend" aria-label="Activities">
          {activities.map((activity) => (
            <span key={activity} className="legend-item">
              <span className="swatch" style={{ background: activityColorVar(activity) }} aria-hidden="true" />
              {activity}
            </span>
          ))}
        </div>
        <span className="histogram-readout" aria-live="off">
          {hovered !== undefined
            ? `${formatTableTime(hovered.start, zone)} — ${formatCount(hovered.total)} events`
            : empty
              ? ''
              : 'Drag across the chart to narrow the time range'}
        </span>
      </div>
      <div ref={wrapRef} className="histogram-plot">
        {width > 0 && (
          <svg
            width={width}
            height={HEIGHT + AXIS}
            role="img"
            aria-label={empty ? 'No events in this range' : `Histogram of ${layout.bars.length} time buckets`}
            data-testid="histogram-svg"
            onPointerDown={(event) => {
              if (empty) return
              event.currentTarget.setPointerCapture(event.pointerId)
              const x = localX(event)
              setDrag({ x1: x, x2: x })
            }}
            onPointerMove={(event) => {
              const x = localX(event)
              if (drag !== null) setDrag({ ...drag, x2: x })
              const t = timeAtX(layout, x, width)
              const index = layout.bars.findIndex((bar) => bar.start <= t && t < bar.end)
              setHover(index >= 0 ? index : null)
            }}
            onPointerUp={onPointerUp}
            onPointerLeave={() => setHover(null)}
            onPointerCancel={() => setDrag(null)}
          >
            <line x1={0} x2={width} y1={HEIGHT + 0.5} y2={HEIGHT + 0.5} className="axis-line" />
            {layout.bars.map((bar, index) => (
              <g key={bar.start} className={index === hover ? 'bar hovered' : 'bar'} data-testid="histogram-bar">
                {bar.segments.map((segment) => (
                  <rect
                    key={segment.activity}
                    x={bar.x + (bar.width > 3 ? 0.5 : 0)}
                    width={Math.max(1, bar.width - (bar.width > 3 ? 1 : 0))}
                    y={segment.y}
                    height={Math.max(segment.height, segment.count > 0 ? 1 : 0)}
                    fill={activityColorVar(segment.activity)}
                  />
                ))}
              </g>
            ))}
            {!empty &&
              [0, 0.5, 1].map((fraction) => {
                const t = layout.domainStart + fraction * (layout.domainEnd - layout.domainStart)
                const anchor = fraction === 0 ? 'start' : fraction === 1 ? 'end' : 'middle'
                return (
                  <text key={fraction} x={fraction * width} y={HEIGHT + 13} textAnchor={anchor} className="axis-label">
                    {formatTableTime(t, zone).slice(0, 16)}
                  </text>
                )
              })}
            {empty && (
              <text x={width / 2} y={HEIGHT / 2} textAnchor="middle" className="axis-label">
                No events in this range
              </text>
            )}
            {drag !== null && Math.abs(drag.x2 - drag.x1) > 0 && (
              <rect
                className="drag-selection"
                x={Math.min(drag.x1, drag.x2)}
                width={Math.abs(drag.x2 - drag.x1)}
                y={0}
                height={HEIGHT}
                data-testid="histogram-selection"
              />
            )}
          </svg>
        )}
      </div>
    </section>
  )
}

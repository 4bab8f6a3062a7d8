/**
 * Geometry for the histogram above the table: stacked bars per time bucket, and the mapping from
 * a dragged pixel range back to a time range. Pure, so it is tested without a browser.
 */

export interface HistogramBucketInput {
  /** Inclusive start, ms since the epoch. */
  start: number
  /** Exclusive end, ms since the epoch. */
  end: number
  /** Events per activity in this bucket. */
  counts: Readonly<Record<string, number>>
}

export interface HistogramSegment {
  activity: string
  count: number
  y: number
  height: number
}

export interface HistogramBar {
  start: number
  end: number
  x: number
  width: number
  total: number
  segments: HistogramSegment[]
}

export interface HistogramLayout {
  bars: HistogramBar[]
  maxTotal: number
  domainStart: number
  domainEnd: number
}

/**
 * Lays out buckets across `width` pixels, stacking activities in `order` from the bottom up.
 * Activities not in `order` stack last, so nothing the core reports is dropped.
 */
export function layoutHistogram(
  buckets: readonly HistogramBucketInput[],
  width: number,
  height: number,
  order: readonly string[]
): HistogramLayout {
  const first = buckets[0]
  const last = buckets[buckets.length - 1]
  if (first === undefined || last === undefined || width <= 0 || height <= 0) {
    return { bars: [], maxTotal: 0, domainStart: 0, domainEnd: 0 }
  }
  const domainStart = first.start
  const domainEnd = Math.max(last.end, domainStart + 1)
  const span = domainEnd - domainStart
  const totals = buckets.map((bucket) => Object.values(bucket.counts).reduce((sum, n) => sum + n, 0))
  const maxTotal = Math.max(0, ...totals)
  const bars: HistogramBar[] = buckets.map((bucket, index) => {
    const x = ((bucket.start - domainStart) / span) * width
    const right = ((bucket.end - domainStart) / span) * width
    const total = totals[index] ?? 0
    const keys = [
      ...order.filter((activity) => (bucket.counts[activity] ?? 0) > 0),
      ...Object.keys(bucket.counts)
        .filter((activity) => !order.includes(activity) && (bucket.counts[activity] ?? 0) > 0)
        .sort()
    ]
    let y = height
    const segments: HistogramSegment[] = []
    for (const activity of keys) {
      const count = bucket.counts[activity] ?? 0
      const segmentHeight = maxTotal === 0 ? 0 : (count / maxTotal) * height
      y -= segmentHeight
      segments.push({ activity, count, y, height: segmentHeight })
    }
    return { start: bucket.start, end: bucket.end, x, width: Math.max(0, right - x), total, segments }
  })
  return { bars, maxTotal, domainStart, domainEnd }
}

/** The time at pixel `x` (clamped to the domain). */
export function timeAtX(layout: HistogramLayout, x: number, width: number): number {
  if (width <= 0) return layout.domainStart
  const fraction = Math.min(1, Math.max(0, x / width))
  return Math.round(layout.domainStart + fraction * (layout.domainEnd - layout.domainStart))
}

/**
 * The time range a drag from `x1` to `x2` selects, widened to whole buckets so the table shows
 * exactly the bars the user swept over. Null for a drag too short to mean anything (a click).
 */
export function rangeForDrag(
  layout: HistogramLayout,
  x1: number,
  x2: number,
  width: number,
  minPixels = 3
): { from: number; to: number } | null {
  if (Math.abs(x2 - x1) < minPixels || layout.bars.length === 0) return null
  const left = Math.min(x1, x2)
  const right = Math.max(x1, x2)
  const t1 = timeAtX(layout, left, width)
  const t2 = timeAtX(layout, right, width)
  let from = t1
  let to = t2
  for (const bar of layout.bars) {
    if (bar.start <= t1 && t1 < bar.end) from = bar.start
    if (bar.start < t2 && t2 <= bar.end) to = bar.end
  }
  return from < to ? { from, to } : null
}

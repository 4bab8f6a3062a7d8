import { describe, expect, it } from 'vitest'
import { layoutHistogram, rangeForDrag, timeAtX, type HistogramBucketInput } from '../../src/renderer/src/lib/histogram-layout'

const buckets: HistogramBucketInput[] = [
  { start: 0, end: 100, counts: { push: 2, delete: 2 } },
  { start: 100, end: 200, counts: {} },
  { start: 200, end: 300, counts: { push: 8, custom: 0, mystery: 2 } },
  { start: 300, end: 400, counts: { delete: 1 } }
]

describe('histogram layout', () => {
  it('stacks activities bottom-up in the given order, scaled to the tallest bar', () => {
    const layout = layoutHistogram(buckets, 400, 100, ['push', 'delete'])
    expect(layout.maxTotal).toBe(10)
    expect(layout.bars.map((bar) => [bar.x, bar.width, bar.total])).toEqual([
      [0, 100, 4],
      [100, 100, 0],
      [200, 100, 10],
      [300, 100, 1]
    ])
    const first = layout.bars[0]!.segments
    expect(first.map((s) => [s.activity, s.y, s.height])).toEqual([
      ['push', 80, 20],
      ['delete', 60, 20]
    ])
    // An activity outside the order still stacks (after the known ones); zero counts do not.
    expect(layout.bars[2]!.segments.map((s) => s.activity)).toEqual(['push', 'mystery'])
    expect(layout.bars[2]!.segments.at(-1)!.y).toBe(0)
  })

  it('lays out nothing without buckets or width', () => {
    expect(layoutHistogram([], 400, 100, []).bars).toEqual([])
    expect(layoutHistogram(buckets, 0, 100, []).bars).toEqual([])
  })

  it('maps pixels to times and a drag to whole buckets', () => {
    const layout = layoutHistogram(buckets, 400, 100, ['push'])
    expect(timeAtX(layout, 150, 400)).toBe(150)
    expect(timeAtX(layout, -20, 400)).toBe(0)
    expect(timeAtX(layout, 900, 400)).toBe(400)
    expect(rangeForDrag(layout, 250, 120, 400)).toEqual({ from: 100, to: 300 })
    expect(rangeForDrag(layout, 10, 395, 400)).toEqual({ from: 0, to: 400 })
    // A click is not a drag.
    expect(rangeForDrag(layout, 150, 151, 400)).toBeNull()
  })
})

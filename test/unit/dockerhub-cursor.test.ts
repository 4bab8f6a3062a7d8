import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/main/core/errors'
import {
  applyPage,
  isoSecond,
  occurrenceId,
  readDockerHubCursor,
  startRun,
  type DockerHubCursor,
  type DockerHubRun,
  type PageStep
} from '../../src/main/core/sources/dockerhub-cursor'
import { parseRecord, type ParsedRecord } from '../../src/main/core/sources/dockerhub-page'

/** Pure walk arithmetic: run bounds, end rules, occurrence ids across boundaries and resumes, shift checks. */

const T0 = Date.parse('2025-05-12T08:00:00Z')
const rec = (secondsBefore: number, action = 'repo.tag.push', name = 'acme/app'): ParsedRecord =>
  parseRecord({ account: 'acme', action, name, actor: 'alice', timestamp: isoSecond(T0 - secondsBefore * 1000) })

type Running = DockerHubCursor & { run: DockerHubRun }
const fresh = (highWater: number | null = null, overlap = 600): Running => {
  const cursor: DockerHubCursor = { v: 1, highWater }
  return { ...cursor, run: startRun(cursor, T0 + 10_500, overlap) }
}
function page(step: PageStep): Extract<PageStep, { kind: 'page' }> {
  expect(step.kind).toBe('page')
  return step as Extract<PageStep, { kind: 'page' }>
}
/** Round-trips a cursor through JSON, as the archive stores it. */
const stored = (cursor: DockerHubCursor): Running => readDockerHubCursor(JSON.parse(JSON.stringify(cursor))) as Running

describe('docker hub run bounds', () => {
  it('`to` is the last whole second before now; `from` the high-water mark minus the overlap, floored', () => {
    expect(startRun({ v: 1, highWater: null }, T0 + 10_500, 600)).toEqual({
      to: '2025-05-12T08:00:09Z',
      from: null,
      nextPage: 1,
      maxSeen: null,
      fullPageSize: 0,
      boundary: null
    })
    expect(startRun({ v: 1, highWater: T0 + 1_700 }, T0 + 10_500, 600).from).toBe('2025-05-12T07:50:01Z')
  })

  it('reads null as the empty cursor and refuses foreign ones', () => {
    expect(readDockerHubCursor(null)).toEqual({ v: 1, highWater: null })
    expect(() => readDockerHubCursor({ highWater: 'x' }, 'hub')).toThrow(/^hub: the stored sync position is not a Docker Hub cursor/)
    expect(() => readDockerHubCursor({ v: 1, highWater: 1, run: { nextPage: 0 } })).toThrow(AppError)
  })
})

describe('docker hub page steps', () => {
  it('ends on an empty page, or on a page shorter than an earlier one, but not on a short first page', () => {
    let cursor = fresh()
    const first = page(applyPage(cursor, [rec(1), rec(2)]))
    expect(first.done).toBe(false)
    cursor = first.cursor as Running
    expect(cursor.run.fullPageSize).toBe(2)
    const second = page(applyPage(cursor, [rec(3), rec(4)]))
    expect(second.done).toBe(false)
    const third = page(applyPage(second.cursor as Running, [rec(5)]))
    expect(third.done).toBe(true)
    expect(third.cursor).toEqual({ v: 1, highWater: T0 - 1000 })
    expect(page(applyPage(fresh(), [])).done).toBe(true)
  })

  it('an empty first sync keeps the high-water mark null; a later one keeps the old mark', () => {
    expect(page(applyPage(fresh(), [])).cursor).toEqual({ v: 1, highWater: null })
    expect(page(applyPage(fresh(T0 - 50_000), [])).cursor).toEqual({ v: 1, highWater: T0 - 50_000 })
  })

  it('stops at the first record below `from` (a server ignoring it) without yielding it', () => {
    const cursor = fresh(T0 - 100_000, 60) // from = T0 − 160 s
    const step = page(applyPage(cursor, [rec(150), rec(160), rec(161), rec(170)]))
    expect(step.done).toBe(true)
    expect(step.records).toHaveLength(2)
    expect(step.cursor.highWater).toBe(T0 - 100_000)
  })

  it('skips records above `to` (a server ignoring it) and counts them', () => {
    const step = page(applyPage(fresh(), [rec(-20), rec(-10), rec(5), rec(6)]))
    expect(step.aboveTo).toBe(2)
    expect(step.records).toHaveLength(2)
  })

  it('numbers identical copies per second: across a page boundary and through a stored cursor', () => {
    const a = rec(30)
    const b = rec(30, 'repo.tag.delete')
    let cursor = fresh()
    const first = page(applyPage(cursor, [rec(10), a, b, a]))
    expect(first.records.map((r) => r.sourceEventId)).toEqual([rec(10).hash, a.hash, b.hash, occurrenceId(a.hash, 2)])
    cursor = stored(first.cursor)
    expect(cursor.run.boundary?.counts).toEqual({ [a.hash]: 2, [b.hash]: 1 })
    // The next page starts with a copy of a boundary record: ambiguous until the previous page is re-read.
    const ambiguous = applyPage(cursor, [a, rec(40), rec(41), rec(42)])
    expect(ambiguous).toEqual({ kind: 'verify', page: 1, digest: cursor.run.boundary!.pageDigest })
    const second = page(applyPage(cursor, [a, rec(40), rec(41), rec(42)], { verified: true }))
    expect(second.records.map((r) => r.sourceEventId)).toEqual([`${a.hash}#3`, rec(40).hash, rec(41).hash, rec(42).hash])
    // A new second resets the counts: the same content at another time is another event.
    const c = rec(50)
    const third = page(applyPage(stored(second.cursor), [c, c, rec(51), rec(52)]))
    expect(third.records.map((r) => r.sourceEventId).slice(0, 2)).toEqual([c.hash, `${c.hash}#2`])
  })

  it('a different record of the boundary second continues without a re-read', () => {
    const first = page(applyPage(fresh(), [rec(1), rec(2)]))
    const next = applyPage(first.cursor as Running, [rec(2, 'repo.delete'), rec(3)])
    expect(next.kind).toBe('page')
  })

  it('a page starting newer than the boundary means the list shifted', () => {
    const first = page(applyPage(fresh(), [rec(1), rec(2)]))
    expect(applyPage(first.cursor as Running, [rec(1, 'repo.create'), rec(3)])).toEqual({ kind: 'shifted' })
  })

  it('refuses a page that is not newest first', () => {
    expect(() => applyPage(fresh(), [rec(5), rec(4)], { account: 'hub' })).toThrow(
      /^hub: bad response from docker hub: page 1 is not in newest-first order \(record 2 is newer than record 1\)/
    )
  })
})

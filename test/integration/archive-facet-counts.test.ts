import Database from 'better-sqlite3'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Archive } from '../../src/main/core/db/archive'
import { eventHistogram } from '../../src/main/core/db/event-histogram'
import { countSourceFor, facetSource, splitDays } from '../../src/main/core/db/facet-counts'
import { FACET_COUNTS_REBUILD_SQL } from '../../src/main/core/db/migrations/0004-query-performance'
import { ACTIVITIES, OUTCOMES, VERBS } from '../../src/shared/event'
import { FACET_FIELDS, type EventQuery, type FacetField } from '../../src/shared/query'
import { ingestEvent, prng, tempArchivePath, type TempDir } from './archive-fixtures'

/**
 * Facets read from the per-day count tables (migration 4) must equal counts over the events
 * themselves, for any filter the tables serve and any time range (whole days from the tables,
 * partial days from the events), and the tables must stay exact through inserts, updates and
 * deletes of events.
 */

const DAY = 86_400_000
const START = Date.parse('2025-03-01T00:00:00Z')
const ACTORS = ['alice', 'bob', 'carol', 'ci-bot', 'PROMOTION CA5E7822', null] as const
const REPOSITORIES = ['team/app', 'team/api', 'other/web', 'solo', null] as const

interface Row {
  id: number
  account: string
  occurred_at: number
  verb: string
  activity: string
  outcome: string
  actor: string
  repository: string
  account_id: number
}

let temp: TempDir
let archive: Archive
let rows: Row[]

/** Events over ten days, some before 1970 (the day arithmetic must floor them too). */
function events(count: number, seed: number, base = START) {
  const random = prng(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T
  return Array.from({ length: count }, (_, i) =>
    ingestEvent(
      { seed, i },
      {
        occurred_at: i % 97 === 0 ? -DAY - Math.floor(random() * 2 * DAY) : base + Math.floor(random() * 10 * DAY),
        verb: pick(VERBS),
        activity: pick(ACTIVITIES),
        outcome: pick(OUTCOMES),
        actor: pick(ACTORS),
        repository: pick(REPOSITORIES)
      }
    )
  )
}

function readRows(): Row[] {
  const db = new Database(temp.file, { readonly: true })
  try {
    return db
      .prepare('SELECT e.id, e.account_id, e.occurred_at, e.verb, e.activity, e.outcome, e.actor, e.repository, a.name AS account FROM events e JOIN accounts a ON a.id = e.account_id')
      .all() as Row[]
  } finally {
    db.close()
  }
}

/** The count tables as stored, and as recomputed from events: equal when the triggers kept them. */
function countTables(): { stored: unknown; recomputed: unknown } {
  const db = new Database(temp.file)
  try {
    const read = (): unknown =>
      ['facet_counts_base', 'facet_counts_actor_days', 'facet_counts_actor', 'facet_counts_repository_days', 'facet_counts_repository'].map(
        (t) => db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3, 4, 5, 6`).all()
      )
    const stored = read()
    db.exec('BEGIN')
    db.exec(FACET_COUNTS_REBUILD_SQL)
    const recomputed = read()
    db.exec('ROLLBACK')
    return { stored, recomputed }
  } finally {
    db.close()
  }
}

beforeAll(() => {
  temp = tempArchivePath()
  archive = Archive.open(temp.file)
  const accounts = ['zeta', 'alpha', 'mid'].map((name) =>
    archive.addAccount({ name, kind: 'dockerhub', url: 'https://hub.docker.com', options: {} })
  )
  const all = events(4000, 11)
  for (let i = 0; i < all.length; i += 200) archive.writePage(accounts[(i / 200) % 3]!.id, 'auditlog', all.slice(i, i + 200), { i })
  rows = readRows()
})
afterAll(() => {
  archive.close()
  temp.remove()
})

function glob(value: string, pattern: string): boolean {
  if (!pattern.includes('*')) return value === pattern
  const re = pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')
  return new RegExp(`^${re}$`, 's').test(value)
}

function matches(row: Row, query: EventQuery): boolean {
  const inList = (value: string, filter: { any?: string[]; none?: string[] } | undefined, test = (v: string, f: string) => v === f) =>
    (filter?.any === undefined || filter.any.length === 0 || filter.any.some((f) => test(value, f))) &&
    (filter?.none === undefined || !filter.none.some((f) => test(value, f)))
  const pullOk = query.includePull === true || query.activity?.any?.includes('pull') === true || row.activity !== 'pull'
  return (
    pullOk &&
    inList(row.account, query.account) &&
    (query.since === undefined || row.occurred_at >= Math.floor(query.since)) &&
    (query.until === undefined || row.occurred_at < Math.floor(query.until)) &&
    inList(row.verb, query.verb) &&
    inList(row.activity, query.activity) &&
    inList(row.outcome, query.outcome) &&
    inList(row.actor, query.actor) &&
    inList(row.repository, query.repository, glob)
  )
}

function brute(query: EventQuery, field: FacetField, top: number): Array<{ value: string; count: number }> {
  const without: EventQuery = { ...query, [field]: undefined }
  if (field === 'activity') without.includePull = true
  const counts = new Map<string, number>()
  for (const row of rows) {
    if (!matches(row, without)) continue
    const value = String(row[field === 'account' ? 'account' : field])
    if (value !== '') counts.set(value, (counts.get(value) ?? 0) + 1)
  }
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
    .slice(0, top)
}

const valueFilter = <T extends string>(values: readonly T[], absentOneIn = 5) =>
  fc.option(
    fc.record({ any: fc.option(fc.subarray([...values], { minLength: 1 }), { nil: undefined }), none: fc.option(fc.subarray([...values], { minLength: 1 }), { nil: undefined }) }),
    { nil: undefined, freq: absentOneIn }
  )
const timeBound = fc.option(fc.integer({ min: -3 * DAY, max: 11 * DAY }).map((offset) => START + offset), { nil: undefined })

const servedQuery = fc.record({
  account: valueFilter(['zeta', 'alpha', 'mid', 'gone']),
  verb: valueFilter(VERBS),
  activity: valueFilter(ACTIVITIES),
  outcome: valueFilter(OUTCOMES),
  // Often absent: with both present, only the events can serve the other fields.
  actor: valueFilter(ACTORS.filter((a) => a !== null) as string[], 2),
  repository: valueFilter(['team/app', 'team/*', '*o*', 'solo'], 2),
  since: timeBound,
  until: timeBound,
  includePull: fc.option(fc.boolean(), { nil: undefined })
})

describe('facets from the per-day count tables', () => {
  // Ranges open at the start cover nearly all the archive's days (some events are from 1969), so
  // they take the totals-less-outside path; closed ranges take the days-inside path.
  it('equal counts over the events for any filter the tables serve, with partial days at both ends', () => {
    let fromTables = 0
    fc.assert(
      fc.property(servedQuery, fc.constantFrom(...FACET_FIELDS), fc.integer({ min: 1, max: 8 }), (raw, field, top) => {
        const query = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as EventQuery
        if (facetSource(field, query) !== 'events') fromTables++
        expect(archive.facets(query, { fields: [field], top })[field]).toEqual(brute(query, field, top))
        // The count the result bar shows comes from the same tables when they serve the filter.
        const total = rows.filter((row) => matches(row, query)).length
        expect(archive.countEvents(query)).toEqual({ count: total, exact: true })
        expect(archive.countEvents(query, { limit: top })).toEqual({ count: Math.min(total, top), exact: total <= top })
      }),
      { numRuns: 400, seed: 5 }
    )
    // Most generated queries must take the path under test (only actor + repository together cannot).
    expect(fromTables).toBeGreaterThan(200)
  })

  it('serves each field from the table that has its filters, and the events for anything else', () => {
    expect(facetSource('verb', {})).toBe('base')
    expect(facetSource('verb', { actor: { any: ['x'] } })).toBe('actor')
    expect(facetSource('actor', { actor: { any: ['x'] }, verb: { any: ['GET'] } })).toBe('actor')
    expect(facetSource('repository', { actor: { any: ['x'] } })).toBe('events')
    expect(facetSource('actor', { repository: { none: ['x'] } })).toBe('events')
    expect(facetSource('repository', { repository: { any: ['a/*'] } })).toBe('repository')
    expect(facetSource('verb', { tag: { any: ['latest'] } })).toBe('events')
    expect(facetSource('verb', { text: ['alice'] })).toBe('events')
    // A term with nothing to search for adds no condition, so the tables still serve.
    expect(facetSource('verb', { text: ['***'] })).toBe('base')
    expect(countSourceFor({ actor: { none: ['x'] }, since: 5 })).toBe('actor')
    expect(countSourceFor({ actor: { any: ['x'] }, repository: { any: ['y'] } })).toBe('events')
  })

  it('splits a range into whole days and the partial days around them', () => {
    expect(splitDays(undefined, undefined)).toEqual({ days: { from: undefined, to: undefined }, edges: [] })
    expect(splitDays(2 * DAY, 5 * DAY)).toEqual({ days: { from: 2, to: 5 }, edges: [] })
    expect(splitDays(2 * DAY + 1, 5 * DAY - 1)).toEqual({
      days: { from: 3, to: 4 },
      edges: [
        { since: 2 * DAY + 1, until: 3 * DAY },
        { since: 4 * DAY, until: 5 * DAY - 1 }
      ]
    })
    expect(splitDays(2 * DAY + 5, 3 * DAY + 5)).toEqual({ days: undefined, edges: [{ since: 2 * DAY + 5, until: 3 * DAY + 5 }] })
    expect(splitDays(-DAY - 1, undefined)).toEqual({ days: { from: -1, to: undefined }, edges: [{ since: -DAY - 1, until: -DAY }] })
    expect(splitDays(5 * DAY, 2 * DAY).edges).toEqual([])
  })

  it('refuse a bad time as the events path does', () => {
    expect(() => archive.facets({ since: Number.NaN })).toThrow(/since/)
    expect(() => archive.facets({ until: '2025' as never })).toThrow(/until/)
  })
})

describe('the histogram from the per-day count tables', () => {
  it('equals buckets counted from the events, for day-wide buckets and any served filter', () => {
    const db = new Database(temp.file, { readonly: true })
    const where = { accountIds: (names: string[]) => names.flatMap((name) => db.prepare('SELECT id FROM accounts WHERE name = ?').pluck().all(name) as number[]) }
    let dayWide = 0
    try {
      fc.assert(
        fc.property(servedQuery, fc.integer({ min: 2, max: 12 }), (raw, target) => {
          const query = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as EventQuery
          const histogram = eventHistogram(db, query, where, target)
          if (histogram.bucketMs % DAY === 0 && histogram.bucketMs > 0 && countSourceFor(query) !== 'events') dayWide++
          const expected = new Map<number, number>()
          for (const row of rows) {
            if (!matches(row, query)) continue
            const start = histogram.from! + Math.floor((row.occurred_at - histogram.from!) / histogram.bucketMs) * histogram.bucketMs
            expected.set(start, (expected.get(start) ?? 0) + 1)
          }
          const actual = new Map(histogram.buckets.filter((b) => b.total > 0).map((b) => [b.start, b.total]))
          expect(actual).toEqual(expected)
          for (const bucket of histogram.buckets) {
            expect(Object.values(bucket.byActivity).reduce((a, b) => a + (b ?? 0), 0)).toBe(bucket.total)
          }
        }),
        { numRuns: 200, seed: 9 }
      )
    } finally {
      db.close()
    }
    expect(dayWide).toBeGreaterThan(30)
  })
})

describe('facets counted from the events', () => {
  it('are exact unless estimates are allowed, and estimates say so', () => {
    // Every event's label has "team" in it: the full-text filter matches them all, so no count
    // table can serve it and the events are counted.
    const query: EventQuery = { text: ['team'], verb: { none: ['SCAN'] } }
    const exact = archive.facets(query)
    for (const field of FACET_FIELDS) {
      expect(facetSource(field, query)).toBe('events')
      expect(exact[field], field).toEqual(brute({ verb: { none: ['SCAN'] } }, field, 10))
    }
    const sampling = Archive.open(temp.file, { facetSampleAbove: 50 })
    try {
      expect(sampling.facets(query)).toEqual(exact)
      const estimated = sampling.facets(query, { approximate: true })
      for (const field of FACET_FIELDS) {
        expect(estimated[field].length, field).toBeGreaterThan(0)
        const truth = new Map(exact[field].map((e) => [e.value, e.count]))
        for (const entry of estimated[field]) {
          expect(entry.approximate, field).toBe(true)
          expect(entry.count % 16, field).toBe(0)
          const real = truth.get(entry.value) ?? brute({ verb: { none: ['SCAN'] } }, field, 1000).find((e) => e.value === entry.value)?.count
          expect(real, `${field} ${entry.value}`).toBeDefined()
          // A one-in-16 sample of a few hundred events: within 50% for the frequent values.
          if (real! >= 300) expect(Math.abs(entry.count - real!) / real!, `${field} ${entry.value}`).toBeLessThan(0.5)
        }
      }
      // Fields the count tables serve stay exact even when estimates are allowed.
      const served = sampling.facets({ verb: { any: ['GET', 'CREATE'] } }, { approximate: true })
      expect(served.actor.every((e) => e.approximate === undefined)).toBe(true)
      expect(served.actor).toEqual(brute({ verb: { any: ['GET', 'CREATE'] } }, 'actor', 10))
    } finally {
      sampling.close()
    }
    expect(() => Archive.open(temp.file, { facetSampleAbove: 0 })).toThrow(/facetSampleAbove/)
  })

  it('estimate a source that rotates in step with the ids as well as any other', () => {
    // A bot pushing four repositories in turn: every 4th (and so every 16th) event has the same
    // repository. A sample of every n-th id would see one repository only.
    const rotating = tempArchivePath()
    const db = Archive.open(rotating.file, { facetSampleAbove: 100 })
    try {
      const account = db.addAccount({ name: 'bot', kind: 'dockerhub', url: 'https://hub.docker.com', options: {} })
      const repos = ['team/a', 'team/b', 'team/c', 'team/d']
      const batch = Array.from({ length: 8000 }, (_, i) =>
        ingestEvent({ rotating: i }, { occurred_at: START + i * 1000, repository: repos[i % 4]!, actor: i % 8 === 0 ? 'alice' : 'ci-bot', label: `push team ${i}` })
      )
      for (let i = 0; i < batch.length; i += 500) db.writePage(account.id, 'auditlog', batch.slice(i, i + 500), { i })
      const query: EventQuery = { text: ['team'] }
      const exact = db.facets(query)
      const estimated = db.facets(query, { approximate: true })
      expect(exact.repository.map((e) => e.count)).toEqual([2000, 2000, 2000, 2000])
      for (const field of ['repository', 'actor'] as const) {
        expect(estimated[field].map((e) => e.value).sort(), field).toEqual(exact[field].map((e) => e.value).sort())
        for (const entry of estimated[field]) {
          expect(entry.approximate).toBe(true)
          const real = exact[field].find((e) => e.value === entry.value)!.count
          // One in 16 of 8,000 events: about 500 sampled; each value within 30% of the truth.
          expect(Math.abs(entry.count - real) / real, `${field} ${entry.value}`).toBeLessThan(0.3)
        }
      }
    } finally {
      db.close()
      rotating.remove()
    }
  })
})

describe('the count tables', () => {
  it('stay exact through writes, duplicate writes, updates, deletes and a purge', () => {
    const account = archive.addAccount({ name: 'extra', kind: 'dockerhub', url: 'https://hub.docker.com', options: {} })
    const more = events(600, 12, START + 3 * DAY)
    archive.writePage(account.id, 'auditlog', more, { n: 1 })
    archive.writePage(account.id, 'auditlog', more.slice(0, 100), { n: 2 })
    expect(countTables().stored).toEqual(countTables().recomputed)

    const db = new Database(temp.file)
    // Re-normalising (a later connector version) rewrites columns in place.
    db.prepare("UPDATE events SET actor = 'renamed', verb = 'SCAN', occurred_at = occurred_at + 3600000 WHERE id % 7 = 0").run()
    // Local retention removes old events.
    db.prepare('DELETE FROM events WHERE occurred_at < ?').run(START + DAY)
    db.close()
    let tables = countTables()
    expect(tables.stored).toEqual(tables.recomputed)

    archive.removeAccount(account.id, { purgeEvents: true })
    tables = countTables()
    expect(tables.stored).toEqual(tables.recomputed)
    rows = readRows()
    for (const field of FACET_FIELDS) expect(archive.facets({ since: START + DAY / 2 }, { fields: [field] })[field]).toEqual(brute({ since: START + DAY / 2 }, field, 10))
  })
})

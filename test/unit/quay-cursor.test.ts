import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/main/core/errors'
import {
  applyQuayPage,
  createQuayIdAssigner,
  readQuayCursor,
  startQuayRun,
  type QuayCursor,
  type QuayRun
} from '../../src/main/core/sources/quay-cursor'
import {
  isQuayExportTerminator,
  parseQuayLogsPage,
  parseQuayRecord,
  quayRecordHash,
  type QuayLogsPage
} from '../../src/main/core/sources/quay-page'

const SCOPE = 'org:acme'
const DAY = '2024-06-18'
const NOW = Date.parse('2024-06-20T10:00:00Z')

/** A wire record at `time` (HH:MM:SS on DAY); `n` makes otherwise equal records differ. */
function log(time: string, n = 0, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'pull_repo',
    metadata: { repo: 'app', namespace: 'acme', tag: `t${n}` },
    ip: '198.51.100.23',
    datetime: new Date(Date.parse(`${DAY}T${time}Z`)).toUTCString().replace('GMT', '-0000'),
    ...extra
  }
}

function page(records: Array<Record<string, unknown>>, nextPage: string | null = null, window: QuayLogsPage['window'] = null): QuayLogsPage {
  return { records: records.map((raw, index) => parseQuayRecord(raw, { index })), nextPage, window }
}

function midRun(run: Partial<QuayRun> = {}): QuayCursor & { run: QuayRun } {
  return {
    v: 1,
    scope: SCOPE,
    lastTo: null,
    newest: null,
    run: { to: '2024-06-20', day: DAY, token: null, tokenAt: null, pages: 0, firstPage: null, boundary: null, ...run }
  }
}

function step(cursor: QuayCursor & { run: QuayRun }, p: QuayLogsPage) {
  const result = applyQuayPage(cursor, p, NOW, { account: 'acme-quay' })
  if (result.kind !== 'page') throw new Error('expected a page step')
  return result
}

describe('the Quay cursor', () => {
  it('reads null as never synced and refuses anything else but its own scope', () => {
    expect(readQuayCursor(null, SCOPE)).toEqual({ v: 1, scope: SCOPE, lastTo: null, newest: null })
    expect(() => readQuayCursor({ v: 1, highWater: 5 }, SCOPE, 'a')).toThrow(/a: the stored sync position is not a Quay logs cursor/)
    expect(() => readQuayCursor({ ...midRun(), run: { ...midRun().run, day: '2024-13-01' } }, SCOPE)).toThrow(AppError)
    expect(() => readQuayCursor({ ...midRun(), run: { ...midRun().run, day: '2024-06-21' } }, SCOPE)).toThrow(/not a Quay logs cursor/)
    expect(() => readQuayCursor(midRun(), 'repo:acme/app')).toThrow(/belongs to org:acme, not repo:acme\/app/)
    expect(readQuayCursor(JSON.parse(JSON.stringify(midRun())), SCOPE)).toEqual(midRun())
  })

  it('a first run covers the backfill days up to the server\'s today; later runs start overlapDays before the last one ended', () => {
    const empty = readQuayCursor(null, SCOPE)
    expect(startQuayRun(empty, NOW, { backfillDays: 30, overlapDays: 1 })).toMatchObject({ to: '2024-06-20', day: '2024-05-22', pages: 0 })
    expect(startQuayRun(empty, NOW, { backfillDays: 1, overlapDays: 1 })).toMatchObject({ day: '2024-06-20' })
    const done = { ...empty, lastTo: '2024-06-15' }
    expect(startQuayRun(done, NOW, { backfillDays: 30, overlapDays: 1 })).toMatchObject({ to: '2024-06-20', day: '2024-06-14' })
    expect(startQuayRun(done, NOW, { backfillDays: 30, overlapDays: 2 })).toMatchObject({ day: '2024-06-13' })
    // A clock that went back: still the day before today.
    expect(startQuayRun({ ...empty, lastTo: '2024-07-01' }, NOW, { backfillDays: 30, overlapDays: 1 })).toMatchObject({ day: '2024-06-19' })
  })
})

describe('applyQuayPage', () => {
  it('numbers identical records of one second, carrying the counts across a page boundary', () => {
    const a = log('12:00:05', 1)
    const first = step(midRun(), page([log('12:00:09'), a, a], 'tok-2'))
    const hashA = parseQuayRecord(a).hash
    expect(first.records.map((record) => record.sourceEventId).slice(1)).toEqual([hashA, `${hashA}#2`])
    expect(first.cursor.run).toMatchObject({ day: DAY, token: 'tok-2', tokenAt: NOW, pages: 1, boundary: { at: Date.parse(`${DAY}T12:00:05Z`), counts: { [hashA]: 2 } } })
    const second = step(first.cursor as QuayCursor & { run: QuayRun }, page([a, log('11:00:00')]))
    expect(second.records[0]!.sourceEventId).toBe(`${hashA}#3`)
    // The day is done: the next one starts fresh.
    expect(second.cursor.run).toMatchObject({ day: '2024-06-19', token: null, pages: 0, boundary: null, firstPage: null })
    expect(second.cursor.newest).toBe(Date.parse(`${DAY}T12:00:09Z`))
    expect(second.done).toBe(false)
  })

  it('the last page of the last day ends the run with lastTo', () => {
    const result = step(midRun({ day: '2024-06-20' }), page([]))
    expect(result).toMatchObject({ done: true, cursor: { v: 1, scope: SCOPE, lastTo: '2024-06-20', newest: null } })
    expect(result.cursor.run).toBeUndefined()
  })

  it('recognises the first page coming back: newer than the boundary', () => {
    const p1 = page([log('12:00:09'), log('12:00:08')], 'tok-2')
    const after1 = step(midRun(), p1).cursor as QuayCursor & { run: QuayRun }
    expect(applyQuayPage(after1, p1, NOW)).toEqual({ kind: 'restarted' })
    // A real second page is older.
    expect(applyQuayPage(after1, page([log('12:00:08', 2), log('12:00:01')]), NOW).kind).toBe('page')
  })

  it('recognises the first page coming back when everything so far was one second', () => {
    const same = Array.from({ length: 20 }, (_, i) => log('12:00:00', i % 4))
    const p1 = page(same, 'tok-2')
    const after1 = step(midRun(), p1).cursor as QuayCursor & { run: QuayRun }
    expect(applyQuayPage(after1, p1, NOW)).toEqual({ kind: 'restarted' })
    // The genuine continuation of that second (another set of records) is a page.
    const next = step(after1, page([log('12:00:00', 0), log('12:00:00', 9), log('11:00:00')]))
    expect(next.records[0]!.sourceEventId).toMatch(/#6$/)
  })

  it('leaves out records outside the day and counts them', () => {
    const result = step(midRun(), page([{ ...log('00:00:00'), datetime: 'Wed, 19 Jun 2024 00:00:00 -0000' }, log('10:00:00'), { ...log('00:00:00'), datetime: 'Mon, 17 Jun 2024 23:59:59 -0000' }]))
    expect(result.records).toHaveLength(1)
    expect(result.outside).toBe(2)
  })

  it('refuses a page that is not newest first, or an answer for another window than the day', () => {
    expect(() => applyQuayPage(midRun(), page([log('10:00:00'), log('11:00:00')]), NOW, { account: 'a' })).toThrow(/not newest first \(record 2 is newer than record 1\)/)
    const defaultWindow = { start: Date.parse('2024-06-19T09:13:00Z'), end: Date.parse('2024-06-21T09:13:00Z') }
    expect(() => applyQuayPage(midRun(), page([], null, defaultWindow), NOW, { account: 'a' })).toThrow(
      /a: bad response from quay for 2024-06-18: it searched 2024-06-19T09:13:00.000Z – 2024-06-21T09:13:00.000Z instead of the day asked for \(2024-06-18T00:00:00.000Z – 2024-06-19T00:00:00.000Z\)/
    )
    const right = { start: Date.parse(`${DAY}T00:00:00Z`), end: Date.parse('2024-06-19T00:00:00Z') }
    expect(applyQuayPage(midRun(), page([], null, right), NOW).kind).toBe('page')
  })

  it('the assigner for unordered records gives the ids a walk gives', () => {
    const a = log('12:00:05', 1)
    const records = [log('12:00:09'), a, a, log('12:00:05', 2), a, log('11:00:00'), log('11:00:00')]
    const walked = step(midRun({ day: '2024-06-20', to: '2024-06-20' }), page(records.map((r) => ({ ...r, datetime: String(r['datetime']).replace('18 Jun', '20 Jun') }))))
    const assign = createQuayIdAssigner()
    const shuffled = [5, 2, 0, 6, 4, 1, 3].map((i) => records[i]!).map((r) => ({ ...r, datetime: String(r['datetime']).replace('18 Jun', '20 Jun') }))
    const ids = shuffled.map((raw) => assign(parseQuayRecord(raw).hash))
    expect(ids.sort()).toEqual(walked.records.map((record) => record.sourceEventId).sort())
  })
})

describe('parseQuayLogsPage and record identity', () => {
  it('reads a page with its window and token', () => {
    const parsed = parseQuayLogsPage({
      start_time: 'Tue, 18 Jun 2024 00:00:00 -0000',
      end_time: 'Wed, 19 Jun 2024 00:00:00 -0000',
      logs: [log('12:00:00')],
      next_page: 'gAAAAAB'
    })
    expect(parsed).toMatchObject({ nextPage: 'gAAAAAB', window: { start: Date.parse('2024-06-18T00:00:00Z'), end: Date.parse('2024-06-19T00:00:00Z') } })
    expect(parsed.records).toHaveLength(1)
  })

  it.each([
    [[], /expected a JSON object with "logs"/],
    [{ logs: null }, /the answer has no "logs"/],
    [{ logs: 'none' }, /"logs" is not a list/],
    [{ logs: [], next_page: '' }, /"next_page" is not a token/],
    [{ logs: [], start_time: 'today', end_time: 'Wed, 19 Jun 2024 00:00:00 -0000' }, /"start_time" or "end_time" is not an RFC 822 date/],
    [{ logs: [], search_unavailable: true, message: 'Search is not\nconfigured' }, /cannot search its usage logs now \(search_unavailable: Search is not configured\)/],
    [{ logs: [log('12:00:00'), { ...log('12:00:00'), kind: 5 }] }, /for day 1: record 2 field "kind"/]
  ])('refuses %j', (body, message) => {
    expect(() => parseQuayLogsPage(body, { account: 'a', where: 'day 1' })).toThrow(message)
  })

  it('a record hashes the same whatever its avatar, superuser namespace block, date spelling or key order', () => {
    const base = { ...log('12:00:00'), performer: { kind: 'user', name: 'alice', is_robot: false, avatar: { hash: 'aa' } } }
    const at = Date.parse(`${DAY}T12:00:00Z`)
    const hash = quayRecordHash(parseQuayRecord(base).raw, at)
    const variants = [
      { ...base, performer: { ...base.performer, avatar: { hash: 'bb', color: '#000' } } },
      { ...base, namespace: { kind: 'org', name: 'acme' } },
      { ...base, datetime: 'Tue, 18 Jun 2024 12:00:00 GMT' },
      { ...base, ip: '198.51.100.23', metadata: { tag: 't0', namespace: 'acme', repo: 'app' } }
    ]
    for (const variant of variants) expect(parseQuayRecord(variant).hash).toBe(hash)
    expect(parseQuayRecord({ ...base, ip: 'None' }).hash).toBe(parseQuayRecord({ ...base, ip: null }).hash)
    expect(parseQuayRecord({ ...base, performer: { ...base.performer, is_robot: true } }).hash).not.toBe(hash)
    expect(parseQuayRecord({ ...base, metadata: { repo: 'app', namespace: 'acme', tag: 't1' } }).hash).not.toBe(hash)
  })

  it('knows the terminator that ends an export file', () => {
    expect(isQuayExportTerminator({ terminator: true })).toBe(true)
    expect(isQuayExportTerminator({ terminator: false })).toBe(false)
    expect(isQuayExportTerminator(log('12:00:00'))).toBe(false)
    expect(isQuayExportTerminator(null)).toBe(false)
  })
})

import Database from 'better-sqlite3'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Archive } from '../../src/main/core/db/archive'
import { encodeKeysetCursor } from '../../src/main/core/db/keyset-cursor'
import { AppError } from '../../src/main/core/errors'
import { FACET_FIELDS, SORT_KEYS, type EventQuery, type EventSort, type SortKey } from '../../src/shared/query'
import { generateEvents, ingestEvent, tempArchivePath, type TempDir } from './archive-fixtures'

/**
 * Queries against ~5,000 generated events in a real archive file, each result compared with a
 * brute-force answer computed in JS from the rows as a plain connection reads them.
 */

interface Row {
  id: number
  account: string
  occurred_at: number
  label: string
  repository: string
  tag: string
  digest: string
  verb: string
  activity: string
  actor: string
  outcome: string
  client_ip: string
  [column: string]: string | number
}

let temp: TempDir
let archive: Archive
/**
 * The same file opened with other walk limits, so that filtered pages take every path: walk one
 * row then sort the rest, walk 50 rows then sort the rest, walk without limit.
 */
const forced: Record<'tinyWalk' | 'shortWalk' | 'fullWalk', Archive> = {} as never
let all: Row[]

beforeAll(() => {
  temp = tempArchivePath()
  archive = Archive.open(temp.file)
  // Added out of name order, so sorting by account must use names, not ids.
  const accounts = ['zeta', 'alpha', 'mid'].map((name) =>
    archive.addAccount({ name, kind: 'dockerhub', url: 'https://hub.docker.com', options: {} })
  )
  const events = generateEvents(5000, 42)
  for (let i = 0; i < events.length; i += 100) {
    const account = accounts[(i / 100) % 3]!
    archive.writePage(account.id, 'auditlog', events.slice(i, i + 100), { page: i })
  }
  const db = new Database(temp.file, { readonly: true })
  all = db
    .prepare('SELECT e.*, a.name AS account FROM events e JOIN accounts a ON a.id = e.account_id')
    .all() as Row[]
  db.close()
  forced.tinyWalk = Archive.open(temp.file, { walkLimit: 1 })
  forced.shortWalk = Archive.open(temp.file, { walkLimit: 50 })
  forced.fullWalk = Archive.open(temp.file, { walkLimit: Number.MAX_SAFE_INTEGER })
})
afterAll(() => {
  archive.close()
  for (const other of Object.values(forced)) other.close()
  temp.remove()
})

function compare(a: Row, b: Row, sort: EventSort): number {
  const column = sort.key === 'account' ? 'account' : sort.key
  const keys: Array<keyof Row> = sort.key === 'occurred_at' ? ['occurred_at', 'id'] : [column, 'occurred_at', 'id']
  for (const key of keys) {
    const x = a[key] as string | number
    const y = b[key] as string | number
    if (x !== y) return (x < y ? -1 : 1) * (sort.dir === 'asc' ? 1 : -1)
  }
  return 0
}

/** The same rules as the archive, written plainly: the brute-force side of every comparison. */
function matches(row: Row, query: EventQuery): boolean {
  const inList = (value: string, filter?: { any?: string[]; none?: string[] }, test = (v: string, f: string) => v === f) =>
    (filter?.any === undefined || filter.any.length === 0 || filter.any.some((f) => test(value, f))) &&
    (filter?.none === undefined || !filter.none.some((f) => test(value, f)))
  const glob = (value: string, pattern: string) =>
    pattern.includes('*')
      ? new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's').test(value)
      : value === pattern
  const pullOk = query.includePull === true || query.activity?.any?.includes('pull') === true || row.activity !== 'pull'
  // Free text here is only ever an actor's name, the one word each generated event has once.
  const textOk = (query.text ?? []).every((term) => row.actor === term)
  return (
    pullOk &&
    textOk &&
    inList(row.account, query.account) &&
    (query.since === undefined || row.occurred_at >= query.since) &&
    (query.until === undefined || row.occurred_at < query.until) &&
    inList(row.verb, query.verb) &&
    inList(row.activity, query.activity) &&
    inList(row.actor, query.actor) &&
    inList(row.tag, query.tag) &&
    inList(row.outcome, query.outcome) &&
    inList(row.repository, query.repository, glob) &&
    inList(row.digest, query.digest, (v, f) => (f === '' ? v === '' : v.startsWith(f)))
  )
}

function expected(query: EventQuery, sort: EventSort = { key: 'occurred_at', dir: 'desc' }): number[] {
  return all
    .filter((row) => matches(row, query))
    .sort((a, b) => compare(a, b, sort))
    .map((row) => row.id)
}

function pageThrough(query: EventQuery, sort: EventSort, limit: number, through = archive): number[] {
  const ids: number[] = []
  let cursor: string | null = null
  for (let pages = 0; pages < 10_000; pages++) {
    const page = through.queryEvents({ query, sort, limit, cursor })
    expect(page.rows.length).toBeLessThanOrEqual(limit)
    ids.push(...page.rows.map((r) => r.id))
    if (page.nextCursor === null) return ids
    expect(page.rows).toHaveLength(limit)
    cursor = page.nextCursor
  }
  throw new Error('paging did not end')
}

function errorOf(work: () => unknown): AppError {
  try {
    work()
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }
  throw new Error('expected an AppError')
}

describe('keyset pagination', () => {
  it('has the data it needs: 5,000 events with ties on every sort column', () => {
    expect(all).toHaveLength(5000)
    expect(new Set(all.map((r) => r.occurred_at)).size).toBeLessThan(500)
  })

  for (const key of SORT_KEYS) {
    for (const dir of ['asc', 'desc'] as const) {
      it(`pages to the end in the brute-force order: ${key} ${dir}`, () => {
        const sort = { key, dir }
        const want = expected({ includePull: true }, sort)
        expect(pageThrough({ includePull: true }, sort, 97)).toEqual(want)
        // A filter that keeps every event, so the forced plans meet all 5,000 rows too.
        const everything: EventQuery = { includePull: true, verb: { none: ['NO-SUCH-VERB' as never] } }
        for (const other of Object.values(forced)) expect(pageThrough(everything, sort, 97, other)).toEqual(want)
      })
    }
  }

  it('pages filtered queries too (default pull exclusion, negation, wildcard, account), under both plans', () => {
    const queries: EventQuery[] = [
      {},
      { actor: { none: ['ci-bot'] }, repository: { any: ['team/*'] } },
      { account: { any: ['alpha', 'zeta'] }, verb: { none: ['GET'] } },
      { digest: { any: ['sha256:a', 'sha256:b'] }, text: ['alice'] }
    ]
    for (const query of queries) {
      for (const key of ['occurred_at', 'account', 'repository', 'actor'] as SortKey[]) {
        for (const dir of ['asc', 'desc'] as const) {
          const sort = { key, dir }
          const want = expected(query, sort)
          expect(pageThrough(query, sort, 250)).toEqual(want)
          for (const other of Object.values(forced)) expect(pageThrough(query, sort, 250, other)).toEqual(want)
        }
      }
    }
  })

  it('defaults to newest first, 100 rows; refuses bad limits, sorts and foreign cursors', () => {
    const page = archive.queryEvents({ query: {} })
    expect(page.rows.map((r) => r.id)).toEqual(expected({}).slice(0, 100))
    expect(errorOf(() => archive.queryEvents({ query: {}, limit: 1001 })).code).toBe('INVALID_INPUT')
    expect(errorOf(() => archive.queryEvents({ query: {}, limit: 0 })).code).toBe('INVALID_INPUT')
    expect(errorOf(() => archive.queryEvents({ query: {}, sort: { key: 'raw' as SortKey, dir: 'asc' } })).code).toBe(
      'INVALID_INPUT'
    )
    const cursor = page.nextCursor!
    const foreign = errorOf(() => archive.queryEvents({ query: {}, sort: { key: 'actor', dir: 'desc' }, cursor }))
    expect(foreign.code).toBe('INVALID_INPUT')
    expect(foreign.message).toContain('sort')
    expect(errorOf(() => archive.queryEvents({ query: {}, cursor: 'not-a-cursor' })).code).toBe('INVALID_INPUT')
    const injected = encodeKeysetCursor({ key: 'actor', dir: 'asc' }, { value: "x') OR 1=1 --", occurredAt: 0, id: 0 })
    const rows = archive.queryEvents({ query: { includePull: true }, sort: { key: 'actor', dir: 'asc' }, cursor: injected }).rows
    expect(rows.map((r) => r.id)).toEqual(
      expected({ includePull: true }, { key: 'actor', dir: 'asc' })
        .filter((id) => all.find((r) => r.id === id)!.actor > "x') OR 1=1 --")
        .slice(0, 100)
    )
  })

  it('never counts to answer a page: the plan has no aggregate', () => {
    const plans = archive.queryPlan({ query: {} })
    expect(plans.map((p) => p.sql).join(' ')).not.toMatch(/count\(/i)
  })
})

describe('filters', () => {
  const sample = (): Row => all[1234]!
  const cases: Array<[string, EventQuery]> = [
    ['account any', { account: { any: ['alpha'] } }],
    ['account none', { account: { none: ['alpha'] } }],
    ['unknown account', { account: { any: ['nobody'] } }],
    ['since inclusive', { since: 0 }],
    ['verb any', { verb: { any: ['DELETE', 'GET'] } }],
    ['verb none', { verb: { none: ['DELETE'] } }],
    ['activity pull only (explicit pull includes pulls)', { activity: { any: ['pull'] } }],
    ['activity push: no pulls', { activity: { any: ['push', 'delete'] } }],
    ['activity none', { activity: { none: ['push'] }, includePull: true }],
    ['include pull', { includePull: true }],
    ['actor any', { actor: { any: ['alice', 'PROMOTION CA5E7822'] } }],
    ['actor none keeps events without an actor', { actor: { none: ['alice'] } }],
    ['repository exact', { repository: { any: ['team/app'] } }],
    ['repository exact with glob characters', { repository: { any: ['team/[odd]?'] } }],
    ['repository wildcard', { repository: { any: ['team/*'] } }],
    ['repository wildcard with escaped specials', { repository: { any: ['team/[odd]*'] } }],
    ['repository leading wildcard', { repository: { any: ['*app'] } }],
    ['repository wildcard negated', { repository: { none: ['team/*', 'solo'] } }],
    ['tag', { tag: { any: ['latest'] }, includePull: true }],
    ['outcome', { outcome: { any: ['failure'] } }],
    ['digest prefix', { digest: { any: ['sha256:a'] } }],
    ['digest prefix negated', { digest: { none: ['sha256:a', 'sha256:b'] } }],
    [
      'everything at once',
      {
        account: { any: ['alpha', 'mid'] },
        verb: { none: ['SCAN'] },
        actor: { any: ['alice', 'bob', 'carol'] },
        repository: { any: ['team/*', 'other/web'] },
        outcome: { none: ['unknown'] },
        includePull: true
      }
    ]
  ]
  for (const [name, query] of cases) {
    it(name, () => {
      const want = expected(query)
      expect(archive.queryEvents({ query, limit: 1000 }).rows.map((r) => r.id)).toEqual(want.slice(0, 1000))
      expect(archive.countEvents(query)).toEqual({ count: want.length, exact: true })
    })
  }

  it('time range: since inclusive, until exclusive', () => {
    const t = sample().occurred_at
    const query = { since: t, until: t + 60_000, includePull: true }
    const rows = archive.queryEvents({ query, limit: 1000 }).rows
    expect(forced.tinyWalk.queryEvents({ query, limit: 1000 }).rows).toEqual(rows)
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.every((r) => r.occurred_at === t)).toBe(true)
    expect(rows.map((r) => r.id)).toEqual(expected(query))
    expect(archive.countEvents({ until: t, since: t })).toEqual({ count: 0, exact: true })
  })

  it('digest: a full digest matches exactly', () => {
    const digest = all.find((r) => r.digest !== '')!.digest
    const rows = archive.queryEvents({ query: { digest: { any: [digest] }, includePull: true } }).rows
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.every((r) => r.digest === digest)).toBe(true)
  })

  it('free text: each term must match; notText terms must not', () => {
    const carol = all.filter((r) => r.actor === 'carol' && r.activity !== 'pull').length
    expect(archive.countEvents({ text: ['carol'] }).count).toBe(carol)
    // Prefix match on the last word: "caro" finds carol.
    expect(archive.countEvents({ text: ['caro'] }).count).toBe(carol)
    // "team" is a word of team/… repositories and of the activity `team` (in the label and action).
    const carolTeam = all
      .filter((r) => r.actor === 'carol' && r.activity !== 'pull' && (r.repository.startsWith('team/') || r.activity === 'team'))
      .sort((a, b) => compare(a, b, { key: 'occurred_at', dir: 'desc' }))
      .map((r) => r.id)
    expect(carolTeam.length).toBeGreaterThan(0)
    const byText = archive.queryEvents({ query: { text: ['carol', 'team'] }, limit: 1000 }).rows.map((r) => r.id)
    expect(byText).toEqual(carolTeam)
    const notCarol = expected({ actor: { none: ['carol'] } })
    expect(archive.queryEvents({ query: { notText: ['carol'] }, limit: 1000 }).rows.map((r) => r.id)).toEqual(
      notCarol.slice(0, 1000)
    )
    // Terms to find and terms to leave out together (one full-text expression, `a NOT b`).
    const teamNotCarol = all
      .filter((r) => r.actor !== 'carol' && r.activity !== 'pull' && (r.repository.startsWith('team/') || r.activity === 'team'))
      .sort((a, b) => compare(a, b, { key: 'occurred_at', dir: 'desc' }))
      .map((r) => r.id)
    expect(teamNotCarol.length).toBeGreaterThan(0)
    expect(archive.queryEvents({ query: { text: ['team'], notText: ['carol'] }, limit: 1000 }).rows.map((r) => r.id)).toEqual(
      teamNotCarol.slice(0, 1000)
    )
    expect(archive.countEvents({ text: ['team'], notText: ['carol', 'nobody-has-this'] }).count).toBe(teamNotCarol.length)
  })

  it('refuses malformed filters with INVALID_INPUT', () => {
    expect(errorOf(() => archive.queryEvents({ query: { actor: { any: [1 as never] } } })).code).toBe('INVALID_INPUT')
    expect(errorOf(() => archive.queryEvents({ query: { since: Number.NaN } })).code).toBe('INVALID_INPUT')
    expect(errorOf(() => archive.queryEvents({ query: { text: 'alice' as never } })).code).toBe('INVALID_INPUT')
  })
})

describe('free text with hostile terms', () => {
  let small: Archive
  let smallTemp: TempDir
  const labels = [
    'say "hi" to the team',
    'NEAR(a b) was typed here',
    'a or b choice',
    'only a here',
    'label:secret looks like a column filter',
    'star* pattern and ^caret',
    'plain event'
  ]
  beforeAll(() => {
    smallTemp = tempArchivePath()
    small = Archive.open(smallTemp.file)
    const account = small.addAccount({ name: 'hub', kind: 'dockerhub', url: 'https://hub.docker.com', options: {} })
    small.writePage(
      account.id,
      'auditlog',
      labels.map((label, i) => ingestEvent({ i }, { label, actor: null, repository: null, tag: null })),
      null
    )
  })
  afterAll(() => {
    small.close()
    smallTemp.remove()
  })
  const found = (text: string[]): string[] =>
    small
      .queryEvents({ query: { text, includePull: true }, sort: { key: 'label', dir: 'asc' } })
      .rows.map((r) => r.label)

  it('matches quotes, operators and FTS syntax literally, never as syntax', () => {
    expect(found(['"hi"'])).toEqual(['say "hi" to the team'])
    expect(found(['NEAR(a b)'])).toEqual(['NEAR(a b) was typed here'])
    expect(found(['a" OR "b'])).toEqual(['a or b choice'])
    expect(found(['a OR b'])).toEqual(['a or b choice'])
    expect(found(['label:secret'])).toEqual(['label:secret looks like a column filter'])
    expect(found(['^caret'])).toEqual(['star* pattern and ^caret'])
    expect(found(['star*'])).toEqual(['star* pattern and ^caret'])
    expect(found(['AND'])).toEqual(['star* pattern and ^caret'])
    expect(found(['NOT'])).toEqual([])
    expect(found(['NEAR('])).toEqual(['NEAR(a b) was typed here'])
    expect(found(['(', ')'])).toHaveLength(labels.length)
  })

  it('leaves out terms with nothing to search for, and never throws', () => {
    for (const term of ['"', '*', '""', '-', ':', '(*)', '")', "'", '\\', '\u0000', '^', '+']) {
      expect(found([term])).toHaveLength(labels.length)
      expect(small.countEvents({ notText: [term], includePull: true }).count).toBe(labels.length)
    }
    expect(small.countEvents({ notText: ['a" OR "b'], includePull: true }).count).toBe(labels.length - 1)
  })

  it('takes any string a user can type without an FTS syntax error', () => {
    const typed = fc.oneof(
      fc.string(),
      fc.string({ unit: fc.constantFrom('"', '*', '(', ')', ':', '^', '-', '+', 'NEAR', 'AND', 'OR', 'NOT', ' ', 'a', 'é', '\u0000') })
    )
    fc.assert(
      fc.property(fc.array(typed, { maxLength: 3 }), fc.array(typed, { maxLength: 2 }), (text, notText) => {
        const count = small.countEvents({ text, notText, includePull: true }).count
        expect(count).toBeLessThanOrEqual(labels.length)
      }),
      { numRuns: 300 }
    )
  })
})

describe('counts and facets', () => {
  it('counts up to a limit and says whether the count is exact', () => {
    const total = expected({}).length
    expect(archive.countEvents({}, { limit: 10 })).toEqual({ count: 10, exact: false })
    expect(archive.countEvents({}, { limit: total })).toEqual({ count: total, exact: true })
    expect(archive.countEvents({}, { limit: total + 1 })).toEqual({ count: total, exact: true })
    expect(archive.countEvents({}, { limit: 0 })).toEqual({ count: 0, exact: false })
    expect(errorOf(() => archive.countEvents({}, { limit: -1 })).code).toBe('INVALID_INPUT')
  })

  function bruteFacet(query: EventQuery, field: (typeof FACET_FIELDS)[number], top: number) {
    const counts = new Map<string, number>()
    for (const row of all) {
      if (!matches(row, query)) continue
      const value = String(row[field])
      if (value !== '') counts.set(value, (counts.get(value) ?? 0) + 1)
    }
    return [...counts]
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
      .slice(0, top)
  }

  it("counts each field's values under the other fields' filters (its own filter ignored)", () => {
    const query: EventQuery = {
      actor: { any: ['alice'] },
      verb: { any: ['DELETE', 'CREATE'] },
      account: { any: ['alpha'] },
      repository: { none: ['solo'] },
      activity: { none: ['push'] }
    }
    const facets = archive.facets(query, { top: 5 })
    for (const field of FACET_FIELDS) {
      const without: EventQuery = { ...query, [field]: undefined }
      // The activity facet also shows pulls, so the user can choose to include them.
      if (field === 'activity') without.includePull = true
      expect(facets[field], field).toEqual(bruteFacet(without, field, 5))
    }
    expect(facets.actor.map((f) => f.value)).toContain('bob')
    expect(facets.activity.map((f) => f.value)).toContain('pull')
  })

  it('computes only the fields asked for and refuses unknown ones', () => {
    const facets = archive.facets({}, { fields: ['account'], top: 10 })
    expect(facets.account.map((f) => f.value).sort()).toEqual(['alpha', 'mid', 'zeta'])
    expect(facets.verb).toEqual([])
    expect(errorOf(() => archive.facets({}, { fields: ['raw' as never] })).code).toBe('INVALID_INPUT')
    expect(errorOf(() => archive.facets({}, { top: 0 })).code).toBe('INVALID_INPUT')
  })
})

describe('getEvent and iterateEvents', () => {
  it('streams every match in sort order, the same as paging', () => {
    for (const sort of [
      { key: 'occurred_at', dir: 'desc' },
      { key: 'account', dir: 'asc' },
      { key: 'tag', dir: 'desc' }
    ] as EventSort[]) {
      const ids = [...archive.iterateEvents({ includePull: true }, sort)].map((r) => r.id)
      expect(ids).toEqual(expected({ includePull: true }, sort))
    }
  })

  it('frees the connection when the consumer stops early', () => {
    let seen = 0
    const account = archive.getAccount('mid')!
    for (const row of archive.iterateEvents({})) {
      // Reads may run beside an open iterator; writes may not until it is finished.
      expect(archive.getEvent(row.id)?.id).toBe(row.id)
      expect(() => archive.writePage(account.id, 'other', [], null)).toThrow(AppError)
      if (++seen === 3) break
    }
    expect(archive.writePage(account.id, 'other', [], { done: true })).toEqual({ inserted: 0, duplicates: 0 })
    expect(archive.getCursor(account.id, 'other')).toEqual({ done: true })
  })
})

describe('query plans use indexes', () => {
  const scansEvents = (plan: string[]) => plan.some((line) => /^SCAN events\b(?! USING)/.test(line))
  const sortsInTemp = (plan: string[]) => plan.some((line) => line.includes('TEMP B-TREE FOR ORDER BY'))

  it('default sort walks the time index, no scan, no sort', () => {
    for (const query of [{}, { includePull: true }]) {
      const [part] = archive.queryPlan({ query })
      expect(part!.plan.join(' | ')).toMatch(/INDEX events_occurred_at/)
      expect(scansEvents(part!.plan)).toBe(false)
      expect(sortsInTemp(part!.plan)).toBe(false)
    }
  })

  it('a one-value filter with the time sort reads its own (column, occurred_at) index, already in order', () => {
    const cases: Array<[EventQuery, string]> = [
      [{ repository: { any: ['team/app'] } }, 'events_repository'],
      [{ actor: { any: ['alice'] } }, 'events_actor'],
      [{ activity: { any: ['delete'] } }, 'events_activity'],
      [{ verb: { any: ['DELETE'] } }, 'events_verb'],
      [{ account: { any: ['alpha'] } }, 'events_account']
    ]
    for (const [query, index] of cases) {
      const statements = archive.queryPlan({ query })
      expect(statements).toHaveLength(1)
      expect(statements[0]!.plan.join(' | '), JSON.stringify(query)).toContain(index)
      expect(scansEvents(statements[0]!.plan)).toBe(false)
      expect(sortsInTemp(statements[0]!.plan)).toBe(false)
    }
  })

  it('other filters walk the sort index (found by an index-only skip), without sorting', () => {
    const broad: EventQuery = { since: 1_700_000_000_000, repository: { any: ['team/*'] }, actor: { none: ['bob'] } }
    for (const key of SORT_KEYS) {
      const statements = forced.shortWalk.queryPlan({ query: broad, sort: { key, dir: 'desc' } })
      const [boundary, walk] = statements
      expect(boundary!.plan.join(' | '), key).toMatch(/COVERING INDEX events_/)
      expect(walk!.sql, key).toContain(`INDEXED BY events_${key === 'occurred_at' ? 'occurred_at' : key}`)
      expect(sortsInTemp(walk!.plan), key).toBe(false)
    }
  })

  it('when the walk does not fill the page, the remaining matches come through the filter\'s index and a sort', () => {
    const digest = all.find((r) => r.digest !== '' && r.activity !== 'pull')!.digest
    for (const key of ['occurred_at', 'label', 'account'] as SortKey[]) {
      const statements = forced.shortWalk.queryPlan({ query: { digest: { any: [digest] } }, sort: { key, dir: 'asc' } })
      const last = statements.at(-1)!
      expect(last.sql, key).toContain('+occurred_at')
      expect(last.plan.join(' | '), key).toContain('events_digest')
      expect(scansEvents(last.plan), key).toBe(false)
    }
  })

  it('facets give the same counts whichever way they read', () => {
    for (const query of [{}, { includePull: true }, { actor: { any: ['alice'] } }, { verb: { none: ['GET'] }, since: 0 }] as EventQuery[]) {
      const want = archive.facets(query, { top: 50 })
      for (const other of Object.values(forced)) expect(other.facets(query, { top: 50 })).toEqual(want)
    }
  })
})

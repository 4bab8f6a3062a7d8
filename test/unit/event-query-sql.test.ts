import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  buildEventWhere,
  ftsPhrase,
  ftsTerms,
  globPattern,
  keysetCondition,
  orderBy
} from '../../src/main/core/db/event-query-sql'
import type { EventQuery } from '../../src/shared/query'

const accountIds = (names: string[]) => names.map((_, i) => i + 1)

/** A query with arbitrary user-typed strings in every filter. */
const queries = fc.record(
  {
    account: fc.record({ any: fc.array(fc.string(), { maxLength: 3 }), none: fc.array(fc.string(), { maxLength: 3 }) }),
    actor: fc.record({ any: fc.array(fc.string(), { maxLength: 3 }), none: fc.array(fc.string(), { maxLength: 3 }) }),
    repository: fc.record({ any: fc.array(fc.string(), { maxLength: 3 }), none: fc.array(fc.string(), { maxLength: 3 }) }),
    tag: fc.record({ any: fc.array(fc.string(), { maxLength: 3 }) }),
    digest: fc.record({ any: fc.array(fc.string(), { maxLength: 3 }), none: fc.array(fc.string(), { maxLength: 3 }) }),
    text: fc.array(fc.string(), { maxLength: 3 }),
    notText: fc.array(fc.string(), { maxLength: 3 }),
    since: fc.integer(),
    includePull: fc.boolean()
  },
  { requiredKeys: [] }
) as fc.Arbitrary<EventQuery>

/** The same query with every string replaced by a bland one of the same shape. */
function blanded(query: EventQuery): EventQuery {
  const bland = (v: string) => (v === '' ? '' : v.startsWith('*') ? '*x' : v.includes('*') ? 'x*' : 'x')
  const list = (values?: string[]) => values?.map(bland)
  const filter = (f?: { any?: string[]; none?: string[] }) => (f === undefined ? undefined : { any: list(f.any), none: list(f.none) })
  return {
    ...query,
    account: filter(query.account),
    actor: filter(query.actor),
    repository: filter(query.repository),
    tag: filter(query.tag),
    digest: filter(query.digest),
    text: query.text?.map((t) => (ftsTerms([t], 'text').length === 0 ? '' : 'x')),
    notText: query.notText?.map((t) => (ftsTerms([t], 'notText').length === 0 ? '' : 'x'))
  }
}

describe('buildEventWhere', () => {
  it('puts values only in parameters: the SQL text depends on the shape of the query, not its strings', () => {
    fc.assert(
      fc.property(queries, (query) => {
        const where = buildEventWhere(query, { accountIds })
        expect(where.sql).toBe(buildEventWhere(blanded(query), { accountIds }).sql)
        expect(where.sql.split('?').length - 1).toBe(where.params.length)
      })
    )
  })

  it('excludes pulls unless asked, and an explicit activity:pull asks', () => {
    expect(buildEventWhere({}, { accountIds }).sql).toContain("activity <> 'pull'")
    expect(buildEventWhere({ includePull: true }, { accountIds }).sql).toBe('1')
    expect(buildEventWhere({ activity: { any: ['pull', 'push'] } }, { accountIds }).sql).not.toContain("<> 'pull'")
    expect(buildEventWhere({}, { accountIds, omit: 'activity' }).sql).toBe('1')
  })

  it('leaves out the omitted field only (disjunctive facets)', () => {
    const query: EventQuery = { actor: { any: ['a'] }, verb: { any: ['GET'] }, includePull: true }
    expect(buildEventWhere(query, { accountIds, omit: 'actor' })).toMatchObject({ sql: 'verb = ?', params: ['GET'] })
    expect(buildEventWhere(query, { accountIds, omit: 'verb' })).toMatchObject({ sql: 'actor = ?', params: ['a'] })
  })

  it('says which columns are held to one value and whether anything but pulls is filtered', () => {
    expect(buildEventWhere({}, { accountIds })).toMatchObject({ filtered: false, equalities: [] })
    const where = buildEventWhere(
      { account: { any: ['hub'] }, actor: { any: ['a'] }, verb: { any: ['GET', 'SEND'] }, repository: { any: ['x/*'] } },
      { accountIds }
    )
    expect(where).toMatchObject({ filtered: true, equalities: ['account_id', 'actor'], accounts: { any: [1], none: [] } })
    expect(buildEventWhere({ account: { none: ['a', 'b'] } }, { accountIds }).accounts).toEqual({ any: undefined, none: [1, 2] })
    expect(buildEventWhere({ repository: { any: ['x/y'] } }, { accountIds }).equalities).toEqual(['repository'])
  })

  it('turns repository wildcards into an index range plus an escaped GLOB, digests into a prefix range', () => {
    const where = buildEventWhere({ repository: { any: ['team/[x]?*'] }, digest: { any: ['sha256:ab'] }, includePull: true }, { accountIds })
    expect(where.sql).toBe('((repository >= ? AND repository < ? AND repository GLOB ?)) AND ((digest >= ? AND digest < ?))')
    expect(where.params).toEqual(['team/[x]?', 'team/[x]?\u{10FFFF}', 'team/[[]x[]][?]*', 'sha256:ab', 'sha256:ab\u{10FFFF}'])
  })

  it('matches no account for names that do not exist', () => {
    expect(buildEventWhere({ account: { any: ['nobody'] }, includePull: true }, { accountIds: () => [] }).sql).toBe('0')
  })
})

describe('FTS terms', () => {
  it('quote every term as one phrase, doubling inner quotes', () => {
    expect(ftsPhrase('say "hi"')).toBe('"say ""hi"""*')
    expect(ftsTerms(['NEAR(a b)', '*', '"', 'ok'], 'text')).toEqual(['"NEAR(a b)"*', '"ok"*'])
  })

  it('never leave a double quote unpaired', () => {
    fc.assert(
      fc.property(fc.string(), (term) => {
        const phrase = ftsPhrase(term)
        const inner = phrase.slice(1, -2)
        expect(phrase.startsWith('"') && phrase.endsWith('"*')).toBe(true)
        expect(inner.replace(/""/g, '')).not.toContain('"')
      })
    )
  })
})

describe('sort SQL', () => {
  it('breaks ties by time then id, in the sort direction', () => {
    expect(orderBy('actor', 'asc')).toBe('actor ASC, occurred_at ASC, id ASC')
    expect(orderBy('occurred_at', 'desc')).toBe('occurred_at DESC, id DESC')
    expect(keysetCondition('tag', 'desc')).toBe('(tag, occurred_at, id) < (?, ?, ?)')
    expect(keysetCondition('occurred_at', 'asc')).toBe('(occurred_at, id) > (?, ?)')
    expect(globPattern('a*[b]?')).toBe('a*[[]b[]][?]')
  })
})

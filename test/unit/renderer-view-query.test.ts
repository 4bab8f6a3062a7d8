import { describe, expect, it } from 'vitest'
import {
  addValueFilter,
  commitQueryText,
  effectiveQuery,
  hasValueFilter,
  selectedAccount,
  setAccountFilter,
  toggleValueFilter
} from '../../src/renderer/src/lib/view-query'

const NOW = Date.UTC(2026, 0, 31, 12)

describe('the query bar text', () => {
  it('parses qualifiers and normalises the text it shows', () => {
    const result = commitQueryText('repo:team/*   verb:delete -actor:ci-bot "free text"', NOW, 'UTC')
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.value.query).toEqual({
      verb: { any: ['DELETE'] },
      actor: { none: ['ci-bot'] },
      repository: { any: ['team/*'] },
      text: ['free text']
    })
    expect(result.value.text).toBe('verb:DELETE -actor:ci-bot repo:team/* "free text"')
    expect(result.value.time).toBeUndefined()
  })

  it('moves since:/until: to the time control, keeping a relative preset relative', () => {
    const preset = commitQueryText('since:7d actor:alice', NOW, 'UTC')
    expect(preset.ok && preset.value.time).toEqual({ kind: 'preset', preset: '7d' })
    expect(preset.ok && preset.value.text).toBe('actor:alice')

    const absolute = commitQueryText('since:2026-01-01 until:2026-01-15', NOW, 'UTC')
    expect(absolute.ok && absolute.value.time).toEqual({
      kind: 'absolute',
      from: Date.UTC(2026, 0, 1),
      to: Date.UTC(2026, 0, 16)
    })
    // A relative form that is not a preset becomes an absolute bound.
    const odd = commitQueryText('since:3h', NOW, 'UTC')
    expect(odd.ok && odd.value.time).toEqual({ kind: 'absolute', from: NOW - 3 * 3_600_000 })
  })

  it('moves include:pull to the Exclude pull checkbox', () => {
    const result = commitQueryText('include:pull tag:latest', NOW, 'UTC')
    expect(result.ok && result.value.includePull).toBe(true)
    expect(result.ok && result.value.text).toBe('tag:latest')
  })

  it('reports a syntax error with its position instead of changing the view', () => {
    const result = commitQueryText('actor:alice verb:NOPE', NOW, 'UTC')
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.message).toContain('expected one of CREATE')
    expect(result.position).toBe(17)
  })
})

describe('value filters', () => {
  it('adds a clicked value once, and an exclusion replaces the inclusion of the same value', () => {
    let query = addValueFilter({}, 'actor', 'alice')
    query = addValueFilter(query, 'actor', 'alice')
    expect(query).toEqual({ actor: { any: ['alice'] } })
    query = addValueFilter(query, 'actor', 'bob')
    expect(query.actor).toEqual({ any: ['alice', 'bob'] })
    query = addValueFilter(query, 'actor', 'alice', true)
    expect(query.actor).toEqual({ any: ['bob'], none: ['alice'] })
  })

  it('toggles facet values on and off, dropping an empty filter', () => {
    let query = toggleValueFilter({}, 'verb', 'DELETE')
    expect(hasValueFilter(query, 'verb', 'DELETE')).toBe(true)
    query = toggleValueFilter(query, 'verb', 'DELETE')
    expect(query).toEqual({})
  })

  it('shows one account in the switcher, and "All accounts" for none or several', () => {
    const one = setAccountFilter({ tag: { any: ['latest'] } }, 'hub')
    expect(selectedAccount(one)).toBe('hub')
    expect(one.tag).toEqual({ any: ['latest'] })
    expect(selectedAccount(setAccountFilter(one, null))).toBeNull()
    expect(setAccountFilter(one, null)).toEqual({ tag: { any: ['latest'] } })
    expect(selectedAccount({ account: { any: ['a', 'b'] } })).toBeNull()
    expect(selectedAccount({ account: { any: ['a'], none: ['b'] } })).toBeNull()
  })

  it('builds the query the core receives from the filter, the time range and the pull choice', () => {
    expect(effectiveQuery({ actor: { any: ['a'] } }, { kind: 'preset', preset: '24h' }, false, NOW)).toEqual({
      actor: { any: ['a'] },
      since: NOW - 86_400_000
    })
    expect(effectiveQuery({}, { kind: 'preset', preset: 'all' }, true, NOW)).toEqual({ includePull: true })
    expect(effectiveQuery({}, { kind: 'absolute', to: 5 }, false, NOW)).toEqual({ until: 5 })
  })
})

import { describe, expect, it } from 'vitest'
import { parseCommand } from '../../src/main/cli/command-args'
import { buildEventFilters, parseSort } from '../../src/main/cli/event-filters'
import { UsageError } from '../../src/main/cli/usage-error'

const NOW = Date.UTC(2026, 0, 31, 12, 0, 0)

describe('parseCommand', () => {
  it('reads options, globals after the command, and positionals', () => {
    const { values, positionals } = parseCommand('events', ['verb:DELETE', '--limit', '5', '--data-dir', '/x', 'tag:1'], {
      limit: { type: 'string' }
    })
    expect(values.limit).toBe('5')
    expect(values['data-dir']).toBe('/x')
    expect(positionals).toEqual(['verb:DELETE', 'tag:1'])
  })

  it('takes a negated qualifier as a query term, not as short options', () => {
    const { positionals } = parseCommand('events', ['-actor:ci-bot', 'verb:DELETE', '-repo:team/*'], {})
    expect(positionals.sort()).toEqual(['-actor:ci-bot', '-repo:team/*', 'verb:DELETE'])
  })

  it('turns parse failures into one-line usage errors naming the option', () => {
    const attempt = (args: string[]) => () => parseCommand('events', args, { limit: { type: 'string' } })
    expect(attempt(['--bogus'])).toThrow('unknown option --bogus for "events"')
    expect(attempt(['--limit'])).toThrow('option --limit needs a value')
    expect(attempt(['--help=yes'])).toThrow('option --help does not take a value')
    expect(attempt(['-x'])).toThrow(UsageError)
  })
})

describe('parseSort', () => {
  it('defaults to newest first, and A→Z for other fields', () => {
    expect(parseSort('events', undefined)).toEqual({ key: 'occurred_at', dir: 'desc' })
    expect(parseSort('events', 'repository')).toEqual({ key: 'repository', dir: 'asc' })
    expect(parseSort('events', 'time:asc')).toEqual({ key: 'occurred_at', dir: 'asc' })
    expect(parseSort('events', 'Actor:DESC')).toEqual({ key: 'actor', dir: 'desc' })
  })

  it('refuses unknown fields and directions', () => {
    expect(() => parseSort('events', 'raw')).toThrow(UsageError)
    expect(() => parseSort('events', 'actor:up')).toThrow(UsageError)
    expect(() => parseSort('events', 'actor:asc:x')).toThrow(UsageError)
  })
})

describe('buildEventFilters', () => {
  const build = (words: string[], values: Parameters<typeof buildEventFilters>[2] = {}) =>
    buildEventFilters('events', words, values, { now: NOW, defaultTimeZone: 'UTC' })

  it('joins the words into one query', () => {
    const { query } = build(['verb:DELETE', '-actor:ci-bot repo:team/*', 'hello'])
    expect(query.verb).toEqual({ any: ['DELETE'] })
    expect(query.actor).toEqual({ none: ['ci-bot'] })
    expect(query.repository).toEqual({ any: ['team/*'] })
    expect(query.text).toEqual(['hello'])
  })

  it('means all time without a time option, and narrows with both', () => {
    expect(build([]).query.since).toBeUndefined()
    expect(build([]).query.until).toBeUndefined()
    const { query } = build(['since:30d', 'until:2026-01-31'], { since: '7d', until: '2026-02-10' })
    expect(query.since).toBe(NOW - 7 * 86_400_000)
    expect(query.until).toBe(Date.UTC(2026, 1, 1))
  })

  it('reads dates in the --tz zone', () => {
    const { query, timeZone } = buildEventFilters('events', [], { since: '2026-01-31', tz: 'Europe/Berlin' }, {
      now: NOW,
      defaultTimeZone: 'UTC'
    })
    expect(timeZone).toBe('Europe/Berlin')
    expect(query.since).toBe(Date.UTC(2026, 0, 30, 23, 0, 0))
  })

  it('combines --account with account: in the query (both must hold)', () => {
    expect(build([], { account: ['hub', 'hub'] }).query.account).toEqual({ any: ['hub'] })
    expect(build(['account:hub', 'account:ops'], { account: ['ops'] }).query.account).toEqual({ any: ['ops'] })
    expect(build(['-account:old'], { account: ['hub'] }).query.account).toEqual({ none: ['old'], any: ['hub'] })
  })

  it('includes pulls only when asked', () => {
    expect(build([]).query.includePull).toBeFalsy()
    expect(build([], { 'include-pull': true }).query.includePull).toBe(true)
  })

  it('reports bad queries, dates and zones as usage errors', () => {
    expect(() => build(['bogus:1'])).toThrow(UsageError)
    expect(() => build(['verb:NOPE'])).toThrow(UsageError)
    expect(() => build([], { since: 'yesterday-ish' })).toThrow(/--since: bad date/)
    expect(() => build([], { tz: 'Mars/Olympus' })).toThrow(/--tz: unknown time zone/)
  })
})

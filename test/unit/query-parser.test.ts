import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ACTIVITIES, OUTCOMES, VERBS } from '../../src/shared/event'
import type { EventQuery, ValueFilter } from '../../src/shared/query'
import { formatQuery, MAX_QUERY_LENGTH, parseQuery, QuerySyntaxError } from '../../src/shared/query-parser'

const NOW = Date.UTC(2026, 0, 31, 12, 0, 0, 0)
const DAY = 86_400_000
const KNOWN = 'known: verb, activity, actor, repo (or repository), tag, digest, account, outcome, since, until, include'

function parse(text: string, timeZone?: string): EventQuery {
  return parseQuery(text, { now: NOW, timeZone })
}

function errorOf(text: string, timeZone?: string): QuerySyntaxError {
  try {
    parse(text, timeZone)
  } catch (error) {
    expect(error).toBeInstanceOf(QuerySyntaxError)
    const syntax = error as QuerySyntaxError
    expect(syntax.name).toBe('QuerySyntaxError')
    expect(syntax.input).toBe(text)
    return syntax
  }
  throw new Error(`expected a QuerySyntaxError for ${JSON.stringify(text)}`)
}

describe('parseQuery', () => {
  it('reads the full example from the issue', () => {
    const query = parse(
      'verb:DELETE activity:delete actor:alice repo:team/* tag:latest digest:sha256:4f1c0e account:hub ' +
        'since:7d until:2026-01-31 outcome:failure -actor:ci-bot "free text" word'
    )
    expect(query).toEqual({
      verb: { any: ['DELETE'] },
      activity: { any: ['delete'] },
      actor: { any: ['alice'], none: ['ci-bot'] },
      repository: { any: ['team/*'] },
      tag: { any: ['latest'] },
      digest: { any: ['sha256:4f1c0e'] },
      account: { any: ['hub'] },
      since: NOW - 7 * DAY,
      until: Date.UTC(2026, 1, 1),
      outcome: { any: ['failure'] },
      text: ['free text', 'word']
    })
  })

  it('gives an empty query for empty or blank text', () => {
    expect(parse('')).toEqual({})
    expect(parse('  \t\n ')).toEqual({})
  })

  it('ORs repeated qualifiers and collects negations', () => {
    expect(parse('actor:a actor:b -actor:c -actor:d verb:GET verb:delete')).toEqual({
      actor: { any: ['a', 'b'], none: ['c', 'd'] },
      verb: { any: ['GET', 'DELETE'] }
    })
    expect(parse('-repo:team/secret')).toEqual({ repository: { none: ['team/secret'] } })
  })

  it('reads qualifier names in any case and normalises enumerated values', () => {
    expect(parse('VERB:delete Activity:PUSH OUTCOME:Failure ACTOR:Bob')).toEqual({
      verb: { any: ['DELETE'] },
      activity: { any: ['push'] },
      outcome: { any: ['failure'] },
      actor: { any: ['Bob'] }
    })
  })

  it('accepts every verb, activity and outcome', () => {
    for (const verb of VERBS) expect(parse(`verb:${verb.toLowerCase()}`).verb).toEqual({ any: [verb] })
    for (const activity of ACTIVITIES) expect(parse(`activity:${activity}`).activity).toEqual({ any: [activity] })
    for (const outcome of OUTCOMES) expect(parse(`outcome:${outcome}`).outcome).toEqual({ any: [outcome] })
  })

  it('treats repository as an alias of repo', () => {
    expect(parse('repository:a/b repo:c/d')).toEqual({ repository: { any: ['a/b', 'c/d'] } })
  })

  it('keeps everything after the first colon in a value', () => {
    expect(parse('digest:sha256:abc tag:v1:2')).toEqual({ digest: { any: ['sha256:abc'] }, tag: { any: ['v1:2'] } })
  })

  it('reads quoted values with escapes', () => {
    expect(parse('actor:"John Smith"')).toEqual({ actor: { any: ['John Smith'] } })
    expect(parse('actor:"say \\"hi\\""')).toEqual({ actor: { any: ['say "hi"'] } })
    expect(parse('actor:"back\\\\slash"')).toEqual({ actor: { any: ['back\\slash'] } })
    // Only \" and \\ are escapes: a Windows path needs no doubling.
    expect(parse('actor:"C:\\Users\\n"')).toEqual({ actor: { any: ['C:\\Users\\n'] } })
    expect(parse('-actor:"ci bot"')).toEqual({ actor: { none: ['ci bot'] } })
  })

  it('keeps a quote inside an unquoted value as text', () => {
    expect(parse('actor:o"brien')).toEqual({ actor: { any: ['o"brien'] } })
  })

  it('reads free text: words, phrases and exclusions', () => {
    expect(parse('error "not found" -timeout -"rate limit" --dash')).toEqual({
      text: ['error', 'not found'],
      notText: ['timeout', 'rate limit', '-dash']
    })
    // Without letters-only names before the colon, text with colons stays text.
    expect(parse('10:30 sha256:abc a_b:c "http://x"')).toEqual({ text: ['10:30', 'sha256:abc', 'a_b:c', 'http://x'] })
  })

  it('sets includePull for include:pull', () => {
    expect(parse('include:pull')).toEqual({ includePull: true })
    expect(parse('INCLUDE:Pull verb:GET')).toEqual({ includePull: true, verb: { any: ['GET'] } })
  })

  it('reads since and until in the given zone, until a date being exclusive of the next day', () => {
    expect(parse('since:2026-01-01 until:2026-01-31')).toEqual({
      since: Date.UTC(2026, 0, 1),
      until: Date.UTC(2026, 1, 1)
    })
    expect(parse('since:2026-07-01 until:2026-07-01', 'Europe/Berlin')).toEqual({
      since: Date.UTC(2026, 5, 30, 22),
      until: Date.UTC(2026, 6, 1, 22)
    })
    expect(parse('since:"2026-01-31 10:00" until:now')).toEqual({ since: Date.UTC(2026, 0, 31, 10), until: NOW })
    expect(parse('since:24h')).toEqual({ since: NOW - DAY })
    expect(parse('until:2026-01-31T10:00:00+02:00')).toEqual({ until: Date.UTC(2026, 0, 31, 8) })
  })

  it('treats NUL, control characters and bidi overrides as ordinary text', () => {
    expect(parse('a\u0000b \u202eevil\u202c \u0007')).toEqual({ text: ['a\u0000b', '\u202eevil\u202c', '\u0007'] })
    expect(parse('actor:\u0000x')).toEqual({ actor: { any: ['\u0000x'] } })
    // Unicode spaces separate words like ASCII ones do.
    expect(parse('a\u00a0b\u3000c')).toEqual({ text: ['a', 'b', 'c'] })
  })

  it('accepts a query of exactly the maximum length', () => {
    // Ten terms of 999 characters: each within the API's 1024 per value, the whole at the limit.
    const text = `${'a'.repeat(999)} `.repeat(MAX_QUERY_LENGTH / 1000)
    expect(text.length).toBe(MAX_QUERY_LENGTH)
    expect(parse(text).text).toHaveLength(MAX_QUERY_LENGTH / 1000)
  })

  it('parses hostile input of the maximum size without failing in unexpected ways', () => {
    const cases = [
      '"'.repeat(MAX_QUERY_LENGTH),
      '\\'.repeat(MAX_QUERY_LENGTH),
      '-'.repeat(MAX_QUERY_LENGTH),
      `${'a'.repeat(MAX_QUERY_LENGTH - 1)}:`,
      'actor:'.repeat(MAX_QUERY_LENGTH / 6),
      'x:'.repeat(MAX_QUERY_LENGTH / 2),
      `actor:"${'\\"'.repeat(4000)}"`,
      'a'.repeat(MAX_QUERY_LENGTH),
      '\u202e'.repeat(MAX_QUERY_LENGTH),
      '\ud800'.repeat(MAX_QUERY_LENGTH)
    ]
    for (const text of cases) {
      try {
        parse(text)
      } catch (error) {
        expect(error).toBeInstanceOf(QuerySyntaxError)
        // Messages quote only a short, escaped excerpt of the input.
        expect((error as Error).message.length).toBeLessThan(400)
      }
    }
    expect(parse(`actor:"${'\\"'.repeat(1000)}"`).actor?.any?.[0]).toBe('"'.repeat(1000))
  })

  it('never throws anything but QuerySyntaxError, for any string', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.string({ unit: fc.constantFrom('a', ':', '"', '\\', '-', ' ', 'verb:', 'since:', 'x', '\u0000'), maxLength: 60 }),
        (any, structured) => {
          for (const text of [any, structured]) {
            try {
              parse(text)
            } catch (error) {
              if (!(error instanceof QuerySyntaxError)) throw error
              expect(error.position).toBeGreaterThanOrEqual(0)
              expect(error.position).toBeLessThanOrEqual(text.length)
            }
          }
        }
      ),
      { numRuns: 300 }
    )
  })
})

describe('parseQuery errors', () => {
  it('names an unknown qualifier, suggests the closest and lists the known ones', () => {
    const error = errorOf('verb:GET acter:alice')
    expect(error.message).toBe(
      `unknown qualifier "acter:" (did you mean "actor:"?) — ${KNOWN}; put text that contains a colon in quotes`
    )
    expect(error.position).toBe(9)
    expect(errorOf('  -Verbb:GET').message).toContain('unknown qualifier "Verbb:" (did you mean "verb:"?)')
    expect(errorOf('  -Verbb:GET').position).toBe(2)
    expect(errorOf('http://example.com').message).toBe(
      `unknown qualifier "http:" — ${KNOWN}; put text that contains a colon in quotes`
    )
  })

  it('names a bad enumerated value and lists the allowed ones', () => {
    const verb = errorOf('actor:a verb:DELET')
    expect(verb.message).toBe('bad verb "DELET": expected one of CREATE, GET, UPDATE, DELETE, SEND, FAIL, SCAN')
    expect(verb.position).toBe(13)
    expect(errorOf('activity:pushed').message).toBe(`bad activity "pushed": expected one of ${ACTIVITIES.join(', ')}`)
    expect(errorOf('outcome:ok').message).toBe('bad outcome "ok": expected one of success, failure, unknown')
    expect(errorOf('-verb:"DEL ETE"').message).toBe('bad verb "DEL ETE": expected one of CREATE, GET, UPDATE, DELETE, SEND, FAIL, SCAN')
    expect(errorOf('include:push').message).toBe('bad include "push": expected pull')
  })

  it('escapes hostile characters in echoed values', () => {
    expect(errorOf('verb:\u202eTEG').message).toBe(
      'bad verb "\\u202eTEG": expected one of CREATE, GET, UPDATE, DELETE, SEND, FAIL, SCAN'
    )
    expect(errorOf(`verb:${'X'.repeat(5000)}`).message).toBe(
      `bad verb "${'X'.repeat(60)}…": expected one of CREATE, GET, UPDATE, DELETE, SEND, FAIL, SCAN`
    )
  })

  it('reports an unterminated quote at the opening quote', () => {
    const error = errorOf('actor:"John Smith')
    expect(error.message).toBe('unterminated quote: add the closing "')
    expect(error.position).toBe(6)
    expect(errorOf('word "phrase').position).toBe(5)
    expect(errorOf('actor:"ends in backslash\\"').position).toBe(6)
  })

  it('refuses text glued to a closing quote', () => {
    const error = errorOf('actor:"a"b')
    expect(error.message).toBe('unexpected text right after a closing quote: leave a space after it')
    expect(error.position).toBe(9)
    expect(errorOf('"a""b"').position).toBe(3)
  })

  it('refuses empty values and phrases', () => {
    expect(errorOf('actor:').message).toBe('empty value for actor: — write actor:VALUE, or actor:"a value" for one with spaces')
    expect(errorOf('x tag: y').position).toBe(2)
    expect(errorOf('tag:""').message).toBe('empty value for tag: — write tag:VALUE, or tag:"a value" for one with spaces')
    expect(errorOf('a ""').message).toBe('empty quoted phrase')
    expect(errorOf('a -""').position).toBe(2)
  })

  it('refuses a lone dash', () => {
    expect(errorOf('a - b').message).toBe('a lone "-" excludes nothing: write -word, -"a phrase" or -qualifier:value')
    expect(errorOf('a - b').position).toBe(2)
    expect(errorOf('a -').position).toBe(2)
  })

  it('refuses negated or repeated time bounds and negated include', () => {
    expect(errorOf('-since:7d').message).toBe('-since: is not allowed: use until: to end the range instead')
    expect(errorOf('-until:7d').message).toBe('-until: is not allowed: use since: to start the range instead')
    expect(errorOf('-include:pull').message).toBe(
      '-include: is not allowed: pull events are left out unless include:pull is given'
    )
    const twice = errorOf('since:7d since:1d')
    expect(twice.message).toBe('since: is given twice: a range has one since')
    expect(twice.position).toBe(9)
    expect(errorOf('until:1d UNTIL:2d').message).toBe('until: is given twice: a range has one until')
  })

  it('reports a bad date at its value, with the time parser message', () => {
    const error = errorOf('actor:a since:2026-13-01')
    expect(error.message).toBe(
      'since: bad date "2026-13-01": expected an ISO date (2026-01-31), a date-time (2026-01-31T10:00Z) or a relative time (15m, 24h, 7d)'
    )
    expect(error.position).toBe(14)
    expect(errorOf('until:2026-02-30').message).toBe('until: bad date "2026-02-30": 2026-02 has 28 days')
    expect(errorOf('since:7d', 'Mars/Base').message).toBe(
      'since: unknown time zone "Mars/Base": expected UTC, local or an IANA name such as Europe/Berlin'
    )
  })

  it('refuses a range that ends before it starts', () => {
    const error = errorOf('until:2026-01-01 since:2026-01-02')
    expect(error.message).toBe('since (2026-01-02T00:00:00.000Z) must be before until (2026-01-02T00:00:00.000Z)')
    expect(error.position).toBe(17)
    expect(errorOf('since:1d until:2d', 'Europe/Berlin').message).toBe(
      'since (2026-01-30T13:00:00.000+01:00) must be before until (2026-01-29T13:00:00.000+01:00)'
    )
  })

  it('refuses input over the length cap before reading it', () => {
    const error = errorOf('a'.repeat(100_000))
    expect(error.message).toBe('query is too long: 100000 characters, at most 10000')
    expect(error.position).toBe(MAX_QUERY_LENGTH)
    expect(errorOf('a'.repeat(MAX_QUERY_LENGTH + 1)).message).toBe('query is too long: 10001 characters, at most 10000')
  })
})

describe('formatQuery', () => {
  it('prints qualifiers, instants in UTC and quoted text', () => {
    expect(
      formatQuery({
        account: { any: ['hub'] },
        verb: { any: ['DELETE'], none: ['GET'] },
        actor: { any: ['John Smith'], none: ['ci-bot'] },
        repository: { any: ['team/*'] },
        since: Date.UTC(2026, 0, 24, 12),
        until: Date.UTC(2026, 1, 1),
        includePull: true,
        text: ['free text', 'word', '-dash', 'verb:x', '"q"'],
        notText: ['timeout', 'rate limit', '-x']
      })
    ).toBe(
      'account:hub verb:DELETE -verb:GET actor:"John Smith" -actor:ci-bot repo:team/* ' +
        'since:2026-01-24T12:00:00.000Z until:2026-02-01T00:00:00.000Z include:pull ' +
        '"free text" word "-dash" "verb:x" "\\"q\\"" -timeout -"rate limit" --x'
    )
    expect(formatQuery({})).toBe('')
    expect(formatQuery({ includePull: false })).toBe('')
  })

  it('refuses a bound that is not an instant it can print', () => {
    expect(() => formatQuery({ since: 1.5 })).toThrow(RangeError)
    expect(() => formatQuery({ until: 8.64e15 })).toThrow('until is not an instant in the years 0000–9999')
    expect(() => formatQuery({ since: -62_167_219_200_001 })).toThrow(RangeError)
  })

  it('round-trips: parseQuery(formatQuery(q)) equals q', () => {
    const value = fc.oneof(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
      fc.string({ unit: fc.constantFrom('"', '\\', ' ', '-', ':', 'a', 'Z', '\t', '\u00a0', '\u0000', '\u202e'), minLength: 1, maxLength: 8 })
    )
    const filter = <T extends string>(values: fc.Arbitrary<T>): fc.Arbitrary<ValueFilter<T>> =>
      fc
        .record(
          { any: fc.array(values, { minLength: 1, maxLength: 3 }), none: fc.array(values, { minLength: 1, maxLength: 3 }) },
          { requiredKeys: [] }
        )
        .filter((f) => f.any !== undefined || f.none !== undefined)
    const instant = fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 })
    const query: fc.Arbitrary<EventQuery> = fc
      .record(
        {
          account: filter(value),
          verb: filter(fc.constantFrom(...VERBS)),
          activity: filter(fc.constantFrom(...ACTIVITIES)),
          actor: filter(value),
          repository: filter(value),
          tag: filter(value),
          digest: filter(value),
          outcome: filter(fc.constantFrom(...OUTCOMES)),
          since: instant,
          until: instant,
          text: fc.array(value, { minLength: 1, maxLength: 3 }),
          notText: fc.array(value, { minLength: 1, maxLength: 3 }),
          includePull: fc.constant(true as const)
        },
        { requiredKeys: [] }
      )
      .filter((q) => q.since === undefined || q.until === undefined || q.since < q.until)
    fc.assert(
      fc.property(query, fc.constantFrom('UTC', 'Europe/Berlin', 'Asia/Tokyo'), (q, timeZone) => {
        const text = formatQuery(q)
        // The zone must not matter: printed instants carry their offset.
        expect(parseQuery(text, { now: NOW, timeZone })).toEqual(q)
      }),
      { numRuns: 1000 }
    )
  })
})

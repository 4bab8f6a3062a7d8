import fc from 'fast-check'
import { eventQuerySchema } from '../../src/shared/contract'
import { formatQuery, MAX_QUERY_LENGTH, parseQuery, QuerySyntaxError } from '../../src/shared/query-parser'
import { formatInstant, parseInstant, TimeSyntaxError, validateTimeZone } from '../../src/shared/time'
import { eraseInput, type FuzzTarget, type SomeFuzzTarget } from './fuzz-target'
import { expectErrorOf, FuzzFailure } from './fuzz-oracle'
import { hostileText } from './hostile-values'

/**
 * Fuzz targets for what users type: the query bar's qualifier syntax and the time parser behind
 * `since:`/`until:`, `--since` and the IBM event times. Only QuerySyntaxError / TimeSyntaxError
 * may come out; what parses must survive a print-and-parse round trip and, for a query, be
 * something the API contract accepts (else the UI would send what the core refuses).
 */

const NOW = Date.parse('2026-02-01T12:00:00Z')
const ZONES = ['UTC', 'Europe/Berlin', 'America/St_Johns', 'Asia/Kathmandu', 'Pacific/Chatham', 'Pacific/Kiritimati', 'America/Sao_Paulo'] as const

const QUERY_UNITS = [
  'verb:', 'activity:', 'actor:', 'repo:', 'repository:', 'tag:', 'digest:', 'account:', 'outcome:', 'since:', 'until:', 'include:',
  'Verb:', 'acter:', 'http:', '-', '--', '"', '\\', '\\"', ' ', '  ', '\t', '\u00a0', '*', ':', 'x', 'alice', 'team/*', 'DELETE', 'delete',
  'push', 'pull', 'failure', 'success', '7d', '15m', '99999999999999999d', 'now', '2026-01-31', '2026-01-31T10:00Z', '2026-02-30',
  '0000-01-01', '9999-12-31T23:59:59.999+14:00', 'sha256:4f1c', '\u0000', '\u202e', '<script>',
  'constructor:', 'Constructor:', 'toString:', 'valueOf:', 'hasOwnProperty:', '__proto__:'
]

const queryTexts: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: fc.constantFrom(...QUERY_UNITS), maxLength: 24 }), weight: 6 },
  { arbitrary: fc.array(fc.tuple(fc.constantFrom(...QUERY_UNITS), hostileText(30)), { maxLength: 6 }).map((terms) => terms.map(([q, v]) => `${q}${v}`).join(' ')), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 120 }), weight: 2 },
  {
    // Around and over the length limit, and values far over what one filter value may hold.
    arbitrary: fc
      .tuple(fc.constantFrom('actor:', 'x ', '"', 'verb:DELETE ', '-tag:'), fc.integer({ min: 500, max: MAX_QUERY_LENGTH + 50 }))
      .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length)),
    weight: 1
  }
)

export interface QueryInput {
  text: string
  timeZone: string
}

export const queryParserTarget: FuzzTarget<QueryInput> = {
  name: 'query-parser',
  covers: 'parseQuery → formatQuery → parseQuery, against the contract’s query schema',
  arbitrary: fc.record({ text: queryTexts, timeZone: fc.constantFrom(...ZONES) }),
  run({ text, timeZone }) {
    let query
    try {
      query = parseQuery(text, { now: NOW, timeZone })
    } catch (error) {
      expectErrorOf(error, QuerySyntaxError, 'parseQuery')
      const position = (error as QuerySyntaxError).position
      if (!Number.isInteger(position) || position < 0 || position > text.length) {
        throw new FuzzFailure(`QuerySyntaxError position ${position} outside the input (${text.length} characters)`)
      }
      return 'refused'
    }
    const checked = eventQuerySchema.safeParse(query)
    if (!checked.success) {
      const issue = checked.error.issues[0]
      throw new FuzzFailure(`parseQuery accepted a query the API refuses: ${issue?.path.join('.')} ${issue?.message}`)
    }
    const printed = formatQuery(query)
    let again
    try {
      again = parseQuery(printed, { now: NOW, timeZone: 'UTC' })
    } catch (error) {
      throw new FuzzFailure(`formatQuery printed ${JSON.stringify(printed.slice(0, 200))}, which does not parse: ${(error as Error).message}`)
    }
    if (JSON.stringify(again) !== JSON.stringify(query)) {
      throw new FuzzFailure(`round trip changed the query: ${JSON.stringify(query).slice(0, 300)} → ${JSON.stringify(again).slice(0, 300)}`)
    }
    return 'accepted'
  }
}

const digits = (min: number, max: number, width: number) => fc.integer({ min, max }).map((n) => String(n).padStart(width, '0'))

const timeTexts: fc.Arbitrary<string> = fc.oneof(
  {
    // Date-times assembled from parts, each sometimes out of range, with every separator and offset form.
    arbitrary: fc
      .record({
        year: fc.oneof(digits(0, 9999, 4), digits(10000, 999999, 5)),
        month: digits(0, 13, 2),
        day: digits(0, 32, 2),
        sep: fc.constantFrom('T', 't', ' ', '_'),
        hour: digits(0, 25, 2),
        minute: digits(0, 61, 2),
        second: fc.option(digits(0, 61, 2), { nil: undefined }),
        fraction: fc.option(fc.string({ unit: fc.constantFrom('0', '5', '9'), minLength: 1, maxLength: 12 }), { nil: undefined }),
        offset: fc.constantFrom('', 'Z', 'z', '+00:00', '-00:00', '+05:45', '+0530', '+14', '-12:00:00', '+24:00', '-99:99', '+05:4')
      })
      .map((p) => `${p.year}-${p.month}-${p.day}${p.sep}${p.hour}:${p.minute}${p.second === undefined ? '' : `:${p.second}${p.fraction === undefined ? '' : `.${p.fraction}`}`}${p.offset}`),
    weight: 5
  },
  { arbitrary: fc.tuple(digits(0, 10000, 4), digits(0, 13, 2), digits(0, 32, 2)).map(([y, m, d]) => `${y}-${m}-${d}`), weight: 2 },
  { arbitrary: fc.tuple(fc.string({ unit: fc.constantFrom('0', '1', '9'), minLength: 1, maxLength: 20 }), fc.constantFrom('s', 'm', 'h', 'd', 'w', 'M', 'y', '')).map(([n, u]) => `${n}${u}`), weight: 2 },
  { arbitrary: fc.constantFrom('now', 'NOW', ' now ', 'yesterday', ''), weight: 1 },
  { arbitrary: hostileText(80), weight: 2 }
)

export interface TimeInput {
  text: string
  timeZone: string
  bound: 'since' | 'until'
}

const MIN_INSTANT = -62_167_219_200_000
const MAX_INSTANT = 253_402_300_799_999

export const timeParserTarget: FuzzTarget<TimeInput> = {
  name: 'time-parser',
  covers: 'parseInstant (absolute, relative, zones) → formatInstant → parseInstant; validateTimeZone',
  arbitrary: fc.record({
    text: timeTexts,
    timeZone: fc.oneof({ arbitrary: fc.constantFrom(...ZONES), weight: 8 }, { arbitrary: hostileText(30), weight: 1 }),
    bound: fc.constantFrom('since' as const, 'until' as const)
  }),
  run({ text, timeZone, bound }) {
    let zone: string
    try {
      zone = validateTimeZone(timeZone)
    } catch (error) {
      expectErrorOf(error, TimeSyntaxError, 'validateTimeZone')
      return 'refused'
    }
    let ms: number
    try {
      ms = parseInstant(text, { now: NOW, timeZone: zone, bound })
    } catch (error) {
      expectErrorOf(error, TimeSyntaxError, 'parseInstant')
      return 'refused'
    }
    if (!Number.isSafeInteger(ms) || ms < MIN_INSTANT || ms > MAX_INSTANT) throw new FuzzFailure(`parseInstant gave ${ms}, outside the years 0000–9999`)
    const printed = formatInstant(ms, zone)
    // Near the ends of the range the zone's wall time leaves 0000–9999 (formatInstant then prints
    // +010000-…), a known limit of the printed form; everything else must read back exactly.
    if (!/^\d{4}-/.test(printed)) return 'accepted'
    const again = parseInstant(printed, { now: NOW, timeZone: 'UTC', bound: 'since' })
    if (again !== ms) throw new FuzzFailure(`formatInstant printed ${printed} for ${ms}, which parses back as ${again}`)
    return 'accepted'
  }
}

export const TEXT_PARSER_TARGETS: readonly SomeFuzzTarget[] = [eraseInput(queryParserTarget), eraseInput(timeParserTarget)]

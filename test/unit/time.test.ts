import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  formatInstant,
  instantFormatter,
  parseInstant,
  quoteForMessage,
  resolveTimeZone,
  TimeSyntaxError,
  validateTimeZone,
  zoneOffset
} from '../../src/shared/time'

const NOW = Date.UTC(2026, 0, 31, 12, 0, 0, 0)
const EXPECTED =
  'expected an ISO date (2026-01-31), a date-time (2026-01-31T10:00Z) or a relative time (15m, 24h, 7d)'

function since(text: string, timeZone?: string): number {
  return parseInstant(text, { now: NOW, bound: 'since', timeZone })
}
function until(text: string, timeZone?: string): number {
  return parseInstant(text, { now: NOW, bound: 'until', timeZone })
}
function iso(ms: number): string {
  return new Date(ms).toISOString()
}
function errorOf(run: () => unknown): TimeSyntaxError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(TimeSyntaxError)
    return error as TimeSyntaxError
  }
  throw new Error('expected a TimeSyntaxError')
}

describe('parseInstant: relative times', () => {
  it.each([
    ['30s', 30_000],
    ['15m', 15 * 60_000],
    ['24h', 24 * 3_600_000],
    ['7d', 7 * 86_400_000],
    ['2w', 14 * 86_400_000],
    ['0d', 0]
  ])('%s counts back from now', (text, back) => {
    expect(since(text)).toBe(NOW - back)
    // The bound does not change a relative time: it is an instant, not a day.
    expect(until(text)).toBe(NOW - back)
  })

  it('accepts now in any case and surrounding spaces', () => {
    expect(since('now')).toBe(NOW)
    expect(until(' NOW ')).toBe(NOW)
    expect(since(' 7d\t')).toBe(NOW - 7 * 86_400_000)
  })

  it.each(['15M', '7D', '1.5h', '-7d', '+7d', '7 d', 'd', '7', '7y', '7days', '1e3s'])('refuses %j', (text) => {
    const error = errorOf(() => since(text))
    expect(error.message).toBe(`bad date ${JSON.stringify(text)}: ${EXPECTED}`)
    expect(error.input).toBe(text)
  })

  it('refuses a relative time that reaches before year 0', () => {
    expect(errorOf(() => since('999999999999999w')).message).toBe(
      'bad date "999999999999999w": outside the years 0000–9999'
    )
    expect(errorOf(() => since('800000d')).message).toContain('outside the years 0000–9999')
  })
})

describe('parseInstant: dates', () => {
  it('reads a date as the start of the day for since, the start of the next day for until', () => {
    expect(iso(since('2026-01-31'))).toBe('2026-01-31T00:00:00.000Z')
    expect(iso(until('2026-01-31'))).toBe('2026-02-01T00:00:00.000Z')
    expect(iso(until('2026-12-31'))).toBe('2027-01-01T00:00:00.000Z')
    expect(iso(until('2026-02-28'))).toBe('2026-03-01T00:00:00.000Z')
  })

  it('accepts leap days only in leap years', () => {
    expect(iso(since('2024-02-29'))).toBe('2024-02-29T00:00:00.000Z')
    expect(iso(until('2024-02-29'))).toBe('2024-03-01T00:00:00.000Z')
    expect(iso(since('2000-02-29'))).toBe('2000-02-29T00:00:00.000Z')
    expect(errorOf(() => since('2025-02-29')).message).toBe('bad date "2025-02-29": 2025-02 has 28 days')
    expect(errorOf(() => since('2100-02-29')).message).toBe('bad date "2100-02-29": 2100-02 has 28 days')
  })

  it('rejects impossible days, not just bad shapes', () => {
    expect(errorOf(() => since('2026-02-30')).message).toBe('bad date "2026-02-30": 2026-02 has 28 days')
    expect(errorOf(() => since('2024-02-30')).message).toBe('bad date "2024-02-30": 2024-02 has 29 days')
    expect(errorOf(() => since('2026-04-31')).message).toBe('bad date "2026-04-31": 2026-04 has 30 days')
    expect(errorOf(() => since('2026-01-00')).message).toBe('bad date "2026-01-00": 2026-01 has 31 days')
    expect(errorOf(() => since('2026-02-30T10:00Z')).message).toBe(
      'bad date "2026-02-30T10:00Z": 2026-02 has 28 days'
    )
  })

  it.each(['2026-13-01', '2026-00-10', '2026-1-31', '26-01-31', '2026/01/31', '31.01.2026', '', '   ', 'yesterday'])(
    'names the accepted forms for %j',
    (text) => {
      const error = errorOf(() => since(text))
      expect(error.message).toBe(`bad date ${JSON.stringify(text)}: ${EXPECTED}`)
      expect(error.name).toBe('TimeSyntaxError')
      expect(error.input).toBe(text)
    }
  )

  it('keeps years below 100 as written', () => {
    expect(iso(since('0001-01-01'))).toBe('0001-01-01T00:00:00.000Z')
    expect(iso(since('0099-12-31T23:59Z'))).toBe('0099-12-31T23:59:00.000Z')
    expect(iso(since('0000-01-01'))).toBe('0000-01-01T00:00:00.000Z')
  })

  it('refuses an until that would fall after 9999', () => {
    expect(iso(since('9999-12-31'))).toBe('9999-12-31T00:00:00.000Z')
    expect(errorOf(() => until('9999-12-31')).message).toBe('bad date "9999-12-31": outside the years 0000–9999')
  })
})

describe('parseInstant: date-times', () => {
  it.each([
    ['2026-01-31T10:00', '2026-01-31T10:00:00.000Z'],
    ['2026-01-31 10:00', '2026-01-31T10:00:00.000Z'],
    ['2026-01-31T10:00:05', '2026-01-31T10:00:05.000Z'],
    ['2026-01-31T10:00:05.5', '2026-01-31T10:00:05.500Z'],
    ['2026-01-31T10:00:05,25', '2026-01-31T10:00:05.250Z'],
    ['2026-01-31T10:00:05.123456789Z', '2026-01-31T10:00:05.123Z'],
    ['2026-01-31T10:00:00Z', '2026-01-31T10:00:00.000Z'],
    ['2026-01-31t10:00:00z', '2026-01-31T10:00:00.000Z'],
    ['2026-01-31T10:00Z', '2026-01-31T10:00:00.000Z'],
    ['2026-01-31T10:00:00+02:00', '2026-01-31T08:00:00.000Z'],
    ['2026-01-31T10:00:00+0200', '2026-01-31T08:00:00.000Z'],
    ['2026-01-31T10:00:00+02', '2026-01-31T08:00:00.000Z'],
    ['2026-01-31T10:00:00-05:30', '2026-01-31T15:30:00.000Z'],
    ['2026-01-31 00:30-01:00', '2026-01-31T01:30:00.000Z'],
    ['2026-01-01T00:30+01:00', '2025-12-31T23:30:00.000Z'],
    ['1919-12-31T23:59:59.999+05:41:16', '1919-12-31T18:18:43.999Z'],
    ['1919-12-31T23:59:59+054116', '1919-12-31T18:18:43.000Z']
  ])('%s is %s', (text, expected) => {
    expect(iso(since(text))).toBe(expected)
    // A date-time is an instant: as an until bound it is used as it is.
    expect(iso(until(text))).toBe(expected)
  })

  it('ignores the zone when the text has an offset', () => {
    expect(since('2026-07-01T12:00Z', 'Europe/Berlin')).toBe(Date.UTC(2026, 6, 1, 12))
    expect(since('2026-07-01T12:00+05:00', 'America/New_York')).toBe(Date.UTC(2026, 6, 1, 7))
  })

  it.each([
    ['2026-01-31T24:00', '24:00 is not a time of day'],
    ['2026-01-31T23:60', '23:60 is not a time of day'],
    ['2026-01-31T23:59:60Z', '23:59:60 is not a time of day'],
    ['2026-01-31T10:00+24:00', 'offset +24:00 is out of range'],
    ['2026-01-31T10:00-01:60', 'offset -01:60 is out of range'],
    ['2026-01-31T10:00+01:00:60', 'offset +01:00:60 is out of range']
  ])('refuses %s', (text, reason) => {
    expect(errorOf(() => since(text)).message).toBe(`bad date "${text}": ${reason}`)
  })

  it.each(['2026-01-31T1:00', '2026-01-31T10', '2026-01-31T10:00:0', '2026-01-31T10:00:00.', '2026-01-31T10:00 Z', '2026-01-31T10:00:00+2', '2026-01-31T10:00:00.1234567890Z', '2026-01-31T10:00+02:0000', '2026-01-31T10:00+02:00:0'])(
    'refuses the malformed %j',
    (text) => {
      expect(errorOf(() => since(text)).message).toBe(`bad date "${text}": ${EXPECTED}`)
    }
  )
})

describe('parseInstant: time zones', () => {
  it('reads times without an offset in the given zone, winter and summer', () => {
    expect(iso(since('2026-01-31T10:00', 'Europe/Berlin'))).toBe('2026-01-31T09:00:00.000Z')
    expect(iso(since('2026-07-31T10:00', 'Europe/Berlin'))).toBe('2026-07-31T08:00:00.000Z')
    expect(iso(since('2026-01-31T10:00', 'America/New_York'))).toBe('2026-01-31T15:00:00.000Z')
    expect(iso(since('2026-01-31T10:00', 'Asia/Kathmandu'))).toBe('2026-01-31T04:15:00.000Z')
    expect(iso(since('2026-01-31', 'Asia/Tokyo'))).toBe('2026-01-30T15:00:00.000Z')
    expect(iso(until('2026-01-31', 'Asia/Tokyo'))).toBe('2026-01-31T15:00:00.000Z')
  })

  it('moves a time in the spring-forward gap forward by the gap', () => {
    // Berlin, 2026-03-29: 02:00 CET becomes 03:00 CEST, so 02:30 never happens on the wall.
    expect(iso(since('2026-03-29T02:30', 'Europe/Berlin'))).toBe('2026-03-29T01:30:00.000Z')
    expect(iso(since('2026-03-29T01:59', 'Europe/Berlin'))).toBe('2026-03-29T00:59:00.000Z')
    expect(iso(since('2026-03-29T03:00', 'Europe/Berlin'))).toBe('2026-03-29T01:00:00.000Z')
    // New York, 2026-03-08: 02:00 EST becomes 03:00 EDT.
    expect(iso(since('2026-03-08T02:15', 'America/New_York'))).toBe('2026-03-08T07:15:00.000Z')
  })

  it('takes the earlier of the two instants in the fall-back overlap', () => {
    // Berlin, 2026-10-25: 03:00 CEST becomes 02:00 CET, so 02:30 happens twice.
    expect(iso(since('2026-10-25T02:30', 'Europe/Berlin'))).toBe('2026-10-25T00:30:00.000Z')
    expect(iso(since('2026-10-25T03:00', 'Europe/Berlin'))).toBe('2026-10-25T02:00:00.000Z')
    expect(iso(since('2026-11-01T01:30', 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z')
  })

  it('gives DST days their true length: 23 and 25 hours', () => {
    const spring = until('2026-03-29', 'Europe/Berlin') - since('2026-03-29', 'Europe/Berlin')
    const autumn = until('2026-10-25', 'Europe/Berlin') - since('2026-10-25', 'Europe/Berlin')
    expect(spring).toBe(23 * 3_600_000)
    expect(autumn).toBe(25 * 3_600_000)
    // Lord Howe Island moves its clocks by half an hour.
    const lordHowe = until('2026-10-04', 'Australia/Lord_Howe') - since('2026-10-04', 'Australia/Lord_Howe')
    expect(lordHowe).toBe(23.5 * 3_600_000)
  })

  it('starts a day whose midnight does not exist at its first instant', () => {
    // Brazil started DST at midnight until 2018: 2018-11-04 began at 01:00 local.
    expect(iso(since('2018-11-04', 'America/Sao_Paulo'))).toBe('2018-11-04T03:00:00.000Z')
    expect(iso(until('2018-11-03', 'America/Sao_Paulo'))).toBe('2018-11-04T03:00:00.000Z')
  })

  it("reads local as the runtime's zone, UTC by default", () => {
    const runtime = Intl.DateTimeFormat().resolvedOptions().timeZone
    expect(since('2026-07-01T12:00', 'local')).toBe(since('2026-07-01T12:00', runtime))
    expect(since('2026-07-01T12:00')).toBe(Date.UTC(2026, 6, 1, 12))
  })

  it('refuses an unknown zone with a TimeSyntaxError', () => {
    expect(errorOf(() => since('2026-01-31', 'Mars/Olympus')).message).toBe(
      'unknown time zone "Mars/Olympus": expected UTC, local or an IANA name such as Europe/Berlin'
    )
  })
})

describe('formatInstant', () => {
  it('prints ISO 8601 with the zone offset, Z for UTC', () => {
    const ms = Date.UTC(2026, 0, 31, 10, 0, 0, 0)
    expect(formatInstant(ms, 'UTC')).toBe('2026-01-31T10:00:00.000Z')
    expect(formatInstant(ms, 'Europe/Berlin')).toBe('2026-01-31T11:00:00.000+01:00')
    expect(formatInstant(Date.UTC(2026, 6, 31, 10), 'Europe/Berlin')).toBe('2026-07-31T12:00:00.000+02:00')
    expect(formatInstant(ms, 'America/New_York')).toBe('2026-01-31T05:00:00.000-05:00')
    expect(formatInstant(ms, 'Asia/Kathmandu')).toBe('2026-01-31T15:45:00.000+05:45')
    expect(formatInstant(ms + 7, 'America/St_Johns')).toBe('2026-01-31T06:30:00.007-03:30')
    // London in winter is at +00:00 but is not UTC: the offset says it is a local reading.
    expect(formatInstant(ms, 'Europe/London')).toBe('2026-01-31T10:00:00.000+00:00')
  })

  it('prints both sides of a DST transition', () => {
    expect(formatInstant(Date.UTC(2026, 2, 29, 0, 59, 59, 999), 'Europe/Berlin')).toBe('2026-03-29T01:59:59.999+01:00')
    expect(formatInstant(Date.UTC(2026, 2, 29, 1), 'Europe/Berlin')).toBe('2026-03-29T03:00:00.000+02:00')
    expect(formatInstant(Date.UTC(2026, 9, 25, 0, 30), 'Europe/Berlin')).toBe('2026-10-25T02:30:00.000+02:00')
    expect(formatInstant(Date.UTC(2026, 9, 25, 1, 30), 'Europe/Berlin')).toBe('2026-10-25T02:30:00.000+01:00')
  })

  it('prints instants before 1970 and in year 0', () => {
    expect(formatInstant(-1, 'UTC')).toBe('1969-12-31T23:59:59.999Z')
    expect(formatInstant(Date.UTC(1969, 6, 20, 20, 17), 'America/Chicago')).toBe('1969-07-20T15:17:00.000-05:00')
    expect(formatInstant(-62_167_219_200_000, 'UTC')).toBe('0000-01-01T00:00:00.000Z')
  })

  it('prints the seconds of a local-mean-time offset', () => {
    // Kathmandu kept local mean time, +05:41:16, until 1920.
    expect(formatInstant(Date.UTC(1919, 11, 31, 18, 18, 43, 999), 'Asia/Kathmandu')).toBe(
      '1919-12-31T23:59:59.999+05:41:16'
    )
  })

  it('accepts local and refuses unknown zones', () => {
    expect(formatInstant(0, 'local')).toBe(formatInstant(0, Intl.DateTimeFormat().resolvedOptions().timeZone))
    expect(() => formatInstant(0, 'Nowhere/Special')).toThrow(TimeSyntaxError)
  })

  it('reads back as the same instant in every zone', () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham']
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }),
        fc.constantFrom(...zones),
        (ms, zone) => {
          const text = formatInstant(ms, zone)
          expect(parseInstant(text, { now: NOW, bound: 'since' })).toBe(ms)
          expect(parseInstant(text, { now: NOW, bound: 'until', timeZone: 'Asia/Tokyo' })).toBe(ms)
        }
      ),
      { numRuns: 500 }
    )
  })
})

describe('instantFormatter', () => {
  it('names the zone it resolved and agrees with formatInstant around transitions', () => {
    for (const zone of ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe']) {
      const formatter = instantFormatter(zone)
      expect(formatter.zone).toBe(zone)
      // Every 7 minutes and a bit across both 2026 transitions, in and out of order.
      const instants: number[] = []
      for (const day of [Date.UTC(2026, 2, 7), Date.UTC(2026, 2, 28), Date.UTC(2026, 9, 3), Date.UTC(2026, 9, 24), Date.UTC(2026, 10, 1), Date.UTC(2026, 3, 4)]) {
        for (let t = day; t < day + 3 * 86_400_000; t += 7 * 60_000 + 13) instants.push(t)
      }
      instants.reverse()
      for (const ms of instants) expect(formatter.format(ms)).toBe(formatInstant(ms, zone))
    }
  })

  it('agrees with formatInstant for any instant, before 1970 and in year 0 too', () => {
    const formatters = ['UTC', 'Europe/Berlin', 'Asia/Kathmandu', 'America/St_Johns'].map((zone) => ({
      zone,
      formatter: instantFormatter(zone)
    }))
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        for (const { zone, formatter } of formatters) expect(formatter.format(ms)).toBe(formatInstant(ms, zone))
      }),
      { numRuns: 300 }
    )
    const utc = instantFormatter('UTC')
    expect(utc.format(-1)).toBe('1969-12-31T23:59:59.999Z')
    expect(utc.format(-62_167_219_200_000)).toBe('0000-01-01T00:00:00.000Z')
    expect(utc.format(253_402_300_799_999)).toBe('9999-12-31T23:59:59.999Z')
    expect(instantFormatter('Asia/Tokyo').format(253_402_300_799_999)).toBe('+010000-01-01T08:59:59.999+09:00')
  })

  it('prints UTC with Z and resolves aliases', () => {
    expect(instantFormatter('Etc/UTC').zone).toBe('UTC')
    expect(instantFormatter('utc').format(0)).toBe('1970-01-01T00:00:00.000Z')
    expect(instantFormatter('europe/berlin').zone).toBe('Europe/Berlin')
  })
})

describe('validateTimeZone', () => {
  it('accepts UTC, local and IANA names and returns the canonical name', () => {
    expect(validateTimeZone('UTC')).toBe('UTC')
    expect(validateTimeZone('utc')).toBe('UTC')
    expect(validateTimeZone('Etc/UTC')).toBe('UTC')
    expect(validateTimeZone('local')).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone)
    expect(validateTimeZone('Local')).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone)
    expect(validateTimeZone('Europe/Berlin')).toBe('Europe/Berlin')
    expect(validateTimeZone('america/new_york')).toBe('America/New_York')
    // Some ICU versions canonicalise this to the older Asia/Katmandu; the user's spelling is kept.
    expect(resolveTimeZone('Asia/Kathmandu')).toBe('Asia/Kathmandu')
    expect(resolveTimeZone('US/Eastern')).toBe('US/Eastern')
  })

  it.each(['', 'Mars/Olympus', '+01:00', 'Europe/', 'Europe/Berlin\u0000'])('refuses %j', (name) => {
    const error = errorOf(() => validateTimeZone(name))
    expect(error.input).toBe(name)
    expect(error.message).toBe(
      `unknown time zone ${quoteForMessage(name)}: expected UTC, local or an IANA name such as Europe/Berlin`
    )
  })
})

describe('zoneOffset', () => {
  it('is the offset east of UTC in milliseconds', () => {
    expect(zoneOffset('UTC', 0)).toBe(0)
    expect(zoneOffset('Europe/Berlin', Date.UTC(2026, 0, 1))).toBe(3_600_000)
    expect(zoneOffset('America/New_York', Date.UTC(2026, 6, 1))).toBe(-4 * 3_600_000)
    expect(zoneOffset('Asia/Kathmandu', Date.UTC(2026, 6, 1) + 999)).toBe(5.75 * 3_600_000)
  })
})

describe('quoteForMessage', () => {
  it('escapes control characters, bidi overrides, quotes and backslashes', () => {
    expect(quoteForMessage('a"b\\c')).toBe('"a\\"b\\\\c"')
    expect(quoteForMessage('x\u0000y\u001b[31m')).toBe('"x\\u0000y\\u001b[31m"')
    expect(quoteForMessage('\u202eevil\u2066')).toBe('"\\u202eevil\\u2066"')
    expect(quoteForMessage('line\nbreak\u2028')).toBe('"line\\u000abreak\\u2028"')
  })

  it('cuts long text', () => {
    const quoted = quoteForMessage('x'.repeat(100_000))
    expect(quoted).toBe(`"${'x'.repeat(60)}…"`)
  })

  it('is used for hostile input in error messages', () => {
    const error = errorOf(() => since(`\u202e${'9'.repeat(100_000)}`))
    expect(error.message).toBe(`bad date "\\u202e${'9'.repeat(59)}…": ${EXPECTED}`)
    expect(error.input.length).toBe(100_001)
  })
})

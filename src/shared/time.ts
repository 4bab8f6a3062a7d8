/**
 * Instants as users type them and as exports print them. Pure: time zones come from Intl, so the
 * same code runs in main, the CLI and the renderer.
 *
 * Times are integer milliseconds since the epoch (UTC), as in the archive. Parsing is limited to the
 * years 0000–9999 so that every instant it returns can be printed back in plain ISO 8601.
 */

/** A date, time or time zone that could not be read. `input` is the text as given. */
export class TimeSyntaxError extends Error {
  readonly input: string

  constructor(message: string, input: string) {
    super(message)
    this.name = 'TimeSyntaxError'
    this.input = input
  }
}

export interface ParseInstantOptions {
  /** The instant relative forms (`7d`, `now`) count back from. */
  now: number
  /** Zone for dates and times written without an offset: `UTC` (default), `local` or an IANA name. */
  timeZone?: string
  /**
   * `since` reads a date-only value as the start of that day; `until`, an exclusive bound, as the
   * start of the next day, so `until:2026-01-31` still includes all of January 31.
   */
  bound: 'since' | 'until'
}

const EXPECTED_FORMS =
  'expected an ISO date (2026-01-31), a date-time (2026-01-31T10:00Z) or a relative time (15m, 24h, 7d)'

const MS_PER_UNIT: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000
}

/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the range ISO 8601 prints without a sign. */
const MIN_INSTANT = -62_167_219_200_000
const MAX_INSTANT = 253_402_300_799_999

// Lower case only, so `M` is never mistaken for months.
const RELATIVE = /^(\d{1,15})([smhdw])$/
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/
// Seconds, fraction and offset are optional; a space may stand for the T (as SQL and many logs print).
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::\d{2}(?::\d{2})?|\d{2}(?:\d{2})?)?)?$/i

/**
 * Reads an instant: `now`, a relative time (`30s`, `15m`, `24h`, `7d`, `2w`: that long before
 * `now`), an ISO date (`2026-01-31`) or date-time (`2026-01-31T10:00`, `2026-01-31 10:00:00.5`,
 * `2026-01-31T10:00:00Z`, `…+02:00`). Impossible dates such as February 30 are refused.
 * @throws TimeSyntaxError
 */
export function parseInstant(text: string, options: ParseInstantOptions): number {
  const input = text.trim()
  const fail: (reason: string) => never = (reason) => {
    throw new TimeSyntaxError(`bad date ${quoteForMessage(text)}: ${reason}`, text)
  }
  if (input.length > 64) fail(EXPECTED_FORMS)
  // Checked even when the text names no wall time, so a bad zone setting shows up at once.
  const zone = resolveTimeZone(options.timeZone ?? 'UTC')

  if (input.toLowerCase() === 'now') return inRange(options.now, fail)

  const relative = RELATIVE.exec(input)
  if (relative) {
    const amount = Number(relative[1])
    const unit = MS_PER_UNIT[relative[2]!]!
    return inRange(options.now - amount * unit, fail)
  }

  const dateOnly = DATE_ONLY.exec(input)
  if (dateOnly) {
    const [year, month, day] = checkDate(dateOnly, fail)
    // Wall-clock days are all 24 hours long; only the zone's mapping to instants varies.
    const midnight = utcWallTime(year, month, day, 0, 0, 0, 0) + (options.bound === 'until' ? 86_400_000 : 0)
    return inRange(wallTimeToInstant(zone, midnight), fail)
  }

  const dateTime = DATE_TIME.exec(input)
  if (dateTime) {
    const [year, month, day] = checkDate(dateTime, fail)
    const hour = Number(dateTime[4])
    const minute = Number(dateTime[5])
    const second = dateTime[6] === undefined ? 0 : Number(dateTime[6])
    if (hour > 23 || minute > 59 || second > 59) {
      fail(`${dateTime[4]}:${dateTime[5]}${dateTime[6] === undefined ? '' : `:${dateTime[6]}`} is not a time of day`)
    }
    // Sub-millisecond digits are dropped: the archive stores milliseconds.
    const millis = dateTime[7] === undefined ? 0 : Number(dateTime[7].slice(0, 3).padEnd(3, '0'))
    const wall = utcWallTime(year, month, day, hour, minute, second, millis)
    const offsetText = dateTime[8]
    if (offsetText === undefined) return inRange(wallTimeToInstant(zone, wall), fail)
    return inRange(wall - parseOffset(offsetText, fail), fail)
  }

  return fail(EXPECTED_FORMS)
}

function checkDate(match: RegExpExecArray, fail: (reason: string) => never): [number, number, number] {
  const year = Number(match[1])
  const month = Number(match[2])
  const day = Number(match[3])
  if (month < 1 || month > 12) fail(EXPECTED_FORMS)
  const days = daysInMonth(year, month)
  if (day < 1 || day > days) fail(`${match[1]}-${match[2]} has ${days} days`)
  return [year, month, day]
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/**
 * `Z`, `±HH`, `±HH:MM`, `±HHMM`, or with seconds (`+05:41:16`, which formatInstant prints for old
 * local mean times).
 */
function parseOffset(text: string, fail: (reason: string) => never): number {
  if (text.toUpperCase() === 'Z') return 0
  const digits = text.slice(1).replaceAll(':', '')
  const hours = Number(digits.slice(0, 2))
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0
  const seconds = digits.length > 4 ? Number(digits.slice(4, 6)) : 0
  // Real offsets run from -12:00 to +14:00; anything past 23:59:59 cannot be an offset at all.
  if (hours > 23 || minutes > 59 || seconds > 59) fail(`offset ${text} is out of range`)
  return (text.startsWith('-') ? -1 : 1) * ((hours * 60 + minutes) * 60 + seconds) * 1000
}

function inRange(ms: number, fail: (reason: string) => never): number {
  if (!Number.isSafeInteger(ms) || ms < MIN_INSTANT || ms > MAX_INSTANT) {
    fail('outside the years 0000–9999')
  }
  return ms
}

/**
 * Milliseconds for a wall-clock reading taken as if it were UTC. Unlike Date.UTC it keeps years
 * 0–99 as written instead of mapping them to 1900–1999.
 */
function utcWallTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millis: number
): number {
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, millis))
  date.setUTCFullYear(date.getUTCFullYear() - 2000 + year)
  return date.getTime()
}

// ---------------------------------------------------------------------------------------------
// Time zones

const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/Zulu', 'Zulu', 'Etc/Universal', 'Universal'])
const formatters = new Map<string, Intl.DateTimeFormat>()

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone)
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric'
    })
    formatters.set(zone, formatter)
  }
  return formatter
}

/**
 * The IANA name a zone setting stands for: `local` becomes the runtime's zone, UTC and its aliases
 * become `UTC`, and a name differing only in case is put in its canonical case (`europe/berlin` →
 * `Europe/Berlin`). Other aliases keep the spelling given: ICU canonicalises `Asia/Kathmandu` to
 * the older `Asia/Katmandu` on some runtimes, and an export header should name what the user chose.
 * @throws TimeSyntaxError for a name the runtime does not know.
 */
export function resolveTimeZone(name: string): string {
  if (name === 'UTC') return 'UTC'
  if (name.toLowerCase() === 'local') return Intl.DateTimeFormat().resolvedOptions().timeZone
  let resolved: string
  try {
    resolved = formatterFor(name).resolvedOptions().timeZone
  } catch {
    throw new TimeSyntaxError(
      `unknown time zone ${quoteForMessage(name)}: expected UTC, local or an IANA name such as Europe/Berlin`,
      name
    )
  }
  if (UTC_NAMES.has(resolved)) return 'UTC'
  return resolved.toLowerCase() === name.toLowerCase() ? resolved : name
}

/**
 * Checks a zone setting (`UTC`, `local`, `Area/City`) and returns the IANA name it stands for.
 * @throws TimeSyntaxError
 */
export function validateTimeZone(name: string): string {
  return resolveTimeZone(name)
}

/** The zone's offset from UTC at `ms`, in milliseconds (positive east of Greenwich). */
export function zoneOffset(zone: string, ms: number): number {
  if (zone === 'UTC') return 0
  const wholeSecond = ms - mod(ms, 1000)
  let year = 0
  let month = 1
  let day = 1
  let hour = 0
  let minute = 0
  let second = 0
  let bc = false
  for (const part of formatterFor(zone).formatToParts(wholeSecond)) {
    switch (part.type) {
      case 'year':
        year = Number(part.value)
        break
      case 'month':
        month = Number(part.value)
        break
      case 'day':
        day = Number(part.value)
        break
      case 'hour':
        hour = Number(part.value)
        break
      case 'minute':
        minute = Number(part.value)
        break
      case 'second':
        second = Number(part.value)
        break
      case 'era':
        bc = part.value === 'BC' || part.value === 'B'
        break
    }
  }
  if (bc) year = 1 - year
  return utcWallTime(year, month, day, hour, minute, second, 0) - wholeSecond
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b
}

/**
 * The instant a wall-clock reading names in `zone`. As in Temporal's `compatible` rule: a reading
 * that occurs twice (clocks going back) takes the earlier instant, and one that never occurs
 * (clocks going forward) moves forward by the length of the gap, so midnight on a day that starts
 * at 01:00 is 01:00.
 */
function wallTimeToInstant(zone: string, wall: number): number {
  if (zone === 'UTC') return wall
  // Transitions are months apart, so the offsets a day either side cover every candidate.
  const before = zoneOffset(zone, wall - 86_400_000)
  const after = zoneOffset(zone, wall + 86_400_000)
  const candidates = [wall - before, wall - after].filter((instant) => instant + zoneOffset(zone, instant) === wall)
  if (candidates.length > 0) return Math.min(...candidates)
  return wall - before
}

// ---------------------------------------------------------------------------------------------
// Printing

/**
 * ISO 8601 with milliseconds and the zone's offset at that instant: `2026-01-31T11:00:00.000+01:00`;
 * the UTC zone prints `Z`. `timeZone` is `UTC`, `local` or an IANA name.
 * @throws TimeSyntaxError for an unknown zone.
 */
export function formatInstant(ms: number, timeZone: string): string {
  const zone = resolveTimeZone(timeZone)
  return formatWithOffset(ms, zone === 'UTC' ? 0 : zoneOffset(zone, ms), zone === 'UTC')
}

function formatWithOffset(ms: number, offset: number, utc: boolean): string {
  const wall = new Date(ms + offset).toISOString().slice(0, -1)
  return `${wall}${utc ? 'Z' : offsetSuffix(offset)}`
}

function offsetSuffix(offset: number): string {
  const sign = offset < 0 ? '-' : '+'
  const abs = Math.abs(offset) / 1000
  const hh = String(Math.floor(abs / 3600)).padStart(2, '0')
  const mm = String(Math.floor(abs / 60) % 60).padStart(2, '0')
  const ss = abs % 60
  // Only local mean time before standard zones (Kathmandu until 1920: +05:41:16) has seconds.
  return `${sign}${hh}:${mm}${ss === 0 ? '' : `:${String(ss).padStart(2, '0')}`}`
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'))
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'))

/**
 * A formatter for many instants in one zone, for exports. The output is formatInstant's, but it
 * remembers each hour's offset and each day's date text, so a million rows cost a few thousand Intl
 * calls and no Date objects instead of a million of each.
 * @throws TimeSyntaxError for an unknown zone.
 */
export function instantFormatter(timeZone: string): { zone: string; format(ms: number): string } {
  const zone = resolveTimeZone(timeZone)
  const utc = zone === 'UTC'
  const hourOffsets = new Map<number, number | null>()
  const offsetAt = (ms: number): number => {
    if (utc) return 0
    const hour = Math.floor(ms / 3_600_000)
    let offset = hourOffsets.get(hour)
    if (offset === undefined) {
      const start = zoneOffset(zone, hour * 3_600_000)
      // null marks an hour with a transition inside it: those instants are looked up one by one.
      offset = start === zoneOffset(zone, hour * 3_600_000 + 3_599_999) ? start : null
      if (hourOffsets.size > 100_000) hourOffsets.clear()
      hourOffsets.set(hour, offset)
    }
    return offset ?? zoneOffset(zone, ms)
  }
  const suffixes = new Map<number, string>()
  let cachedDay = Number.NaN
  let datePrefix = ''
  const format = (ms: number): string => {
    const offset = offsetAt(ms)
    const wall = ms + offset
    // Out-of-range or fractional input takes the general path, which handles every case.
    if (!Number.isSafeInteger(wall) || wall < MIN_INSTANT || wall > MAX_INSTANT) {
      return formatWithOffset(ms, offset, utc)
    }
    const day = Math.floor(wall / 86_400_000)
    if (day !== cachedDay) {
      cachedDay = day
      datePrefix = new Date(day * 86_400_000).toISOString().slice(0, 11)
    }
    let rest = wall - day * 86_400_000
    const hours = Math.floor(rest / 3_600_000)
    rest -= hours * 3_600_000
    const minutes = Math.floor(rest / 60_000)
    rest -= minutes * 60_000
    const seconds = Math.floor(rest / 1000)
    let suffix = utc ? 'Z' : suffixes.get(offset)
    if (suffix === undefined) {
      suffix = offsetSuffix(offset)
      suffixes.set(offset, suffix)
    }
    const time = `${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[rest - seconds * 1000]}`
    return `${datePrefix}${time}${suffix}`
  }
  return { zone, format }
}

// ---------------------------------------------------------------------------------------------
// Messages

const MESSAGE_ECHO_LIMIT = 60
// C0 and C1 controls, bidi marks, embeddings, overrides and isolates, zero-width characters, line
// and paragraph separators, the BOM; and the quote and backslash that quoting itself uses.
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_MESSAGE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"\\]/g

/**
 * Quotes user text for an error message: control characters and bidirectional overrides are shown
 * as escapes (so they cannot reorder or hide the rest of a terminal line) and long text is cut.
 */
export function quoteForMessage(text: string): string {
  const cut = text.length > MESSAGE_ECHO_LIMIT ? `${text.slice(0, MESSAGE_ECHO_LIMIT)}…` : text
  const escaped = cut.replace(UNSAFE_IN_MESSAGE, (ch) =>
    ch === '"' || ch === '\\' ? `\\${ch}` : `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
  return `"${escaped}"`
}

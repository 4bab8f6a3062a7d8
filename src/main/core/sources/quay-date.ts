import { parseTimestamp } from './dockerhub-page'

/**
 * Quay's two date formats (sources/6-quay.md): requests take whole UTC days as `MM/DD/YYYY`
 * (`starttime`, `endtime`); responses give RFC 822 / RFC 2822 date-times
 * (`Tue, 18 Jun 2024 18:59:13 -0000`, Python's `email.utils.formatdate`). Days are handled here
 * as `YYYY-MM-DD` strings, which sort and compare as text.
 */

const DAY_MS = 86_400_000

const MONTHS: Readonly<Record<string, number>> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11
}

/** RFC 822 zone names and their offsets in minutes (RFC 2822 §4.3). */
const ZONES: Readonly<Record<string, number>> = {
  UT: 0,
  UTC: 0,
  GMT: 0,
  Z: 0,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420
}

/**
 * `[Day,] DD Mon YYYY HH:MM[:SS[.fff]] [zone]`. The weekday is not checked (a wrong one says
 * nothing about the time); a missing zone is UTC, as Quay writes UTC.
 */
const RFC822 =
  /^\s*(?:[A-Za-z]{2,9}\s*,?\s*)?(\d{1,2})[\s-]+([A-Za-z]{3,9})\.?[\s-]+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(?:([+-])(\d{2}):?(\d{2})|([A-Za-z]{1,5}))?\s*$/

/**
 * Parses an RFC 822 / 2822 date-time to ms since the epoch, leniently: two-digit years
 * (RFC 2822's obsolete form: 00–49 → 20xx), full month names, `GMT`/`UTC`/`UT`/`Z`, the US zone
 * names and military letters (which RFC 2822 says to read as -0000), and no zone at all (UTC).
 * An RFC 3339 timestamp is accepted as well (export files, proxies). Undefined when unreadable
 * or when the date does not exist (31 Feb).
 */
export function parseQuayDate(text: string): number | undefined {
  const match = RFC822.exec(text)
  if (!match) return parseTimestamp(text.trim())
  const [, dayText, monthText, yearText, hourText, minuteText, secondText, fraction, sign, zoneHours, zoneMinutes, zoneName] = match
  const month = MONTHS[monthText!.slice(0, 3).toLowerCase()]
  if (month === undefined) return undefined
  let year = Number(yearText)
  if (yearText!.length === 2) year += year < 50 ? 2000 : 1900
  else if (yearText!.length === 3) year += 1900
  const day = Number(dayText)
  const hour = Number(hourText)
  const minute = Number(minuteText)
  const second = secondText === undefined ? 0 : Number(secondText)
  if (hour > 23 || minute > 59 || second > 60) return undefined
  let offsetMinutes = 0
  if (sign !== undefined) {
    const hours = Number(zoneHours)
    const minutes = Number(zoneMinutes)
    if (minutes > 59) return undefined
    offsetMinutes = (sign === '-' ? -1 : 1) * (hours * 60 + minutes)
  } else if (zoneName !== undefined) {
    const name = zoneName.toUpperCase()
    const known = ZONES[name]
    if (known !== undefined) offsetMinutes = known
    else if (name.length === 1 && name !== 'J') offsetMinutes = 0
    else return undefined
  }
  const local = Date.UTC(year, month, day, hour, minute, Math.min(second, 59))
  const check = new Date(local)
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month) return undefined
  const ms = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'))
  return local + ms - offsetMinutes * 60_000
}

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/

/** Whether `text` is a real `YYYY-MM-DD` day. */
export function isUtcDay(text: string): boolean {
  const match = DAY_PATTERN.exec(text)
  if (!match) return false
  const at = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))
  return new Date(at).toISOString().slice(0, 10) === text
}

/** The UTC day (`YYYY-MM-DD`) of an instant. */
export function utcDayOf(ms: number): string {
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10)
}

/** Midnight UTC at the start of `day`, in ms. */
export function dayStartMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`)
}

/** `day` moved by `days` (negative: earlier). */
export function addDays(day: string, days: number): string {
  return utcDayOf(dayStartMs(day) + days * DAY_MS)
}

/** The `starttime`/`endtime` form of a day: `MM/DD/YYYY`. */
export function quayDayParam(day: string): string {
  return `${day.slice(5, 7)}/${day.slice(8, 10)}/${day.slice(0, 4)}`
}

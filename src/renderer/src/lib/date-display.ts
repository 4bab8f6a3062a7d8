import { parseInstant, zoneOffset } from '../../../shared/time'

/**
 * Dates as the table shows them: `2026-01-31 11:00:00` in the display zone, which the column
 * header names (the full ISO form with offset is in the drawer and in exports).
 */
export function formatTableTime(ms: number, zone: string): string {
  const offset = zone === 'UTC' ? 0 : zoneOffset(zone, ms)
  return new Date(ms + offset).toISOString().slice(0, 19).replace('T', ' ')
}

/** `YYYY-MM-DDTHH:mm` for a datetime-local input, in the display zone. */
export function toDateTimeLocalValue(ms: number, zone: string): string {
  const offset = zone === 'UTC' ? 0 : zoneOffset(zone, ms)
  return new Date(ms + offset).toISOString().slice(0, 16)
}

/** The instant a datetime-local value names in the display zone; undefined when it is not one. */
export function fromDateTimeLocalValue(value: string, zone: string): number | undefined {
  if (value.trim() === '') return undefined
  try {
    return parseInstant(value, { now: Date.now(), timeZone: zone, bound: 'since' })
  } catch {
    return undefined
  }
}

import { formatInstant, parseInstant, TimeSyntaxError, validateTimeZone } from '../../shared/time'
import type { CommandContext } from './command-context'
import { displayWidth, inertJson, inertText, padToWidth } from './terminal-text'
import { UsageError } from './usage-error'

/**
 * What the investigation commands (lineage, tags, explain, verify, coverage, case, query) share:
 * `--format table|json`, `--tz`, moments typed on the command line, and plain aligned tables.
 */

export const OUTPUT_OPTIONS = {
  format: { type: 'string' },
  tz: { type: 'string' }
} as const

export type OutputFormat = 'table' | 'json'

export function outputFormat(command: string, value: string | undefined): OutputFormat {
  const format = (value ?? 'table').toLowerCase()
  if (format !== 'table' && format !== 'json') throw new UsageError(`bad --format "${value ?? ''}": expected table or json`, command)
  return format
}

/** The zone for times shown (default: this machine's). */
export function displayZone(command: string, value: string | undefined): string {
  try {
    return validateTimeZone(value ?? 'local')
  } catch (error) {
    if (error instanceof TimeSyntaxError) throw new UsageError(`--tz: ${error.message}`, command)
    throw error
  }
}

/** A moment as typed (`2025-05-20T11:00`, `7d`, `now`); a date alone means the end of that day. */
export function parseMoment(command: string, option: string, text: string, timeZone: string, now: number): number {
  try {
    // "At 2026-01-31": the state after everything that happened that day.
    const bound = /^\d{4}-\d{2}-\d{2}$/.test(text.trim()) ? 'until' : 'since'
    const ms = parseInstant(text, { now, timeZone, bound })
    return bound === 'until' ? ms - 1 : ms
  } catch (error) {
    if (error instanceof TimeSyntaxError) throw new UsageError(`--${option}: ${error.message}`, command)
    throw error
  }
}

/** `2025-05-20 10:00:00` in the zone (named once in the heading), or `-`. */
export function timeText(ms: number | null, timeZone: string): string {
  if (ms === null) return '-'
  const iso = formatInstant(ms, timeZone)
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`
}

/** `sha256:4f1c0e2a9b3d` — enough to tell digests apart on screen. */
export function shortDigestText(digest: string | null): string {
  if (digest === null) return '-'
  const colon = digest.indexOf(':')
  return colon < 0 ? digest.slice(0, 19) : digest.slice(0, colon + 13)
}

/** Rows as aligned columns (the last column is not padded); every cell is made inert first. */
export function renderTable(headers: string[], rows: string[][]): string {
  const cells = [headers, ...rows].map((row) => row.map((cell) => inertText(cell)))
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => displayWidth(row[column] ?? ''))))
  return (
    cells
      .map((row) =>
        row
          .map((cell, column) => (column === row.length - 1 ? cell : padToWidth(cell, widths[column] ?? 0)))
          .join('  ')
          .trimEnd()
      )
      .join('\n') + '\n'
  )
}

/** Prints a value as pretty JSON, inert on a terminal. */
export function printJson(ctx: CommandContext, value: unknown): Promise<void> {
  return ctx.print(`${inertJson(JSON.stringify(value, null, 2))}\n`)
}

/** An ISO date-time in UTC, for JSON output. */
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}

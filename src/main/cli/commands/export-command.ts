import path from 'node:path'
import { AppError } from '../../core/errors'
import { parseCommand } from '../command-args'
import type { CommandContext } from '../command-context'
import { buildEventFilters, FILTER_OPTIONS } from '../event-filters'
import { COMMAND_HELP } from '../help-text'
import { inertText } from '../terminal-text'
import { UsageError } from '../usage-error'

/** `registry-audit export --out FILE [QUERY] [filters] [--format csv|ndjson] [--tz ZONE]`. */
export async function runExportCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'export'
  const { values, positionals } = parseCommand(command, args, {
    ...FILTER_OPTIONS,
    out: { type: 'string', short: 'o' },
    format: { type: 'string' }
  })
  if (values.help === true) {
    await ctx.print(COMMAND_HELP.export ?? '')
    return 0
  }
  if (values.out === undefined || values.out === '') throw new UsageError('missing --out FILE', command)
  const out = path.resolve(values.out)
  const format = exportFormat(command, values.format, out)
  // A report is read elsewhere and later: UTC unless asked, and the header names the zone anyway.
  const filters = buildEventFilters(command, positionals, values, { now: ctx.io.now(), defaultTimeZone: 'UTC' })

  const controller = new AbortController()
  const stopInterrupt = ctx.io.onInterrupt(() => controller.abort())
  try {
    const { rows } = await ctx.service.exportEvents(filters.query, filters.sort, out, {
      format,
      timeZone: filters.timeZone,
      signal: controller.signal
    })
    await ctx.print(`wrote ${rows.toLocaleString('en-US')} ${rows === 1 ? 'event' : 'events'} to ${inertText(out)}\n`)
    return 0
  } catch (error) {
    if (controller.signal.aborted) throw new AppError('CANCELLED', `export cancelled; ${out} was not written`)
    throw error
  } finally {
    stopInterrupt()
  }
}

/** --format, else the file's extension (.ndjson, .jsonl), else csv. */
function exportFormat(command: string, format: string | undefined, file: string): 'csv' | 'ndjson' {
  if (format === undefined) return /\.(ndjson|jsonl)$/i.test(file) ? 'ndjson' : 'csv'
  const lower = format.toLowerCase()
  if (lower !== 'csv' && lower !== 'ndjson') throw new UsageError(`bad --format "${format}": expected csv or ndjson`, command)
  return lower
}

import type { AuditEvent } from '../../../shared/event'
import type { EventSort } from '../../../shared/query'
import { formatInstant } from '../../../shared/time'
import { eventToJsonLine, exportEvents } from '../../core/export/export-events'
import { parseCommand } from '../command-args'
import type { CommandContext } from '../command-context'
import { buildEventFilters, FILTER_OPTIONS } from '../event-filters'
import { planEventTable } from '../event-table'
import { COMMAND_HELP } from '../help-text'
import { inertJson, inertText } from '../terminal-text'
import { UsageError } from '../usage-error'
import { typedQuery } from './evidence-command'

const FORMATS = ['table', 'json', 'ndjson', 'csv'] as const
type Format = (typeof FORMATS)[number]

/** Rows a table shows unless told otherwise: a screenful, not the archive. */
export const DEFAULT_TABLE_LIMIT = 50
/** Rows used to size the table's columns before the rest stream in that layout. */
const TABLE_SAMPLE = 1000
/** A terminal's width when stdout is not one (a pipe, a file). */
const PIPE_WIDTH = 120

/**
 * `registry-audit events [QUERY] [options]`. Rows stream from keyset pages, so `--limit all`
 * over millions of events uses flat memory; only the table holds its first page to size columns.
 */
export async function runEventsCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'events'
  const { values, positionals } = parseCommand(command, args, {
    ...FILTER_OPTIONS,
    limit: { type: 'string' },
    format: { type: 'string' }
  })
  if (values.help === true) {
    await ctx.print(COMMAND_HELP.events ?? '')
    return 0
  }
  const format = (values.format ?? 'table').toLowerCase() as Format
  if (!FORMATS.includes(format)) {
    throw new UsageError(`bad --format "${values.format ?? ''}": expected table, json, ndjson or csv`, command)
  }
  const limit = parseLimit(command, values.limit, format === 'table' ? DEFAULT_TABLE_LIMIT : undefined)
  const filters = buildEventFilters(command, positionals, values, {
    now: ctx.io.now(),
    // Tables are read by a person at this machine; data for other programs is in UTC.
    defaultTimeZone: format === 'table' ? 'local' : 'UTC'
  })
  const service = ctx.service
  await rememberQuery(ctx, typedQuery(positionals, values), values.sort === undefined ? null : filters.sort)
  const events = (extra = 0) =>
    service.iterateEvents(filters.query, filters.sort, { limit: limit === undefined ? undefined : limit + extra })

  switch (format) {
    case 'csv':
      await exportEvents(events(), ctx.io.stdout, { format: 'csv', timeZone: filters.timeZone })
      return 0
    case 'ndjson':
      for await (const event of events()) await ctx.print(`${inertJson(eventToJsonLine(event))}\n`)
      return 0
    case 'json': {
      let first = true
      for await (const event of events()) {
        await ctx.print(`${first ? '[\n  ' : ',\n  '}${inertJson(eventToJsonLine(event))}`)
        first = false
      }
      await ctx.print(first ? '[]\n' : '\n]\n')
      return 0
    }
    case 'table':
      return printTable(ctx, events(1), limit, filters.timeZone)
  }
}

/**
 * Records the query among the recent ones (query recent, the UI's list). Listing the events is
 * what was asked for, so failing to remember the query only says so on stderr.
 */
async function rememberQuery(ctx: CommandContext, text: string, sort: EventSort | null): Promise<void> {
  // An archive that cannot be opened at all (damaged, too new, read-only) is the command's own
  // error, reported once as its one line, not first as a note: open it before anything else.
  ctx.service.listAccounts()
  try {
    ctx.service.investigation.queries.recordRecent(text, sort)
  } catch (error) {
    await ctx.note(`note: this query was not added to the recent queries: ${inertText(error instanceof Error ? error.message : String(error))}\n`)
  }
}

async function printTable(
  ctx: CommandContext,
  events: AsyncIterable<AuditEvent>,
  limit: number | undefined,
  timeZone: string
): Promise<number> {
  const { stdout } = ctx.io
  const width = stdout.isTTY === true && (stdout.columns ?? 0) > 0 ? (stdout.columns ?? PIPE_WIDTH) : PIPE_WIDTH
  const options = { width, timeZone, formatTime: (ms: number) => tableTime(ms, timeZone) }
  const sample: AuditEvent[] = []
  let layout: ReturnType<typeof planEventTable> | undefined
  let shown = 0
  let more = false
  for await (const event of events) {
    if (limit !== undefined && shown >= limit) {
      more = true
      break
    }
    shown += 1
    if (layout === undefined) {
      sample.push(event)
      if (sample.length < TABLE_SAMPLE) continue
      layout = await startTable(ctx, sample, options)
      continue
    }
    await ctx.print(`${layout.line(event)}\n`)
  }
  if (layout === undefined && sample.length > 0) await startTable(ctx, sample, options)
  if (shown === 0) await ctx.note('no events match\n')
  else if (more) {
    await ctx.note(`showing the first ${shown} events; more match (--limit N or --limit all shows more)\n`)
  }
  return 0
}

async function startTable(
  ctx: CommandContext,
  sample: AuditEvent[],
  options: Parameters<typeof planEventTable>[1]
): Promise<ReturnType<typeof planEventTable>> {
  const layout = planEventTable(sample, options)
  await ctx.print(`${[layout.header, ...sample.map((event) => layout.line(event))].join('\n')}\n`)
  return layout
}

/** `2026-01-31 11:00:00`: ISO without the offset, which the column header names once. */
function tableTime(ms: number, timeZone: string): string {
  const iso = formatInstant(ms, timeZone)
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`
}

/** `N` (a positive integer) or `all`; undefined means no limit. */
function parseLimit(command: string, text: string | undefined, fallback: number | undefined): number | undefined {
  if (text === undefined) return fallback
  if (text.toLowerCase() === 'all') return undefined
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1) {
    throw new UsageError(`bad --limit "${text}": expected a positive number or "all"`, command)
  }
  return Number(text)
}

import type { AuditEvent } from '../../../shared/event'
import { formatInstant, TimeSyntaxError, validateTimeZone } from '../../../shared/time'
import { eventToJson } from '../../core/export/export-events'
import { noExtraPositionals, parseCommand, requirePositional } from '../command-args'
import type { CommandContext } from '../command-context'
import { COMMAND_HELP } from '../help-text'
import { inertJson, inertText } from '../terminal-text'
import { UsageError } from '../usage-error'

/** The normalised fields in the order a person reads them (DESIGN.md §3 names). */
const FIELDS: Array<keyof AuditEvent> = [
  'id',
  'account',
  'occurred_at',
  'label',
  'action',
  'verb',
  'activity',
  'outcome',
  'actor',
  'actor_kind',
  'namespace',
  'repository',
  'tag',
  'digest',
  'target',
  'client_ip',
  'user_agent',
  'source_event_id'
]

/** `registry-audit show EVENT_ID [--json] [--tz ZONE]`. */
export async function runShowCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'show'
  const { values, positionals } = parseCommand(command, args, { json: { type: 'boolean' }, tz: { type: 'string' } })
  if (values.help === true) {
    await ctx.print(COMMAND_HELP.show ?? '')
    return 0
  }
  const idText = requirePositional(positionals, 0, 'EVENT_ID', command)
  noExtraPositionals(positionals, 1, command)
  if (!/^\d{1,15}$/.test(idText) || Number(idText) < 1) {
    throw new UsageError(`bad EVENT_ID "${idText}": expected the number shown by "events"`, command)
  }
  let timeZone: string
  try {
    timeZone = validateTimeZone(values.tz ?? 'local')
  } catch (error) {
    if (error instanceof TimeSyntaxError) throw new UsageError(`--tz: ${error.message}`, command)
    throw error
  }

  const event = ctx.service.getEvent(Number(idText))
  if (values.json === true) {
    await ctx.print(`${inertJson(JSON.stringify(eventToJson(event), null, 2))}\n`)
    return 0
  }
  await ctx.print(renderEvent(event, timeZone))
  return 0
}

/** Every field on its own line, then the raw record as formatted JSON; all of it inert. */
export function renderEvent(event: AuditEvent, timeZone: string): string {
  const width = Math.max(...FIELDS.map((field) => field.length))
  const lines = FIELDS.map((field) => {
    const value =
      field === 'occurred_at'
        ? `${formatInstant(event.occurred_at, timeZone)} (${timeZone})`
        : event[field] === null
          ? '(none)'
          : inertText(String(event[field]))
    return `${field.padEnd(width)}  ${value}`
  })
  return `${lines.join('\n')}\nraw:\n${prettyRaw(event.raw)}\n`
}

function prettyRaw(raw: string): string {
  try {
    return inertJson(JSON.stringify(JSON.parse(raw), null, 2))
  } catch {
    // Not JSON after all: show it as text rather than nothing.
    return inertText(raw)
  }
}

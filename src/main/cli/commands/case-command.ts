import type { CaseDetail } from '../../../shared/investigation'
import { noExtraPositionals, parseCommand, requirePositional } from '../command-args'
import type { CommandContext } from '../command-context'
import { COMMAND_HELP } from '../help-text'
import { displayZone, outputFormat, OUTPUT_OPTIONS, printJson, renderTable, timeText } from '../investigation-output'
import { inertText } from '../terminal-text'
import { UsageError } from '../usage-error'

/** `registry-audit case create|list|show|pin|unpin|delete`: events pinned to an investigation with notes. */
export async function runCaseCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const sub = args[0]
  const rest = args.slice(1)
  const cases = () => ctx.service.investigation.cases
  switch (sub) {
    case 'create': {
      const { values, positionals } = await parse(ctx, 'case create', rest, { description: { type: 'string' } })
      if (values === undefined) return 0
      const name = requirePositional(positionals, 0, 'NAME', 'case create')
      noExtraPositionals(positionals, 1, 'case create')
      const created = cases().create(name, (values as { description?: string }).description ?? '')
      await ctx.print(`created the case ${inertText(created.name)}\n`)
      return 0
    }
    case 'list': {
      const { values, positionals } = await parse(ctx, 'case list', rest, OUTPUT_OPTIONS)
      if (values === undefined) return 0
      noExtraPositionals(positionals, 0, 'case list')
      const v = values as { format?: string; tz?: string }
      const format = outputFormat('case list', v.format)
      const timeZone = displayZone('case list', v.tz)
      const all = cases().list()
      if (format === 'json') await printJson(ctx, all)
      else if (all.length === 0) await ctx.note('no cases\n')
      else await ctx.print(renderTable(['NAME', 'PINS', 'UPDATED', 'DESCRIPTION'], all.map((c) => [c.name, String(c.pins), timeText(c.updated_at, timeZone), c.description])))
      return 0
    }
    case 'show': {
      const { values, positionals } = await parse(ctx, 'case show', rest, OUTPUT_OPTIONS)
      if (values === undefined) return 0
      const name = requirePositional(positionals, 0, 'NAME', 'case show')
      noExtraPositionals(positionals, 1, 'case show')
      const v = values as { format?: string; tz?: string }
      const format = outputFormat('case show', v.format)
      const timeZone = displayZone('case show', v.tz)
      const detail = cases().get(name)
      if (format === 'json') await printJson(ctx, detail)
      else await ctx.print(renderCase(detail, timeZone))
      return 0
    }
    case 'pin': {
      const { values, positionals } = await parse(ctx, 'case pin', rest, { note: { type: 'string' } })
      if (values === undefined) return 0
      const name = requirePositional(positionals, 0, 'NAME', 'case pin')
      const id = eventId(requirePositional(positionals, 1, 'EVENT_ID', 'case pin'), 'case pin')
      noExtraPositionals(positionals, 2, 'case pin')
      const pin = cases().pin(name, id, (values as { note?: string }).note ?? '')
      await ctx.print(`pinned event ${pin.eventId} to ${inertText(name)}\n`)
      return 0
    }
    case 'unpin': {
      const { values, positionals } = await parse(ctx, 'case unpin', rest, {})
      if (values === undefined) return 0
      const name = requirePositional(positionals, 0, 'NAME', 'case unpin')
      const id = eventId(requirePositional(positionals, 1, 'EVENT_ID', 'case unpin'), 'case unpin')
      noExtraPositionals(positionals, 2, 'case unpin')
      cases().unpin(name, id)
      await ctx.print(`unpinned event ${id} from ${inertText(name)}\n`)
      return 0
    }
    case 'delete': {
      const { values, positionals } = await parse(ctx, 'case delete', rest, {})
      if (values === undefined) return 0
      const name = requirePositional(positionals, 0, 'NAME', 'case delete')
      noExtraPositionals(positionals, 1, 'case delete')
      cases().delete(name)
      await ctx.print(`deleted the case ${inertText(name)} (its events stay in the archive)\n`)
      return 0
    }
    case undefined:
      throw new UsageError('missing subcommand: create, list, show, pin, unpin or delete', 'case')
    case '--help':
    case '-h':
      await ctx.print(COMMAND_HELP.case ?? '')
      return 0
    default:
      throw new UsageError(`unknown subcommand "${sub}": expected create, list, show, pin, unpin or delete`, 'case')
  }
}

/** Parses a subcommand's options; undefined values when --help was asked for (and printed). */
async function parse(
  ctx: CommandContext,
  command: string,
  args: string[],
  options: Parameters<typeof parseCommand>[2]
): Promise<{ values: Record<string, unknown> | undefined; positionals: string[] }> {
  const parsed = parseCommand(command, args, options)
  if (parsed.values.help === true) {
    await ctx.print(COMMAND_HELP[command] ?? COMMAND_HELP.case ?? '')
    return { values: undefined, positionals: [] }
  }
  return { values: parsed.values as Record<string, unknown>, positionals: parsed.positionals }
}

function eventId(text: string, command: string): number {
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1) throw new UsageError(`bad EVENT_ID "${text}": expected the number shown by "events"`, command)
  return Number(text)
}

function renderCase(detail: CaseDetail, timeZone: string): string {
  let text = `Case ${detail.name}${detail.description === '' ? '' : `: ${detail.description}`}\n`
  text += `${detail.pins} pinned event(s); times in ${timeZone}\n`
  if (detail.pins_list.length > 0) {
    text += renderTable(
      ['ID', 'TIME', 'ACCOUNT', 'EVENT', 'NOTE'],
      detail.pins_list.map((pin) => [
        `${pin.eventId}${pin.held ? '' : ' (gone)'}`,
        timeText(pin.event.occurred_at, timeZone),
        pin.event.account,
        pin.event.label,
        pin.note
      ])
    )
  }
  if (detail.pins_list.some((pin) => !pin.held)) text += '"(gone)": no longer in the archive; the copy taken when it was pinned is shown\n'
  return text
}

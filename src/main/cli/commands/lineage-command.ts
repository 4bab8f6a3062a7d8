import type { DigestLineage } from '../../../shared/investigation'
import { noExtraPositionals, parseCommand, requirePositional } from '../command-args'
import type { CommandContext } from '../command-context'
import { COMMAND_HELP } from '../help-text'
import { displayZone, outputFormat, OUTPUT_OPTIONS, printJson, renderTable, timeText } from '../investigation-output'
import { UsageError } from '../usage-error'

/** `registry-audit lineage DIGEST [--format table|json] [--no-pull] [--limit N] [--tz ZONE]`. */
export async function runLineageCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'lineage'
  const { values, positionals } = parseCommand(command, args, {
    ...OUTPUT_OPTIONS,
    'no-pull': { type: 'boolean' },
    limit: { type: 'string' }
  })
  if (values.help === true) {
    await ctx.print(COMMAND_HELP.lineage ?? '')
    return 0
  }
  const digest = requirePositional(positionals, 0, 'DIGEST', command)
  noExtraPositionals(positionals, 1, command)
  const format = outputFormat(command, values.format)
  const timeZone = displayZone(command, values.tz)
  let limit: number | undefined
  if (values.limit !== undefined) {
    if (!/^\d{1,4}$/.test(values.limit) || Number(values.limit) < 1) {
      throw new UsageError(`bad --limit "${values.limit}": expected a number from 1 to 5000`, command)
    }
    limit = Math.min(5000, Number(values.limit))
  }
  const lineage = ctx.service.investigation.digestLineage(digest, {
    includePull: values['no-pull'] !== true,
    ...(limit === undefined ? {} : { limit })
  })
  if (format === 'json') {
    await printJson(ctx, lineage)
    return 0
  }
  await ctx.print(renderLineage(lineage, timeZone))
  if (lineage.truncated) await ctx.note(`showing the oldest ${lineage.entries.length} events of the digest; --limit shows more\n`)
  return 0
}

export function renderLineage(lineage: DigestLineage, timeZone: string): string {
  const lines = [
    `Digest:       ${lineage.digest}`,
    `Seen:         ${timeText(lineage.firstSeen, timeZone)} … ${timeText(lineage.lastSeen, timeZone)} (${timeZone})`,
    `Accounts:     ${lineage.accounts.join(', ') || '-'}`,
    `Repositories: ${lineage.repositories.join(', ') || '-'}`,
    `Pulls:        ${lineage.pulls.count}${lineage.pulls.count > 0 ? ` (${timeText(lineage.pulls.first, timeZone)} … ${timeText(lineage.pulls.last, timeZone)})` : ''}`,
    `Tagged now:   ${lineage.tagged ? 'yes' : 'no (as far as the archive knows)'}`,
    ''
  ]
  let text = lines.join('\n')
  if (lineage.tags.length > 0) {
    text += `\nTags that pointed at it:\n`
    text += renderTable(
      ['ACCOUNT', 'TAG', 'FROM', 'UNTIL', 'ENDED BY'],
      lineage.tags.map((span) => [
        span.account,
        `${span.repository}:${span.tag}`,
        timeText(span.from, timeZone),
        span.until === null ? 'now' : timeText(span.until, timeZone),
        span.endedBy === null ? '-' : `${span.endedBy} (event ${span.untilEventId ?? '?'})`
      ])
    )
  }
  text += `\nTimeline (${timeZone}); "~" marks events linked by tag, repository or trust rather than by digest:\n`
  text += renderTable(
    ['ID', 'TIME', 'ACCOUNT', 'ROLE', 'ACTOR', 'OBJECT', 'EVENT'],
    lineage.entries.map((entry) => [
      String(entry.event.id),
      timeText(entry.event.occurred_at, timeZone),
      entry.event.account,
      `${entry.link === 'digest' ? '' : '~'}${entry.role}`,
      entry.event.actor ?? '-',
      `${entry.event.repository ?? '-'}${entry.event.tag === null ? '' : `:${entry.event.tag}`}`,
      entry.how === null ? entry.event.label : `${entry.event.label} [${entry.how}]`
    ])
  )
  return text
}

import type { CoverageReport } from '../../../shared/investigation'
import { noExtraPositionals, parseCommand } from '../command-args'
import type { CommandContext } from '../command-context'
import { COMMAND_HELP } from '../help-text'
import { displayZone, outputFormat, OUTPUT_OPTIONS, printJson, renderTable, timeText } from '../investigation-output'

/** `registry-audit coverage [--format table|json] [--tz ZONE]`: exit 0, warnings on stdout with the table. */
export async function runCoverageCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'coverage'
  const { values, positionals } = parseCommand(command, args, OUTPUT_OPTIONS)
  if (values.help === true) {
    await ctx.print(COMMAND_HELP.coverage ?? '')
    return 0
  }
  noExtraPositionals(positionals, 0, command)
  const format = outputFormat(command, values.format)
  const timeZone = displayZone(command, values.tz)
  const report = ctx.service.investigation.coverage()
  if (format === 'json') await printJson(ctx, report)
  else await ctx.print(renderCoverage(report, timeZone))
  return 0
}

function renderCoverage(report: CoverageReport, timeZone: string): string {
  let text = `Times in ${timeZone}.\n`
  text += renderTable(
    ['ACCOUNT', 'KIND', 'EVENTS', 'OLDEST', 'NEWEST', 'LAST GOOD SYNC', 'SOURCE KEEPS'],
    report.accounts.map((a) => [
      `${a.account}${a.removed ? ' (removed)' : ''}`,
      a.kind,
      String(a.events),
      timeText(a.oldest, timeZone),
      timeText(a.newest, timeZone),
      timeText(a.lastSuccessfulRun, timeZone),
      a.retention.keepsAll ? 'everything' : a.retention.days === null ? 'unknown' : `${a.retention.days} days`
    ])
  )
  for (const account of report.accounts) {
    const notes: string[] = [account.retention.note]
    if (account.coverageStart !== null) {
      notes.push(
        `the first successful sync (${timeText(account.firstSuccessfulRun, timeZone)}) could read back to ${timeText(account.coverageStart, timeZone)}: ` +
          'anything older had already expired at the source unless it kept more than it documents'
      )
    }
    for (const gap of account.gaps) {
      notes.push(`gap: events from ${timeText(gap.from, timeZone)} to ${timeText(gap.to, timeZone)} may have expired before the run of ${timeText(gap.nextRunStartedAt, timeZone)}`)
    }
    if (account.pruned.events > 0) {
      notes.push(`local retention removed ${account.pruned.events} event(s) older than ${timeText(account.pruned.cutoff, timeZone)}`)
    }
    text += `\n${account.account}:\n${notes.map((n) => `  ${n}\n`).join('')}`
    for (const warning of account.warnings) text += `  WARNING: ${warning}\n`
  }
  return text
}

import type { ActivityTrackerImportReport } from '../../core/import/activity-tracker-file'
import { parseCommand } from '../command-args'
import type { CommandContext } from '../command-context'
import { COMMAND_HELP } from '../help-text'
import { inertJson, inertText } from '../terminal-text'
import { UsageError } from '../usage-error'

/** Rejections printed per file; the report's JSON lists up to a hundred. */
const REJECTIONS_SHOWN = 20

/** `registry-audit import --account NAME FILE...`: one summary line per file, rejects on stderr. */
export async function runImportCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'import'
  const { values, positionals } = parseCommand(command, args, {
    account: { type: 'string' },
    json: { type: 'boolean' }
  })
  if (values.help === true) {
    await ctx.print(COMMAND_HELP.import ?? '')
    return 0
  }
  if (values.account === undefined) throw new UsageError('missing --account NAME (the ibm account to import into)', command)
  if (positionals.length === 0) throw new UsageError('missing FILE (an Activity Tracker export file)', command)

  const controller = new AbortController()
  const stopInterrupt = ctx.io.onInterrupt(() => {
    void ctx.note('stopping after the current batch (what was imported stays; importing again completes it)…\n')
    controller.abort()
  })
  const reports: ActivityTrackerImportReport[] = []
  try {
    for (const file of positionals) {
      const report = await ctx.service.importActivityTrackerFile(values.account, file, { signal: controller.signal })
      reports.push(report)
      if (values.json !== true) {
        await ctx.print(summaryLine(values.account, report))
        if (report.rejected > 0) await ctx.note(rejectionLines(report))
      }
    }
  } finally {
    stopInterrupt()
  }
  if (values.json === true) await ctx.print(`${inertJson(JSON.stringify(reports, null, 2))}\n`)
  return reports.some((report) => report.rejected > 0) ? 1 : 0
}

function count(n: number): string {
  return n.toLocaleString('en-US')
}

function summaryLine(account: string, report: ActivityTrackerImportReport): string {
  const parts = [
    `${count(report.imported)} new`,
    `${count(report.duplicates)} duplicate`,
    ...(report.skipped > 0 ? [`${count(report.skipped)} skipped (other services)`] : []),
    ...(report.rejected > 0 ? [`${count(report.rejected)} rejected`] : [])
  ]
  return `${inertText(account)}: ${inertText(report.file)}: ${parts.join(', ')} (${count(report.rows)} rows, ${report.format})\n`
}

function rejectionLines(report: ActivityTrackerImportReport): string {
  const where = report.format === 'json-lines' ? 'line' : 'item'
  const shown = report.rejections.slice(0, REJECTIONS_SHOWN)
  const lines = shown.map((rejection) => `  ${inertText(report.file)}: ${where} ${rejection.line}: ${inertText(rejection.reason)}\n`)
  const more = report.rejected - shown.length
  if (more > 0) lines.push(`  … and ${count(more)} more rejected rows\n`)
  return lines.join('')
}

import type { ActivityTrackerImportReport } from '../../core/import/activity-tracker-file'
import { parseCommand } from '../command-args'
import type { CommandContext } from '../command-context'
import { inertJson, inertText } from '../terminal-text'
import { UsageError } from '../usage-error'

export const IMPORT_HELP = `Usage: registry-audit import --account NAME [--json] FILE...

Imports IBM Cloud Activity Tracker export files into the history of the ibm account NAME:
JSON lines of activity tracking events (a JSON array of them works too). Container Registry
events are stored; other services' events are skipped; rows that are not readable events are
listed with their line numbers and the rest still imports. Importing a file again, or files
that overlap each other or what a sync already read, stores nothing twice.

  --account NAME   the ibm account the events belong to
  --json           print the reports as JSON

Exit status: 0 when every row was read, 1 when some rows were rejected or a file failed.
`

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
    await ctx.print(IMPORT_HELP)
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

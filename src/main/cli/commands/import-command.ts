import { IMPORT_FORMATS, isImportFormatChoice, type ImportReport } from '../../../shared/import'
import { parseCommand } from '../command-args'
import type { CommandContext } from '../command-context'
import { COMMAND_HELP } from '../help-text'
import { inertJson, inertText } from '../terminal-text'
import { UsageError } from '../usage-error'

/** Rejections printed per file; the report's JSON lists up to a hundred. */
const REJECTIONS_SHOWN = 20

/**
 * `registry-audit import --account NAME [--format auto|json|ndjson|csv] [--json] FILE...`: one
 * summary line per file on stdout, its rejects and warnings on stderr.
 */
export async function runImportCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'import'
  const { values, positionals } = parseCommand(command, args, {
    account: { type: 'string' },
    format: { type: 'string' },
    json: { type: 'boolean' }
  })
  if (values.help === true) {
    await ctx.print(COMMAND_HELP.import ?? '')
    return 0
  }
  if (values.account === undefined) throw new UsageError('missing --account NAME (the account the events belong to)', command)
  const format = values.format ?? 'auto'
  if (!isImportFormatChoice(format)) {
    throw new UsageError(`bad --format "${format}": expected ${IMPORT_FORMATS.join(', ')}`, command)
  }
  if (positionals.length === 0) throw new UsageError('missing FILE (an export file to import)', command)

  const controller = new AbortController()
  const stopInterrupt = ctx.io.onInterrupt(() => {
    void ctx.note('stopping after the current batch (what was imported stays; importing again completes it)…\n')
    controller.abort()
  })
  const reports: ImportReport[] = []
  try {
    for (const file of positionals) {
      const report = await ctx.service.importFile(values.account, file, { format, signal: controller.signal })
      reports.push(report)
      if (values.json !== true) {
        await ctx.print(summaryLine(report))
        const notes = noteLines(report)
        if (notes !== '') await ctx.note(notes)
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

function contentText(report: ImportReport): string {
  if (report.content === null) return report.format
  if (report.content === 'registry-audit') return `${report.format}, registry-audit export`
  return `${report.format}, ${report.content} records`
}

function summaryLine(report: ImportReport): string {
  const parts = [
    `${count(report.imported)} new`,
    `${count(report.duplicates)} duplicate`,
    ...(report.skipped > 0 ? [`${count(report.skipped)} skipped (other services)`] : []),
    ...(report.rejected > 0 ? [`${count(report.rejected)} rejected`] : [])
  ]
  return `${inertText(report.account)}: ${inertText(report.file)}: ${parts.join(', ')} (${count(report.rows)} rows, ${contentText(report)})\n`
}

function noteLines(report: ImportReport): string {
  const file = inertText(report.file)
  const shown = report.rejections.slice(0, REJECTIONS_SHOWN)
  const lines = shown.map((rejection) => `  ${file}: line ${rejection.line}: ${inertText(rejection.reason)}\n`)
  const more = report.rejected - shown.length
  if (more > 0) lines.push(`  … and ${count(more)} more rejected rows\n`)
  for (const warning of report.warnings) lines.push(`  ${file}: ${inertText(warning)}\n`)
  return lines.join('')
}

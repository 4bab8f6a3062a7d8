import type { DeletionReport } from '../../../shared/investigation'
import type { DeletionTarget } from '../../core/investigate/deletion-explainer'
import { noExtraPositionals, parseCommand, requirePositional } from '../command-args'
import type { CommandContext } from '../command-context'
import { COMMAND_HELP } from '../help-text'
import { displayZone, outputFormat, OUTPUT_OPTIONS, printJson, renderTable, shortDigestText, timeText } from '../investigation-output'
import { UsageError } from '../usage-error'
import { splitReference } from './tags-command'

/** A digest as typed: `sha256:<hex>` (a prefix will do), or `REPO@sha256:…`. */
const DIGEST_TEXT = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{6,}$/

/** `registry-audit explain REPO:TAG|DIGEST [--format table|json] [--tz ZONE]`. */
export async function runExplainCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'explain'
  const { values, positionals } = parseCommand(command, args, OUTPUT_OPTIONS)
  if (values.help === true) {
    await ctx.print(COMMAND_HELP.explain ?? '')
    return 0
  }
  const text = requirePositional(positionals, 0, 'REPO:TAG or DIGEST', command)
  noExtraPositionals(positionals, 1, command)
  const format = outputFormat(command, values.format)
  const timeZone = displayZone(command, values.tz)
  const report = ctx.service.investigation.explainDeletion(parseDeletionTarget(text, command))
  if (format === 'json') await printJson(ctx, report)
  else await ctx.print(renderReport(report, timeZone))
  return 0
}

export function parseDeletionTarget(text: string, command: string): DeletionTarget {
  const at = text.indexOf('@')
  if (at >= 0) return { digest: text.slice(at + 1) }
  if (DIGEST_TEXT.test(text)) return { digest: text }
  const { repository, tag } = splitReference(text)
  if (tag === null) throw new UsageError(`"${text}" names no tag: give REPO:TAG or a digest (sha256:…)`, command)
  return { repository, tag }
}

function renderReport(report: DeletionReport, timeZone: string): string {
  const target = report.target.digest ?? `${report.target.repository ?? ''}:${report.target.tag ?? ''}`
  let text = `Deletions of ${target}: ${report.deletions.length === 0 ? 'none recorded' : report.deletions.length} (times in ${timeZone})\n`
  for (const explanation of report.deletions) {
    const d = explanation.deletion
    text += `\nEvent ${d.id}, ${timeText(d.occurred_at, timeZone)}, ${d.account}: ${d.label}\n`
    text += `  deleted: ${explanation.scope}${explanation.digest === null ? '' : ` (the image was ${shortDigestText(explanation.digest)})`}\n`
    text += `  actor: ${d.actor ?? 'not recorded'} (${d.actor_kind})${d.client_ip === null ? '' : `, client IP ${d.client_ip}`}${d.user_agent === null ? '' : `, ${d.user_agent}`}\n`
    if (explanation.causes.length === 0) {
      text += '  causes: none with evidence in the archive\n'
    } else {
      text += '  candidate causes, likeliest first:\n'
      for (const cause of explanation.causes) {
        text += `   ${cause.rank}. ${cause.kind} (score ${cause.score.toFixed(2)}): ${cause.summary}\n`
        for (const item of cause.evidence) text += `      - ${item.text} [event ${item.eventId}]\n`
      }
    }
    if (d.actor !== null) {
      text += `  what ${d.actor} did from 30 minutes before to 30 minutes after:\n`
      text +=
        explanation.actorActivity.length === 0
          ? '    nothing else recorded\n'
          : renderTable(
              ['ID', 'TIME', 'ACCOUNT', 'ACTIVITY', 'EVENT'],
              explanation.actorActivity.map((e) => [
                `${e.id === d.id ? '>' : ' '}${e.id}`,
                timeText(e.occurred_at, timeZone),
                e.account,
                e.activity,
                e.label
              ])
            )
              .split('\n')
              .map((line) => (line === '' ? line : `    ${line}`))
              .join('\n')
      if (explanation.actorActivityTruncated) text += '    (more events; the first 200 are shown)\n'
    }
  }
  for (const note of report.notes) text += `\nNote: ${note}\n`
  return text
}

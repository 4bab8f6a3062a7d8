import type { ChainVerification } from '../../../shared/investigation'
import { noExtraPositionals, parseCommand } from '../command-args'
import type { CommandContext } from '../command-context'
import { COMMAND_HELP } from '../help-text'
import { outputFormat, printJson, renderTable } from '../investigation-output'

/** `registry-audit verify [--format table|json]`: exit 0 when every chain is intact, 1 when not. */
export async function runVerifyCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'verify'
  const { values, positionals } = parseCommand(command, args, { format: { type: 'string' } })
  if (values.help === true) {
    await ctx.print(COMMAND_HELP.verify ?? '')
    return 0
  }
  noExtraPositionals(positionals, 0, command)
  const format = outputFormat(command, values.format)
  const result = ctx.service.investigation.verify()
  if (format === 'json') await printJson(ctx, result)
  else await ctx.print(renderVerification(result))
  return result.intact ? 0 : 1
}

export function renderVerification(result: ChainVerification): string {
  let text = renderTable(
    ['ACCOUNT', 'STATUS', 'EVENTS', 'PRUNED', 'HEAD'],
    result.accounts.map((a) => [
      a.account,
      a.intact ? 'intact' : `BROKEN (${a.badLinks} bad link(s))`,
      String(a.events),
      String(a.pruned),
      a.head === null ? '-' : a.head.slice(0, 16)
    ])
  )
  for (const account of result.accounts) {
    if (account.firstBreak === null) continue
    const b = account.firstBreak
    text += `\n${account.account}: first break${b.eventId === null ? '' : ` at event ${b.eventId}`}: ${b.message}\n`
    for (const other of account.otherBreaks) text += `  also${other.eventId === null ? '' : ` event ${other.eventId}`}: ${other.message}\n`
  }
  text += result.accounts.length === 0 ? 'the archive holds no accounts\n' : result.intact ? '\nThe archive is intact.\n' : '\nThe archive is NOT intact.\n'
  return text
}

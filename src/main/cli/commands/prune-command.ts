import { AppError } from '../../core/errors'
import { noExtraPositionals, parseCommand } from '../command-args'
import type { CommandContext } from '../command-context'
import { COMMAND_HELP } from '../help-text'
import { timeText } from '../investigation-output'
import { UsageError } from '../usage-error'

/**
 * `registry-audit prune --account NAME --older-than DAYS [--yes]`: shows how many events would
 * go, asks on a terminal, and without one needs --yes. Nothing is deleted before that.
 */
export async function runPruneCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'prune'
  const { values, positionals } = parseCommand(command, args, {
    account: { type: 'string' },
    'older-than': { type: 'string' },
    yes: { type: 'boolean', short: 'y' }
  })
  if (values.help === true) {
    await ctx.print(COMMAND_HELP.prune ?? '')
    return 0
  }
  noExtraPositionals(positionals, 0, command)
  if (values.account === undefined || values.account === '') throw new UsageError('missing --account NAME', command)
  const days = values['older-than']
  if (days === undefined) throw new UsageError('missing --older-than DAYS', command)
  if (!/^\d{1,6}$/.test(days) || Number(days) < 1) {
    throw new UsageError(`bad --older-than "${days}": expected a whole number of days, at least 1`, command)
  }
  const investigation = ctx.service.investigation
  const preview = investigation.previewPrune(values.account, Number(days))
  const when = `${timeText(preview.before, 'UTC')} UTC`
  const pinned = preview.pinned > 0 ? `; ${preview.pinned} pinned to a case stay` : ''
  if (preview.count === 0) {
    await ctx.print(`${preview.account}: no events older than ${when} to delete${pinned}\n`)
    return 0
  }
  await ctx.note(`${preview.account}: ${preview.count} event(s) older than ${when} would be deleted from the archive${pinned}.\n`)
  if (values.yes !== true) {
    if (ctx.io.stdin.isTTY !== true) {
      throw new UsageError('not a terminal, so nothing was deleted: add --yes to confirm', command)
    }
    const answer = await ask(ctx, `Delete them? The registry may no longer have them. [y/N] `)
    if (!/^y(es)?$/i.test(answer.trim())) {
      await ctx.note('nothing was deleted\n')
      return 1
    }
  }
  const result = investigation.prune(preview.account, preview.before)
  await ctx.print(
    `${result.account}: deleted ${result.deleted} event(s) older than ${when}` +
      `${result.keptPinned > 0 ? `, kept ${result.keptPinned} pinned` : ''}; the integrity chain keeps ${result.checkpoints} checkpoint(s)\n`
  )
  return 0
}

/** One line from the terminal. */
function ask(ctx: CommandContext, prompt: string): Promise<string> {
  const { stdin } = ctx.io
  return new Promise((resolve, reject) => {
    let text = ''
    const onData = (chunk: Buffer | string): void => {
      text += typeof chunk === 'string' ? chunk : chunk.toString('utf8')
      const end = text.indexOf('\n')
      if (end >= 0) finish(() => resolve(text.slice(0, end)))
    }
    const onEnd = (): void => finish(() => resolve(text))
    const onError = (error: unknown): void => finish(() => reject(new AppError('IO', `cannot read the answer: ${String(error)}`)))
    const finish = (settle: () => void): void => {
      stdin.off('data', onData)
      stdin.off('end', onEnd)
      stdin.off('error', onError)
      stdin.pause()
      settle()
    }
    void ctx.note(prompt).then(() => {
      stdin.on('data', onData)
      stdin.on('end', onEnd)
      stdin.on('error', onError)
      stdin.resume()
    })
  })
}

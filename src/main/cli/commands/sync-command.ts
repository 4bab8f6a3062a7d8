import type { SyncAccountResult, SyncProgress, SyncSummary } from '../../../shared/sync'
import { AppError } from '../../core/errors'
import { parseCommand } from '../command-args'
import type { CommandContext } from '../command-context'
import { formatErrorLine, PROGRAM } from '../error-line'
import { COMMAND_HELP } from '../help-text'
import { inertText, truncateToWidth } from '../terminal-text'

/**
 * `registry-audit sync [NAME...]`: one summary line per account on stdout as each finishes, one
 * error line per failed account on stderr, and on a terminal a progress line (on stderr, redrawn
 * in place) while it runs. Exit status 0 only if every account synced.
 */
export async function runSyncCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'sync'
  const { values, positionals } = parseCommand(command, args, {})
  if (values.help === true) {
    await ctx.print(COMMAND_HELP.sync ?? '')
    return 0
  }
  const service = ctx.service
  if (positionals.length === 0 && service.listAccounts().length === 0) {
    throw new AppError('NOT_FOUND', `no accounts to sync; add one with "${PROGRAM} account add"`)
  }

  const progress = new ProgressLine(ctx)
  const reported = new Set<string>()
  const controller = new AbortController()
  const stopInterrupt = ctx.io.onInterrupt(() => {
    progress.clear()
    void ctx.note('stopping after the current page (Ctrl-C again to quit at once)…\n')
    controller.abort()
  })
  let results: SyncAccountResult[]
  try {
    results = await service.sync(positionals, {
      signal: controller.signal,
      onProgress: (event) => {
        progress.update(event)
        if (event.type === 'done') {
          reported.add(event.account)
          progress.clear()
          ctx.io.stdout.write(summaryLine(event.summary))
        }
      }
    })
  } finally {
    stopInterrupt()
    progress.clear()
  }

  for (const result of results) {
    if (result.ok) {
      if (!reported.has(result.account)) await ctx.print(summaryLine(result.summary))
      continue
    }
    await ctx.print(summaryLine(result.summary))
    const error = new AppError(result.error.code, result.error.message, { account: result.account })
    await ctx.note(formatErrorLine(error, { secrets: ctx.secrets }))
  }
  return results.every((result) => result.ok) ? 0 : 1
}

function summaryLine(summary: SyncSummary): string {
  const counts = `${count(summary.inserted)} new, ${count(summary.duplicates)} duplicate, ${count(summary.pages)} ${
    summary.pages === 1 ? 'page' : 'pages'
  }, ${duration(summary.ms)}`
  const status = summary.status === 'ok' ? '' : ` — ${summary.status}`
  return `${inertText(summary.account)}: ${counts}${status}\n`
}

function count(n: number): string {
  return n.toLocaleString('en-US')
}

/** `850 ms`, `4.2 s`, `3 min 5 s`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const seconds = Math.round(ms / 1000)
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`
}

/**
 * The one progress line on a terminal's stderr, redrawn at most ten times a second. Nothing at
 * all when stderr is not a terminal: a cron mail or a log wants the summaries, not the redraws.
 */
class ProgressLine {
  private readonly enabled: boolean
  private shown = false
  private lastDraw = 0

  constructor(private readonly ctx: CommandContext) {
    this.enabled = ctx.io.stderr.isTTY === true
  }

  update(event: SyncProgress): void {
    if (event.type === 'warning') {
      // Warnings matter in a cron mail too, so they print whether or not this is a terminal.
      this.clear()
      void this.ctx.note(`${PROGRAM}: ${inertText(event.account)}: warning: ${inertText(event.message)}\n`)
      return
    }
    if (!this.enabled) return
    let text: string | undefined
    switch (event.type) {
      case 'start':
        text = `${event.account}: reading ${event.stream}…`
        break
      case 'page':
        text = `${event.account}: ${count(event.pages)} pages, ${count(event.inserted)} new, ${count(event.duplicates)} duplicate`
        break
      case 'waiting': {
        const why = event.reason === 'rate-limit' ? 'rate limited' : 'retrying after an error'
        text = `${event.account}: ${why}, waiting ${duration(event.ms)}…`
        break
      }
      case 'done':
      case 'error':
        this.clear()
        return
    }
    const now = Date.now()
    // Waits are always shown at once: they explain a pause.
    if (event.type === 'page' && now - this.lastDraw < 100) return
    this.lastDraw = now
    const width = Math.max(20, (this.ctx.io.stderr.columns ?? 80) - 1)
    this.ctx.io.stderr.write(`\r\u001b[2K${truncateToWidth(inertText(text), width)}`)
    this.shown = true
  }

  clear(): void {
    if (!this.shown) return
    this.ctx.io.stderr.write('\r\u001b[2K')
    this.shown = false
  }
}

import path from 'node:path'
import { checkArchiveFile, type ArchiveCheckReport } from '../../core/db/archive-check'
import { recoverArchive, type RecoveryReport } from '../../core/db/archive-recovery'
import { archivePath } from '../../core/paths'
import { noExtraPositionals, parseCommand } from '../command-args'
import type { CommandContext } from '../command-context'
import { COMMAND_HELP } from '../help-text'
import { inertText } from '../terminal-text'
import { UsageError } from '../usage-error'

/**
 * `registry-audit archive check|recover`: the archive file itself, for when it cannot be opened.
 * Neither goes through the service (which refuses a damaged archive); both work on the file of
 * the data folder, or on `--file`. Neither ever writes the archive: `check` only reads it;
 * `recover` keeps a backup copy first, reads that copy, and writes a new file.
 */
export async function runArchiveCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const sub = args[0]
  if (sub === '--help' || sub === '-h') {
    await ctx.print(COMMAND_HELP.archive ?? '')
    return 0
  }
  if (sub === undefined) throw new UsageError('missing archive command (check or recover)', 'archive')
  const rest = args.slice(1)
  switch (sub) {
    case 'check':
      return runCheck(ctx, rest)
    case 'recover':
      return runRecover(ctx, rest)
    default:
      throw new UsageError(`unknown archive command "${sub}" (check or recover)`, 'archive')
  }
}

function archiveFileOf(ctx: CommandContext, file: string | undefined): string {
  return file === undefined ? archivePath(ctx.dataDir) : path.resolve(file)
}

/** `archive check [--file FILE] [--json]`: exit 0 when intact, 1 when anything is wrong. */
async function runCheck(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'archive check'
  const { values, positionals } = parseCommand(command, args, { file: { type: 'string' }, json: { type: 'boolean' } })
  if (values.help === true) {
    await ctx.print(COMMAND_HELP[command] ?? '')
    return 0
  }
  noExtraPositionals(positionals, 0, command)
  const report = checkArchiveFile(archiveFileOf(ctx, values.file))
  if (values.json === true) await ctx.print(`${JSON.stringify(report, null, 2)}\n`)
  else await ctx.print(renderCheck(report))
  return report.ok ? 0 : 1
}

function renderCheck(report: ArchiveCheckReport): string {
  const lines: string[] = []
  const verdict = report.ok
    ? 'intact'
    : report.kind === 'missing'
      ? 'no archive here'
      : report.kind === 'not-sqlite'
        ? 'not an SQLite database'
        : report.kind === 'foreign'
          ? "another application's database"
          : report.kind === 'newer-schema'
            ? 'written by a newer version'
            : 'DAMAGED'
  lines.push(`Archive ${report.file}: ${verdict}`)
  if (report.schemaVersion !== null) lines.push(`  schema version ${report.schemaVersion}`)
  for (const table of report.tables) lines.push(`  ${table.name.padEnd(20)} ${table.rows === null ? 'unreadable' : `${table.rows} rows`}`)
  for (const problem of report.problems) lines.push(`  problem: ${problem}`)
  for (const backup of report.backups) lines.push(`  kept copy: ${backup}`)
  if (!report.ok && report.kind !== 'missing' && report.kind !== 'foreign' && report.kind !== 'newer-schema') {
    lines.push('  To copy what is readable into a new archive: registry-audit archive recover --out NEW_FILE')
  }
  return `${lines.map((line) => inertText(line)).join('\n')}\n`
}

/** `archive recover --out FILE [--file FILE] [--json]`: exit 0 once the new archive is written. */
async function runRecover(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'archive recover'
  const { values, positionals } = parseCommand(command, args, {
    file: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' }
  })
  if (values.help === true) {
    await ctx.print(COMMAND_HELP[command] ?? '')
    return 0
  }
  noExtraPositionals(positionals, 0, command)
  if (values.out === undefined || values.out === '') throw new UsageError('missing --out FILE (the new archive to write)', command)
  const report = recoverArchive(archiveFileOf(ctx, values.file), path.resolve(values.out))
  if (values.json === true) await ctx.print(`${JSON.stringify(report, null, 2)}\n`)
  else await ctx.print(renderRecovery(report))
  return 0
}

function renderRecovery(report: RecoveryReport): string {
  const lines: string[] = []
  lines.push(`Recovered ${report.source} into ${report.out}`)
  lines.push(report.backup === null ? '  no backup copy could be kept (see the problems below)' : `  read from the kept copy ${report.backup.file}`)
  const { recovered, expected, lost } = report.events
  lines.push(
    `  events: ${recovered} recovered` +
      (expected === null ? ', how many were held is unknown' : `, ${lost ?? 0} lost of ${expected} held`)
  )
  for (const table of report.tables) {
    if (table.name === 'events' || (table.recovered === 0 && table.unreadable.length === 0 && table.rejected === 0)) continue
    const unreadable = table.unreadable.length === 0 ? '' : `, ${table.unreadable.length} unreadable range(s)`
    const rejected = table.rejected === 0 ? '' : `, ${table.rejected} refused`
    lines.push(`  ${table.name}: ${table.recovered} rows${unreadable}${rejected}`)
  }
  if (report.placeholderAccounts.length > 0) {
    lines.push(`  accounts recreated as removed placeholders (their rows were lost): ${report.placeholderAccounts.join(', ')}`)
  }
  for (const problem of report.problems) lines.push(`  problem: ${problem}`)
  lines.push('  Sync cursors were not copied: the next sync reads each account from the start and brings back what')
  lines.push('  the source still holds, without storing anything twice.')
  lines.push(`  To use it: stop the app, move ${path.basename(report.source)} aside and put the recovered file in its place.`)
  return `${lines.map((line) => inertText(line)).join('\n')}\n`
}

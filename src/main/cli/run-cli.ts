import path from 'node:path'
import { QuerySyntaxError } from '../../shared/query-parser'
import { TimeSyntaxError } from '../../shared/time'
import type { CliIo } from './cli-io'
import { writeOut } from './cli-io'
import { CommandContext } from './command-context'
import { runAccountCommand } from './commands/account-command'
import { runArchiveCommand } from './commands/archive-command'
import { runCaseCommand } from './commands/case-command'
import { runCoverageCommand } from './commands/coverage-command'
import { runEventsCommand } from './commands/events-command'
import { runEvidenceCommand } from './commands/evidence-command'
import { runExplainCommand } from './commands/explain-command'
import { runExportCommand } from './commands/export-command'
import { runImportCommand } from './commands/import-command'
import { runLineageCommand } from './commands/lineage-command'
import { runPruneCommand } from './commands/prune-command'
import { runQueryCommand } from './commands/query-command'
import { runShowCommand } from './commands/show-command'
import { runSyncCommand } from './commands/sync-command'
import { runTagsCommand } from './commands/tags-command'
import { runVerifyCommand } from './commands/verify-command'
import { runServeCommand } from './serve-command'
import { formatErrorLine, PROGRAM } from './error-line'
import { COMMAND_HELP, MAIN_HELP } from './help-text'
import { inertText } from './terminal-text'
import { UsageError } from './usage-error'

/** Exit statuses: scripts tell "it failed" from "you called it wrong". */
export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

const COMMANDS: Record<string, (ctx: CommandContext, args: string[]) => Promise<number>> = {
  account: runAccountCommand,
  sync: runSyncCommand,
  events: runEventsCommand,
  show: runShowCommand,
  export: runExportCommand,
  import: runImportCommand,
  serve: runServeCommand,
  lineage: runLineageCommand,
  tags: runTagsCommand,
  explain: runExplainCommand,
  verify: runVerifyCommand,
  evidence: runEvidenceCommand,
  query: runQueryCommand,
  case: runCaseCommand,
  coverage: runCoverageCommand,
  prune: runPruneCommand,
  archive: runArchiveCommand
}

export interface RunCliOptions {
  /** The program's version, for --version. */
  version: string
}

/**
 * Runs one command line and resolves with the exit status; never throws and never prints a
 * stack unless REGISTRY_AUDIT_DEBUG=1. Global options may come before the command or after it.
 */
export async function runCli(argv: readonly string[], io: CliIo, options: RunCliOptions): Promise<number> {
  const debug = io.env.REGISTRY_AUDIT_DEBUG === '1'
  let ctx: CommandContext | undefined
  let command: string | undefined
  try {
    const { dataDir, rest, help, version } = leadingGlobals(argv)
    if (version) {
      await writeOut(io.stdout, `${PROGRAM} ${options.version}\n`)
      return EXIT_OK
    }
    command = rest[0]
    if (command === 'help') return await printHelp(io, rest.slice(1))
    if (command === undefined) {
      if (help) return await printHelp(io, [])
      await writeOut(io.stderr, MAIN_HELP)
      return EXIT_USAGE
    }
    const run = COMMANDS[command]
    if (run === undefined) throw new UsageError(`unknown command "${command}"`)
    const args = rest.slice(1)
    if (help) args.push('--help')
    // --data-dir after the command: the command's own parse accepts it; read it here first so
    // the service opens the right archive.
    ctx = new CommandContext(io, resolveDir(dataDir ?? trailingDataDir(args)), options.version)
    return await run(ctx, args)
  } catch (error) {
    return reportError(io, error, command, ctx, debug)
  } finally {
    ctx?.close()
  }
}

async function reportError(
  io: CliIo,
  error: unknown,
  command: string | undefined,
  ctx: CommandContext | undefined,
  debug: boolean
): Promise<number> {
  // Bad text on the command line (a query, a date) is a usage error, as is a bad option.
  if (error instanceof QuerySyntaxError || error instanceof TimeSyntaxError) {
    error = new UsageError(error.message, command)
  }
  if (error instanceof UsageError) {
    const helpFor = error.command ?? (command !== undefined && command in COMMANDS ? command : undefined)
    const hint = helpFor === undefined ? `${PROGRAM} --help` : `${PROGRAM} ${helpFor} --help`
    await writeOut(io.stderr, `${PROGRAM}: ${inertText(error.message)} (see "${hint}")\n`)
    return EXIT_USAGE
  }
  await writeOut(io.stderr, formatErrorLine(error, { secrets: ctx?.secrets, debug }))
  return EXIT_FAILURE
}

interface LeadingGlobals {
  dataDir: string | undefined
  help: boolean
  version: boolean
  rest: string[]
}

/** Global options before the command name: `registry-audit --data-dir X sync`. */
function leadingGlobals(argv: readonly string[]): LeadingGlobals {
  const result: LeadingGlobals = { dataDir: undefined, help: false, version: false, rest: [] }
  let i = 0
  for (; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (arg === '--help' || arg === '-h') result.help = true
    else if (arg === '--version' || arg === '-V') result.version = true
    else if (arg === '--data-dir') {
      const value = argv[i + 1]
      if (value === undefined || value === '') throw new UsageError('option --data-dir needs a value')
      result.dataDir = value
      i += 1
    } else if (arg.startsWith('--data-dir=')) result.dataDir = arg.slice('--data-dir='.length)
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`)
    else break
  }
  result.rest = argv.slice(i)
  return result
}

/** The last `--data-dir` among a command's own arguments (before any `--`). */
function trailingDataDir(args: readonly string[]): string | undefined {
  let found: string | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ''
    if (arg === '--') break
    if (arg === '--data-dir') found = args[++i]
    else if (arg.startsWith('--data-dir=')) found = arg.slice('--data-dir='.length)
  }
  return found
}

function resolveDir(dir: string | undefined): string | undefined {
  if (dir === undefined) return undefined
  if (dir.trim() === '') throw new UsageError('option --data-dir needs a value')
  return path.resolve(dir)
}

async function printHelp(io: CliIo, words: string[]): Promise<number> {
  if (words.length === 0) {
    await writeOut(io.stdout, MAIN_HELP)
    return EXIT_OK
  }
  const text = COMMAND_HELP[words.slice(0, 2).join(' ')] ?? COMMAND_HELP[words[0] ?? '']
  if (text === undefined) throw new UsageError(`no help for "${words.join(' ')}": unknown command`)
  await writeOut(io.stdout, text)
  return EXIT_OK
}

import { noExtraPositionals, parseCommand, requirePositional } from '../command-args'
import type { CommandContext } from '../command-context'
import { parseSort } from '../event-filters'
import { COMMAND_HELP } from '../help-text'
import { displayZone, outputFormat, OUTPUT_OPTIONS, printJson, renderTable, timeText } from '../investigation-output'
import { inertText } from '../terminal-text'
import { UsageError } from '../usage-error'
import { runEventsCommand } from './events-command'

/**
 * `registry-audit query save|list|run|delete|recent`: named queries kept in the archive, and the
 * queries `events` ran recently.
 */
export async function runQueryCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const sub = args[0]
  const rest = args.slice(1)
  switch (sub) {
    case 'save':
      return save(ctx, rest)
    case 'list':
      return list(ctx, rest, 'saved')
    case 'recent':
      return list(ctx, rest, 'recent')
    case 'run':
      return run(ctx, rest)
    case 'delete':
      return remove(ctx, rest)
    case undefined:
      throw new UsageError('missing subcommand: save, list, run, delete or recent', 'query')
    case '--help':
    case '-h':
      await ctx.print(COMMAND_HELP.query ?? '')
      return 0
    default:
      throw new UsageError(`unknown subcommand "${sub}": expected save, list, run, delete or recent`, 'query')
  }
}

async function save(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'query save'
  const { values, positionals } = parseCommand(command, args, { sort: { type: 'string' }, replace: { type: 'boolean' } })
  if (values.help === true) {
    await ctx.print(COMMAND_HELP['query save'] ?? '')
    return 0
  }
  const name = requirePositional(positionals, 0, 'NAME', command)
  const words = positionals.slice(1)
  if (words.length === 0) throw new UsageError('missing QUERY', command)
  const sort = values.sort === undefined ? null : parseSort(command, values.sort)
  const saved = ctx.service.investigation.queries.save(name, words.join(' '), { sort, replace: values.replace === true })
  await ctx.print(`saved ${inertText(saved.name)}: ${inertText(saved.query)}\n`)
  return 0
}

async function list(ctx: CommandContext, args: string[], which: 'saved' | 'recent'): Promise<number> {
  const command = which === 'saved' ? 'query list' : 'query recent'
  const { values, positionals } = parseCommand(command, args, OUTPUT_OPTIONS)
  if (values.help === true) {
    await ctx.print(COMMAND_HELP[command] ?? '')
    return 0
  }
  noExtraPositionals(positionals, 0, command)
  const format = outputFormat(command, values.format)
  const timeZone = displayZone(command, values.tz)
  const queries = ctx.service.investigation.queries
  const sortText = (sort: { key: string; dir: string } | null): string => (sort === null ? '-' : `${sort.key}:${sort.dir}`)
  if (which === 'saved') {
    const saved = queries.list()
    if (format === 'json') await printJson(ctx, saved)
    else if (saved.length === 0) await ctx.note('no saved queries\n')
    else await ctx.print(renderTable(['NAME', 'QUERY', 'SORT', 'UPDATED'], saved.map((q) => [q.name, q.query, sortText(q.sort), timeText(q.updated_at, timeZone)])))
  } else {
    const recent = queries.recent()
    if (format === 'json') await printJson(ctx, recent)
    else if (recent.length === 0) await ctx.note('no recent queries\n')
    else await ctx.print(renderTable(['LAST RUN', 'USES', 'QUERY'], recent.map((q) => [timeText(q.used_at, timeZone), String(q.uses), q.query])))
  }
  return 0
}

/** Runs a saved query through `events`, with any of its options (a --sort given here wins). */
async function run(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'query run'
  if (args.includes('--help') || args.includes('-h')) {
    await ctx.print(COMMAND_HELP['query run'] ?? '')
    return 0
  }
  const name = args[0]
  if (name === undefined || name === '' || name.startsWith('-')) throw new UsageError('missing NAME', command)
  const saved = ctx.service.investigation.queries.get(name)
  const options = args.slice(1)
  if (options.includes('--')) throw new UsageError('a saved query takes no further query words', command)
  const sort = saved.sort !== null && !options.some((a) => a === '--sort' || a.startsWith('--sort=')) ? ['--sort', `${saved.sort.key}:${saved.sort.dir}`] : []
  // After "--" the saved text is a query word even when it starts with "-".
  return runEventsCommand(ctx, [...options, ...sort, '--', saved.query])
}

async function remove(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'query delete'
  const { values, positionals } = parseCommand(command, args, {})
  if (values.help === true) {
    await ctx.print(COMMAND_HELP['query delete'] ?? '')
    return 0
  }
  const name = requirePositional(positionals, 0, 'NAME', command)
  noExtraPositionals(positionals, 1, command)
  ctx.service.investigation.queries.delete(name)
  await ctx.print(`deleted the saved query ${inertText(name)}\n`)
  return 0
}

import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from './usage-error'

/**
 * Argument parsing for one command, on node:util's parseArgs, with the CLI's own rules:
 * global options are accepted after the command too, errors are one short UsageError line, and a
 * negated query term (`-actor:ci-bot`) is a positional, not a bundle of short options.
 */

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>

/** Accepted by every command, before or after its name. */
export const GLOBAL_OPTIONS = {
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const satisfies OptionSpecs

/** `-actor:x`, `-"free text"` is not needed: no option name contains a colon. */
const NEGATED_TERM = /^-[A-Za-z][\w.-]*:/

export interface ParsedCommand<V> {
  values: V & { 'data-dir'?: string; help?: boolean }
  positionals: string[]
}

export function parseCommand<const O extends OptionSpecs>(
  command: string,
  args: readonly string[],
  options: O
): ParsedCommand<ParsedValues<O>> {
  const terms: string[] = []
  const rest: string[] = []
  let afterDashDash = false
  for (const arg of args) {
    if (arg === '--') afterDashDash = true
    if (!afterDashDash && NEGATED_TERM.test(arg)) terms.push(arg)
    else rest.push(arg)
  }
  try {
    const parsed = parseArgs({
      args: rest,
      options: { ...GLOBAL_OPTIONS, ...options },
      allowPositionals: true,
      strict: true
    })
    return {
      values: parsed.values as ParsedCommand<ParsedValues<O>>['values'],
      positionals: [...parsed.positionals, ...terms]
    }
  } catch (error) {
    throw new UsageError(describeParseError(error, command), command)
  }
}

/** The values parseArgs yields for an option table (strings, booleans, or lists of them). */
export type ParsedValues<O extends OptionSpecs> = {
  [K in keyof O]?: O[K] extends { type: 'boolean' }
    ? O[K] extends { multiple: true }
      ? boolean[]
      : boolean
    : O[K] extends { multiple: true }
      ? string[]
      : string
}

function describeParseError(error: unknown, command: string): string {
  const code = (error as { code?: string }).code
  const message = error instanceof Error ? error.message : String(error)
  // parseArgs quotes the option as it was declared ('-h, --help <value>'): keep its long name.
  const quoted = /'(-[^']*)'/.exec(message)?.[1] ?? ''
  const option = quoted.match(/--?[\w-]+/g)?.at(-1) ?? quoted
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option} for "${command}"`
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing/.test(message)) return `option ${option} needs a value`
      if (/does not take an argument/.test(message)) return `option ${option} does not take a value`
      return firstLine(message)
    default:
      return firstLine(message)
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text
}

/** A required positional, or a UsageError naming it. */
export function requirePositional(positionals: string[], index: number, name: string, command: string): string {
  const value = positionals[index]
  if (value === undefined || value === '') throw new UsageError(`missing ${name}`, command)
  return value
}

/** Refuses positionals past the ones a command takes. */
export function noExtraPositionals(positionals: string[], count: number, command: string): void {
  const extra = positionals[count]
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`, command)
}

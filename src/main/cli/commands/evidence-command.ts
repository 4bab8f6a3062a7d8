import path from 'node:path'
import { AppError } from '../../core/errors'
import { parseCommand } from '../command-args'
import type { CommandContext } from '../command-context'
import { buildEventFilters, FILTER_OPTIONS } from '../event-filters'
import { COMMAND_HELP } from '../help-text'
import { inertText } from '../terminal-text'
import { UsageError } from '../usage-error'

/**
 * `registry-audit evidence --out DIR [QUERY] [filters] [--case NAME]`: an evidence folder
 * (export/evidence-export.ts). Exit 0 when written; a broken chain is written down in the folder
 * and said on stderr, and the exit status is then 1, so a script never files it unnoticed.
 */
export async function runEvidenceCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'evidence'
  const { values, positionals } = parseCommand(command, args, {
    ...FILTER_OPTIONS,
    out: { type: 'string', short: 'o' },
    case: { type: 'string' }
  })
  if (values.help === true) {
    await ctx.print(COMMAND_HELP.evidence ?? '')
    return 0
  }
  if (values.out === undefined || values.out === '') throw new UsageError('missing --out DIR', command)
  const dir = path.resolve(values.out)
  const filters = buildEventFilters(command, positionals, values, { now: ctx.io.now(), defaultTimeZone: 'UTC' })
  const controller = new AbortController()
  const stopInterrupt = ctx.io.onInterrupt(() => controller.abort())
  try {
    const result = await ctx.service.investigation.exportEvidence(
      {
        dir,
        query: filters.query,
        sort: filters.sort,
        timeZone: filters.timeZone,
        queryText: typedQuery(positionals, values),
        ...(values.case === undefined ? {} : { caseName: values.case }),
        signal: controller.signal
      },
      { appVersion: ctx.appVersion }
    )
    await ctx.print(
      `wrote ${result.rows.toLocaleString('en-US')} event(s) and ${result.files.length} files to ${inertText(result.dir)}\n` +
        `check it with: cd ${inertText(JSON.stringify(result.dir))} && sha256sum -c manifest.sha256\n`
    )
    if (!result.intact) {
      await ctx.note('WARNING: the archive\'s integrity chain is broken (see integrity.json, or run "registry-audit verify")\n')
      return 1
    }
    return 0
  } catch (error) {
    if (controller.signal.aborted && !(error instanceof AppError && error.code !== 'CANCELLED')) {
      throw new AppError('CANCELLED', `evidence export cancelled; ${dir} was not written`)
    }
    throw error
  } finally {
    stopInterrupt()
  }
}

/** The query and filter options as the user typed them, in the query syntax. */
export function typedQuery(
  words: readonly string[],
  values: { account?: string[]; since?: string; until?: string; 'include-pull'?: boolean }
): string {
  const quote = (value: string): string => (/[\s"]/.test(value) || value === '' ? `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"` : value)
  return [
    ...words,
    ...(values.account ?? []).map((name) => `account:${quote(name)}`),
    ...(values.since === undefined ? [] : [`since:${quote(values.since)}`]),
    ...(values.until === undefined ? [] : [`until:${quote(values.until)}`]),
    ...(values['include-pull'] === true ? ['include:pull'] : [])
  ].join(' ')
}

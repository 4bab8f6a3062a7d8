import type { RepositoryTagState, TagChange, TagHistory, TagStateDiff } from '../../../shared/investigation'
import { noExtraPositionals, parseCommand, requirePositional } from '../command-args'
import type { CommandContext } from '../command-context'
import { COMMAND_HELP } from '../help-text'
import {
  displayZone,
  outputFormat,
  OUTPUT_OPTIONS,
  parseMoment,
  printJson,
  renderTable,
  shortDigestText,
  timeText
} from '../investigation-output'
import { UsageError } from '../usage-error'

/**
 * `registry-audit tags REPO[:TAG] [--account NAME] [--at WHEN] [--diff WHEN] [--tag TAG]`:
 * the tags of a repository at a moment (default now), what changed since another moment, or the
 * history of one tag with its overwrites.
 */
export async function runTagsCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'tags'
  const { values, positionals } = parseCommand(command, args, {
    ...OUTPUT_OPTIONS,
    account: { type: 'string' },
    at: { type: 'string' },
    diff: { type: 'string' },
    tag: { type: 'string' }
  })
  if (values.help === true) {
    await ctx.print(COMMAND_HELP.tags ?? '')
    return 0
  }
  const reference = requirePositional(positionals, 0, 'REPO', command)
  noExtraPositionals(positionals, 1, command)
  const { repository, tag: referenceTag } = splitReference(reference)
  if (referenceTag !== null && values.tag !== undefined && values.tag !== referenceTag) {
    throw new UsageError(`REPO names the tag ${referenceTag} and --tag says ${values.tag}: give one`, command)
  }
  const tag = values.tag ?? referenceTag
  const format = outputFormat(command, values.format)
  const timeZone = displayZone(command, values.tz)
  const now = ctx.io.now()
  const at = values.at === undefined ? now : parseMoment(command, 'at', values.at, timeZone, now)
  const account = values.account === undefined ? {} : { account: values.account }
  const investigation = ctx.service.investigation

  if (tag !== null) {
    if (values.diff !== undefined) throw new UsageError('--diff compares whole repositories: leave out the tag', command)
    const history = investigation.tagHistory(repository, { ...account, tag })
    const upTo = values.at === undefined ? history : { ...history, changes: history.changes.filter((c) => c.at <= at), overwrites: history.overwrites.filter((c) => c.at <= at) }
    if (format === 'json') await printJson(ctx, upTo)
    else await ctx.print(renderTagHistory(upTo, timeZone))
    return 0
  }
  if (values.diff !== undefined) {
    const from = parseMoment(command, 'diff', values.diff, timeZone, now)
    const [earlier, later] = from <= at ? [from, at] : [at, from]
    const diff = investigation.tagDiff(repository, { ...account, from: earlier, to: later })
    if (format === 'json') await printJson(ctx, diff)
    else await ctx.print(renderDiff(diff, timeZone))
    return 0
  }
  const states = investigation.tagState(repository, { ...account, at })
  if (format === 'json') await printJson(ctx, states)
  else await ctx.print(renderStates(states, timeZone, values.at === undefined))
  return 0
}

/** `team/app:latest` → repository and tag; a `:` before the last `/` is a registry port, not a tag. */
export function splitReference(text: string): { repository: string; tag: string | null } {
  const slash = text.lastIndexOf('/')
  const colon = text.lastIndexOf(':')
  if (colon > slash && colon > 0) return { repository: text.slice(0, colon), tag: text.slice(colon + 1) || null }
  return { repository: text, tag: null }
}

function renderStates(states: RepositoryTagState[], timeZone: string, isNow: boolean): string {
  let text = ''
  for (const state of states) {
    text += `${state.account}: ${state.repository} ${isNow ? 'now' : `at ${timeText(state.at, timeZone)}`} (${timeZone})\n`
    text +=
      state.tags.length === 0
        ? '  no tags\n'
        : renderTable(
            ['TAG', 'DIGEST', 'SINCE', 'BY', 'EVENT'],
            state.tags.map((t) => [t.tag, t.digest ?? 'unknown', timeText(t.since, timeZone), t.actor ?? '-', String(t.eventId)])
          )
    text += '\n'
  }
  return text
}

function changeRow(change: TagChange, timeZone: string): string[] {
  const what =
    change.kind === 'removed'
      ? `removed (${change.via}) ${shortDigestText(change.from)}`
      : change.kind === 'moved'
        ? `OVERWRITTEN ${shortDigestText(change.from)} → ${shortDigestText(change.to)}`
        : change.kind === 'created'
          ? `created → ${shortDigestText(change.to)}`
          : change.kind === 'repushed'
            ? `pushed again, same ${shortDigestText(change.to)}`
            : `pushed again → ${shortDigestText(change.to)} (digest before or after unknown)`
  return [String(change.eventId), timeText(change.at, timeZone), change.account, change.tag, what, change.actor ?? '-', change.action]
}

const CHANGE_HEADERS = ['ID', 'TIME', 'ACCOUNT', 'TAG', 'CHANGE', 'ACTOR', 'ACTION']

function renderTagHistory(history: TagHistory, timeZone: string): string {
  const name = `${history.repository}:${history.tag ?? ''}`
  let text = `History of ${name} (${timeZone}):\n`
  text += history.changes.length === 0 ? '  no changes recorded\n' : renderTable(CHANGE_HEADERS, history.changes.map((c) => changeRow(c, timeZone)))
  text +=
    history.overwrites.length === 0
      ? `\nOverwritten: no — ${name} never pointed at one digest and then another in the archive.\n`
      : `\nOverwritten: yes, ${history.overwrites.length} time(s), by event(s) ${history.overwrites.map((c) => `${c.eventId} (${c.actor ?? 'unknown actor'}, ${timeText(c.at, timeZone)})`).join(', ')}.\n`
  return text
}

function renderDiff(diff: TagStateDiff, timeZone: string): string {
  let text = `${diff.repository}: from ${timeText(diff.from, timeZone)} to ${timeText(diff.to, timeZone)} (${timeZone})\n`
  for (const account of diff.accounts) {
    text += `\n${account.account}:\n`
    const rows: string[][] = [
      ...account.added.map((t) => ['added', t.tag, '-', shortDigestText(t.digest)]),
      ...account.removed.map((t) => [
        `removed${t.removedBy === null ? '' : ` (event ${t.removedBy.eventId}, ${t.removedBy.actor ?? 'unknown actor'})`}`,
        t.tag,
        shortDigestText(t.digest),
        '-'
      ]),
      ...account.moved.map((m) => ['moved', m.tag, shortDigestText(m.from.digest), shortDigestText(m.to.digest)])
    ]
    text += rows.length === 0 ? '  no difference\n' : renderTable(['DIFFERENCE', 'TAG', 'BEFORE', 'AFTER'], rows)
    if (account.changes.length > 0) {
      text += `  the events in between:\n`
      text += renderTable(CHANGE_HEADERS, account.changes.map((c) => changeRow(c, timeZone)))
    }
  }
  return text
}

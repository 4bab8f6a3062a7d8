import { z } from 'zod'
import { sha256Hex } from '../canonical'
import { AppError } from '../errors'
import type { SourceRecord } from './connector'
import { occurrenceId } from './dockerhub-cursor'
import { addDays, dayStartMs, isUtcDay, utcDayOf } from './quay-date'
import type { ParsedQuayRecord, QuayLogsPage } from './quay-page'

/**
 * The Quay walk of one log scope (an organisation or a repository), as pure state transitions.
 *
 * Day windows. The logs endpoints take whole UTC days only (`starttime`/`endtime`, both ends
 * included) and page newest first, 20 records at a time, with opaque `next_page` tokens. A run
 * reads one day per window, oldest day first, from `from` to `to`: `to` is the server's today
 * when the run starts; `from` is `backfillDays - 1` days earlier on the first run and, after that,
 * the previous run's `to` minus `overlapDays` (≥ 1), so every run reads again the day the last one
 * ended on and the day before it — logs reach Quay's search backends late, and "today" was only
 * partly over when it was read.
 *
 * The cursor. `{ v: 1, scope, lastTo, newest }` between runs; `run` during one: the day being
 * read, the token of its next page (and when it was received), the occurrence counts at the page
 * boundary and the digest of the day's first page. A run stopped after any page resumes at the
 * next page of the same day; each finished day moves `run.day` on; the last day's last page drops
 * `run` and sets `lastTo`.
 *
 * Identity. Quay's records have no id. A record's id is its content hash (quayRecordHash), and
 * the n-th identical record of one second gets `#n` appended (`<hash>`, `<hash>#2`, …). A day
 * window holds whole seconds and the order is newest first, so a second's records are read
 * together in one run; only the counts of the boundary second cross a page, and the cursor keeps
 * them. Every run therefore gives the n-th copy the id it had before, and a late copy becomes new.
 *
 * Expired tokens. A `next_page` token lives two days; an expired or garbled one is not an error:
 * the server silently answers the day's FIRST page again. The walk recognises it — a page after
 * the first whose first record is newer than the boundary (impossible in a list read newest
 * first), or which starts at the boundary second and is the day's first page over again — and
 * takes that answer as the first page of the day, re-read from scratch with fresh counts. Records
 * read again keep their ids (duplicates, never doubles); nothing is skipped. A resumed run does
 * not even try a token older than `pageTokenMaxAgeMs`: it reads the day again from its first page.
 */

export interface QuayBoundary {
  /** Timestamp (ms) of the last second counted. */
  at: number
  /** Occurrences so far of each record hash in that second. */
  counts: Record<string, number>
}

export interface QuayRun {
  /** Last day of the run (`YYYY-MM-DD`): the server's today when the run started. */
  to: string
  /** The day being read. */
  day: string
  /** `next_page` for the day's next page; null for its first page. */
  token: string | null
  /** When `token` was received (ms, our clock). */
  tokenAt: number | null
  /** Pages of `day` read so far. */
  pages: number
  /** Digest of the record hashes of the day's first page, to recognise it when it comes again. */
  firstPage: string | null
  boundary: QuayBoundary | null
}

export interface QuayCursor {
  v: 1
  /** The stream's scope (`org:acme`, `repo:acme/app`): a cursor is never used for another. */
  scope: string
  /** Last day of the last finished run; null before the first. */
  lastTo: string | null
  /** Newest record time (ms) archived so far; null before any. */
  newest: number | null
  run?: QuayRun
}

const day = z.string().refine(isUtcDay)
const cursorSchema = z.object({
  v: z.literal(1),
  scope: z.string().min(1),
  lastTo: day.nullable(),
  newest: z.number().int().nullable(),
  run: z
    .object({
      to: day,
      day,
      token: z.string().min(1).nullable(),
      tokenAt: z.number().nullable(),
      pages: z.number().int().min(0),
      firstPage: z.string().nullable(),
      boundary: z.object({ at: z.number().int(), counts: z.record(z.string(), z.number().int().min(1)) }).nullable()
    })
    .optional()
})

/** Reads a stored cursor; null (never synced) is the empty cursor of `scope`. */
export function readQuayCursor(value: unknown, scope: string, account?: string): QuayCursor {
  if (value === null || value === undefined) return { v: 1, scope, lastTo: null, newest: null }
  const parsed = cursorSchema.safeParse(value)
  const who = account ? `${account}: ` : ''
  if (!parsed.success || (parsed.data.run !== undefined && parsed.data.run.day > parsed.data.run.to)) {
    throw new AppError('INVALID_INPUT', `${who}the stored sync position is not a Quay logs cursor; it cannot be resumed`, { account })
  }
  if (parsed.data.scope !== scope) {
    throw new AppError(
      'INVALID_INPUT',
      `${who}the stored sync position belongs to ${parsed.data.scope}, not ${scope}; it cannot be resumed`,
      { account }
    )
  }
  return parsed.data as QuayCursor
}

export interface QuayRunSettings {
  /** Days the first run reads, today included. */
  backfillDays: number
  /** Days before the previous run's last day that a run reads again (≥ 1). */
  overlapDays: number
}

/** A new run ending on the server's today (`serverNowMs`). */
export function startQuayRun(cursor: QuayCursor, serverNowMs: number, settings: QuayRunSettings): QuayRun {
  const to = utcDayOf(serverNowMs)
  let from: string
  if (cursor.lastTo === null) from = addDays(to, -(Math.max(1, settings.backfillDays) - 1))
  else from = addDays(cursor.lastTo < to ? cursor.lastTo : to, -Math.max(1, settings.overlapDays))
  return freshDay(to, from)
}

function freshDay(to: string, day: string): QuayRun {
  return { to, day, token: null, tokenAt: null, pages: 0, firstPage: null, boundary: null }
}

/** The same day read again from its first page (a token too old to try, or one the server dropped). */
export function restartDay(run: QuayRun): QuayRun {
  return freshDay(run.to, run.day)
}

/** Digest of a page's record hashes, in order. */
export function quayPageDigest(records: readonly ParsedQuayRecord[]): string {
  return sha256Hex(records.map((record) => record.hash).join(','))
}

export type QuayPageStep =
  | {
      kind: 'page'
      records: SourceRecord[]
      cursor: QuayCursor
      /** The run is over. */
      done: boolean
      /** Records outside the day asked for, left out (they belong to another day's window). */
      outside: number
    }
  /** The server answered the day's first page again (an expired or refused token). */
  | { kind: 'restarted' }

/**
 * Applies one fetched page of `cursor.run.day`. `nowMs` stamps a new token. Throws BAD_RESPONSE
 * when the page is not newest first or the server says it searched another window than the day.
 */
export function applyQuayPage(
  cursor: QuayCursor & { run: QuayRun },
  page: QuayLogsPage,
  nowMs: number,
  options: { account?: string; where?: string } = {}
): QuayPageStep {
  const run = cursor.run
  const start = dayStartMs(run.day)
  const end = dayStartMs(addDays(run.day, 1))
  const bad = (text: string): AppError =>
    new AppError('BAD_RESPONSE', `${options.account ? `${options.account}: ` : ''}bad response from quay for ${options.where ?? run.day}: ${text}`, {
      account: options.account
    })

  if (page.window !== null && (page.window.start !== start || page.window.end !== end)) {
    // Quay replaces a start or end it cannot read by its default (the last day) without a word.
    throw bad(
      `it searched ${new Date(page.window.start).toISOString()} – ${new Date(page.window.end).toISOString()} ` +
        `instead of the day asked for (${new Date(start).toISOString()} – ${new Date(end).toISOString()})`
    )
  }
  const records = page.records
  for (let i = 1; i < records.length; i++) {
    if (records[i]!.at > records[i - 1]!.at) throw bad(`the records are not newest first (record ${i + 1} is newer than record ${i})`)
  }
  const inDay = records.filter((record) => record.at >= start && record.at < end)
  const outside = records.length - inDay.length

  if (run.pages > 0) {
    const first = inDay[0]
    const boundary = run.boundary
    if (first && boundary) {
      if (first.at > boundary.at) return { kind: 'restarted' }
      if (first.at === boundary.at && run.firstPage !== null && quayPageDigest(records) === run.firstPage) return { kind: 'restarted' }
    }
  }

  let groupAt = run.boundary?.at ?? null
  let counts: Record<string, number> = run.boundary ? { ...run.boundary.counts } : {}
  let newest = cursor.newest
  const out: SourceRecord[] = []
  for (const record of inDay) {
    if (record.at !== groupAt) {
      groupAt = record.at
      counts = {}
    }
    const occurrence = (counts[record.hash] ?? 0) + 1
    counts[record.hash] = occurrence
    out.push({ sourceEventId: occurrenceId(record.hash, occurrence), raw: record.raw })
    if (newest === null || record.at > newest) newest = record.at
  }

  if (page.nextPage !== null) {
    const nextRun: QuayRun = {
      to: run.to,
      day: run.day,
      token: page.nextPage,
      tokenAt: nowMs,
      pages: run.pages + 1,
      firstPage: run.pages === 0 ? quayPageDigest(records) : run.firstPage,
      boundary: groupAt === null ? null : { at: groupAt, counts }
    }
    return { kind: 'page', records: out, cursor: { ...cursor, newest, run: nextRun }, done: false, outside }
  }
  if (run.day < run.to) {
    return { kind: 'page', records: out, cursor: { ...cursor, newest, run: freshDay(run.to, addDays(run.day, 1)) }, done: false, outside }
  }
  const finished: QuayCursor = { v: 1, scope: cursor.scope, lastTo: run.to, newest }
  return { kind: 'page', records: out, cursor: finished, done: true, outside }
}

/**
 * Ids for records read in any order (an export file, a list): the n-th record with the same hash
 * gets `#n`. Since the hash includes the second, this is the numbering the walk gives, provided
 * the records cover whole seconds. Returns a function that takes each record's hash in turn.
 */
export function createQuayIdAssigner(): (hash: string) => string {
  const seen = new Map<string, number>()
  return (hash) => {
    const occurrence = (seen.get(hash) ?? 0) + 1
    seen.set(hash, occurrence)
    return occurrenceId(hash, occurrence)
  }
}

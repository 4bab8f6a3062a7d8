import { z } from 'zod'
import { sha256Hex } from '../canonical'
import { AppError } from '../errors'
import type { SourceRecord } from './connector'
import type { ParsedRecord } from './dockerhub-page'

/**
 * The Docker Hub walk, as pure state transitions: the cursor, where a run starts and ends, and the
 * identity of each record.
 *
 * The walk. The audit log is newest first, paged by number, with no id and no total. A run fixes
 * `to` when it starts (one whole second before "now", so an event arriving during the run carries
 * a later timestamp and cannot shift the pages under us) and reads pages 1, 2, … down to `from`:
 * the previous high-water mark minus the overlap window (nothing on the first sync). It ends on an
 * empty page, on a page shorter than an earlier page of the same run, or on a page reaching below
 * `from` (a server that ignores `from`). A first page shorter than asked is NOT taken as the end,
 * because the largest page size the Hub serves is undocumented: if it served fewer than we ask,
 * "short" would stop after one page and lose the rest, so that costs one extra (empty) request.
 *
 * The cursor. `{ v: 1, highWater }` between runs; `{ v: 1, highWater, run }` after each page of
 * a run, `run` holding `to`, `from`, the next page and the occurrence counts at the page boundary.
 * A run killed at any point resumes at the next page of the SAME run (same `to` and `from`, so the
 * same pages), and the last page's cursor drops `run` and raises `highWater` to the newest
 * timestamp seen. The overlap re-reads whole seconds only, so re-read records get the ids they had.
 *
 * Identity. A record's id is the SHA-256 of its canonical JSON, so a re-read record is a duplicate,
 * never a double. Two genuinely identical records (same second, same everything) would collapse into
 * one, so the n-th copy within a run gets `#n` appended (`<hash>`, `<hash>#2`, …). Identical
 * records always share a timestamp, and newest-first order keeps a timestamp's records together, so
 * the counts restart at each new timestamp and only the counts of the boundary timestamp (the last
 * one of a page) need to survive into the next page — and into the cursor, for a resumed run. Every
 * run reads each second it touches completely (`from` and `to` are whole seconds, and every record
 * of a second falls on the same side of either), so the n-th copy of a record gets the same id in
 * every run, and a copy that arrives late becomes `#n+1`, new. Should a server cut a second anyway
 * (say it keeps sub-second times and treats `from` as exclusive), a partial read numbers k ≤ n
 * copies 1…k: ids already given, so it can cause duplicates but never a double.
 *
 * Page shifts. If an event with a timestamp inside the run's window appeared while the run walked
 * (a late-ingested event), every later page shifts by one and the next page repeats the previous
 * page's last record, which the counter would take for a second copy. Two checks catch it: a page
 * starting with a record newer than the boundary (impossible in a stable list), and a page starting
 * with a copy of a boundary record — ambiguous, so the walker re-reads the previous page and
 * compares its digest. Either way the run restarts from page 1 with a new `to` and the same `from`;
 * ids stay stable, since each second is again read whole. Not caught: a server whose order within
 * one second changes between requests while the re-read page happens to look the same, and records
 * deleted from the middle of the list (audit logs only expire from the old end, which shifts
 * nothing before it).
 */

export interface DockerHubBoundary {
  /** Timestamp (ms) of the last record counted. */
  at: number
  /** Occurrences so far of each record hash with that timestamp. */
  counts: Record<string, number>
  /** Digest of the hashes of the page that ended at this boundary, to detect a shift. */
  pageDigest: string
}

export interface DockerHubRun {
  /** Upper bound of the run, sent as `to` (RFC 3339, whole second). */
  to: string
  /** Lower bound, sent as `from`; null on a first sync. */
  from: string | null
  nextPage: number
  /** Newest timestamp (ms) read in this run. */
  maxSeen: number | null
  /** Longest page seen in this run: a later, shorter page is the last. */
  fullPageSize: number
  boundary: DockerHubBoundary | null
}

export interface DockerHubCursor {
  v: 1
  /** Newest timestamp (ms) archived by a completed run; null before the first. */
  highWater: number | null
  run?: DockerHubRun
}

const cursorSchema = z.object({
  v: z.literal(1),
  highWater: z.number().int().nullable(),
  run: z
    .object({
      to: z.string(),
      from: z.string().nullable(),
      nextPage: z.number().int().min(1),
      maxSeen: z.number().int().nullable(),
      fullPageSize: z.number().int().min(0),
      boundary: z
        .object({
          at: z.number().int(),
          counts: z.record(z.string(), z.number().int().min(1)),
          pageDigest: z.string()
        })
        .nullable()
    })
    .optional()
})

/** Reads a stored cursor; null (never synced) is the empty cursor. */
export function readDockerHubCursor(value: unknown, account?: string): DockerHubCursor {
  if (value === null || value === undefined) return { v: 1, highWater: null }
  const parsed = cursorSchema.safeParse(value)
  if (!parsed.success) {
    throw new AppError(
      'INVALID_INPUT',
      `${account ? `${account}: ` : ''}the stored sync position is not a Docker Hub cursor; it cannot be resumed`,
      { account }
    )
  }
  return parsed.data as DockerHubCursor
}

/** `2025-05-12T08:41:07Z`: RFC 3339 in UTC at whole seconds, the precision the Hub uses. */
export function isoSecond(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}

/**
 * A new run: `to` is the last whole second strictly before `nowMs`; `from` is the high-water mark
 * minus the overlap, rounded down to a whole second.
 */
export function startRun(cursor: DockerHubCursor, nowMs: number, overlapSeconds: number): DockerHubRun {
  const to = Math.floor(nowMs / 1000) * 1000 - 1000
  const from = cursor.highWater === null ? null : isoSecond(Math.min(cursor.highWater, to) - overlapSeconds * 1000)
  return { to: isoSecond(to), from, nextPage: 1, maxSeen: null, fullPageSize: 0, boundary: null }
}

/** Restarts a run after a page shift: new `to`, same `from`, what was seen so far kept. */
export function restartRun(run: DockerHubRun, nowMs: number): DockerHubRun {
  const to = Math.floor(nowMs / 1000) * 1000 - 1000
  return { to: isoSecond(to), from: run.from, nextPage: 1, maxSeen: run.maxSeen, fullPageSize: 0, boundary: null }
}

export function pageDigest(records: readonly ParsedRecord[]): string {
  return sha256Hex(records.map((record) => record.hash).join(','))
}

/** The id of the `occurrence`-th identical copy of a record within one second. */
export function occurrenceId(hash: string, occurrence: number): string {
  return occurrence === 1 ? hash : `${hash}#${occurrence}`
}

export type PageStep =
  /** Records to write and the cursor to store with them; `done` ends the run. */
  | { kind: 'page'; records: SourceRecord[]; cursor: DockerHubCursor; done: boolean; aboveTo: number }
  /** The list moved under the run: restart it. */
  | { kind: 'shifted' }
  /** The page starts with a copy of a boundary record: re-read the previous page and compare. */
  | { kind: 'verify'; page: number; digest: string }

/**
 * Applies one fetched page to the run. `verified` says the previous page was re-read and found
 * unchanged, so a leading copy of a boundary record is a genuine copy. Throws BAD_RESPONSE when a
 * page is not newest first.
 */
export function applyPage(
  cursor: DockerHubCursor & { run: DockerHubRun },
  page: readonly ParsedRecord[],
  options: { verified?: boolean; account?: string } = {}
): PageStep {
  const run = cursor.run
  const toMs = Date.parse(run.to)
  const fromMs = run.from === null ? null : Date.parse(run.from)
  const boundary = run.boundary

  for (let i = 1; i < page.length; i++) {
    if (page[i]!.at > page[i - 1]!.at) {
      throw new AppError(
        'BAD_RESPONSE',
        `${options.account ? `${options.account}: ` : ''}bad response from docker hub: page ${run.nextPage} is not ` +
          `in newest-first order (record ${i + 1} is newer than record ${i})`,
        { account: options.account }
      )
    }
  }

  // Shift checks compare the first record read in the window with the previous page's boundary.
  const first = page.find((record) => record.at <= toMs)
  if (boundary && first) {
    if (first.at > boundary.at) return { kind: 'shifted' }
    if (first.at === boundary.at && boundary.counts[first.hash] !== undefined && !options.verified) {
      return { kind: 'verify', page: run.nextPage - 1, digest: boundary.pageDigest }
    }
  }

  let groupAt = boundary?.at ?? null
  let counts: Record<string, number> = boundary ? { ...boundary.counts } : {}
  let maxSeen = run.maxSeen
  let reachedFrom = false
  let aboveTo = 0
  const records: SourceRecord[] = []
  for (const record of page) {
    if (record.at > toMs) {
      // The server ignored `to`: newer records belong to the next run.
      aboveTo++
      continue
    }
    if (fromMs !== null && record.at < fromMs) {
      // The server ignored `from`: everything from here on is older than the window.
      reachedFrom = true
      break
    }
    if (record.at !== groupAt) {
      groupAt = record.at
      counts = {}
    }
    const occurrence = (counts[record.hash] ?? 0) + 1
    counts[record.hash] = occurrence
    records.push({ sourceEventId: occurrenceId(record.hash, occurrence), raw: record.raw })
    if (maxSeen === null || record.at > maxSeen) maxSeen = record.at
  }

  const done = page.length === 0 || reachedFrom || (run.fullPageSize > 0 && page.length < run.fullPageSize)
  if (done) {
    const highWater =
      cursor.highWater === null ? maxSeen : maxSeen === null ? cursor.highWater : Math.max(cursor.highWater, maxSeen)
    return { kind: 'page', records, cursor: { v: 1, highWater }, done: true, aboveTo }
  }
  const nextRun: DockerHubRun = {
    to: run.to,
    from: run.from,
    nextPage: run.nextPage + 1,
    maxSeen,
    fullPageSize: Math.max(run.fullPageSize, page.length),
    boundary:
      groupAt === null
        ? null
        : { at: groupAt, counts, pageDigest: pageDigest(page) }
  }
  return { kind: 'page', records, cursor: { v: 1, highWater: cursor.highWater, run: nextRun }, done: false, aboveTo }
}

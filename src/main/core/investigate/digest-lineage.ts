import type { AuditEvent } from '../../../shared/event'
import type { DigestLineage, LineageEntry, LineageRole, LineageTagSpan } from '../../../shared/investigation'
import { prefixUpperBound } from '../db/event-query-sql'
import { AppError } from '../errors'
import type { InvestigationDb } from './investigation-db'
import { replayRepository, type RepositoryReplay } from './tag-history'

export const DEFAULT_LINEAGE_LIMIT = 1000

/**
 * A Notary change is linked to a push when it follows it within this time and no other push to
 * the repository came between: `docker push` with content trust signs right after pushing.
 */
export const TRUST_LINK_WINDOW_MS = 10 * 60_000

/** A whole digest: `algorithm:hex`, as the normalisers store them. */
const FULL_DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/
/** Shortest prefix accepted (`sha256:` plus a few hex digits), so a typo does not match thousands. */
const MIN_PREFIX = 10

/**
 * The one digest a full digest or a prefix (`sha256:4f1c0e`) names.
 * @throws AppError NOT_FOUND when no event has it, INVALID_INPUT when a prefix is too short or
 *   matches several digests (they are named).
 */
export function resolveDigest(db: InvestigationDb, text: string): string {
  const wanted = text.trim()
  if (wanted === '') throw new AppError('INVALID_INPUT', 'a digest is needed (sha256:…)')
  if (FULL_DIGEST.test(wanted)) {
    const found = db.guard('looking up a digest', () =>
      db.prepare('SELECT 1 FROM events WHERE digest = ? LIMIT 1').pluck().get(wanted)
    )
    if (found === undefined) throw new AppError('NOT_FOUND', `no event in the archive has the digest ${wanted}`)
    return wanted
  }
  if (wanted.length < MIN_PREFIX || !/^[a-z0-9]+:[a-fA-F0-9]+$/.test(wanted)) {
    throw new AppError(
      'INVALID_INPUT',
      `"${wanted.slice(0, 80)}" is not a digest: give sha256:<hex>, or at least ${MIN_PREFIX} characters of one`
    )
  }
  const matches = db.guard('looking up a digest', () => {
    const found: string[] = []
    // Walk the digest index from the prefix, one distinct digest at a time (a busy digest has
    // thousands of pulls; DISTINCT over the whole range would read them all).
    const first = db.prepare('SELECT digest FROM events WHERE digest >= ? AND digest < ? ORDER BY digest LIMIT 1').pluck()
    const next = db.prepare('SELECT digest FROM events WHERE digest > ? AND digest < ? ORDER BY digest LIMIT 1').pluck()
    const end = prefixUpperBound(wanted)
    let digest = first.get(wanted, end) as string | undefined
    while (digest !== undefined && found.length < 4) {
      found.push(digest)
      digest = next.get(digest, end) as string | undefined
    }
    return found
  })
  if (matches.length === 0) throw new AppError('NOT_FOUND', `no event in the archive has a digest starting ${wanted}`)
  if (matches.length > 1) {
    throw new AppError(
      'INVALID_INPUT',
      `${wanted} matches several digests (${matches.slice(0, 3).join(', ')}${matches.length > 3 ? ', …' : ''}): give more of it`
    )
  }
  return matches[0] as string
}

/**
 * Everything the archive knows about one image digest, across accounts and sources, oldest first:
 * the events that name it, the tag deletions, overwrites and repository deletions that removed it
 * from a tag (from the tag history), and the Notary signatures linked by repository and time.
 */
export function digestLineage(
  db: InvestigationDb,
  digestText: string,
  options: { includePull?: boolean; limit?: number } = {}
): DigestLineage {
  const digest = resolveDigest(db, digestText)
  const includePull = options.includePull ?? true
  const limit = options.limit ?? DEFAULT_LINEAGE_LIMIT
  return db.guard('tracing a digest', () => {
    const direct = db.events(`digest = ?${includePull ? '' : " AND activity <> 'pull'"}`, [digest], 'occurred_at, id', limit + 1)
    const truncated = direct.length > limit
    if (truncated) direct.length = limit
    const pulls = db
      .prepare("SELECT count(*) AS count, min(occurred_at) AS first, max(occurred_at) AS last FROM events WHERE digest = ? AND activity = 'pull'")
      .get(digest) as { count: number; first: number | null; last: number | null }
    const seen = db
      .prepare('SELECT min(occurred_at) AS first, max(occurred_at) AS last FROM events WHERE digest = ?')
      .get(digest) as { first: number | null; last: number | null }
    const repositories = (
      db.prepare("SELECT DISTINCT repository FROM events WHERE digest = ? AND repository <> '' ORDER BY repository").pluck().all(digest) as string[]
    )

    const entries = new Map<number, LineageEntry>()
    const retagged = new Map<string, Set<string>>()
    for (const event of direct) entries.set(event.id, { event, role: directRole(event, retagged), link: 'digest', how: null })

    const tags: LineageTagSpan[] = []
    for (const repository of repositories) {
      const replay = replayRepository(db, repository)
      const spans = spansOf(replay, digest)
      tags.push(...spans)
      for (const span of spans) {
        if (span.untilEventId === null || entries.has(span.untilEventId)) continue
        const event = db.event(span.untilEventId)
        if (event === undefined) continue
        entries.set(event.id, endingEntry(event, span))
      }
      for (const entry of trustEntries(db, repository, digest, spans)) {
        if (!entries.has(entry.event.id)) entries.set(entry.event.id, entry)
      }
    }

    const sorted = [...entries.values()].sort((a, b) => a.event.occurred_at - b.event.occurred_at || a.event.id - b.event.id)
    tags.sort((a, b) => a.from - b.from || a.fromEventId - b.fromEventId)
    return {
      digest,
      entries: sorted,
      truncated,
      tags,
      accounts: [...new Set(sorted.map((e) => e.event.account))].sort(),
      repositories,
      firstSeen: seen.first,
      lastSeen: seen.last,
      pulls,
      tagged: tags.some((span) => span.until === null)
    }
  })
}

/** What an event that names the digest did with it. */
function directRole(event: AuditEvent, retagged: Map<string, Set<string>>): LineageRole {
  switch (event.activity) {
    case 'pull':
    case 'scan':
    case 'promotion':
    case 'mirror':
    case 'sign':
    case 'trust-delete':
      return event.activity
    case 'delete':
      return event.tag !== null ? 'untag' : 'delete'
    case 'push': {
      if (event.tag === null) return 'push'
      const key = `${event.account_id}\0${event.repository ?? ''}`
      const tags = retagged.get(key) ?? new Set<string>()
      retagged.set(key, tags)
      const role: LineageRole = tags.size > 0 && !tags.has(event.tag) ? 'retag' : 'push'
      tags.add(event.tag)
      return role
    }
    default:
      return 'other'
  }
}

/** The periods in which a tag pointed at the digest, from a repository's replayed changes. */
export function spansOf(replay: RepositoryReplay, digest: string): LineageTagSpan[] {
  const open = new Map<string, LineageTagSpan>()
  const spans: LineageTagSpan[] = []
  for (const change of replay.changes) {
    const key = `${change.account}\0${change.tag}`
    const current = open.get(key)
    if (change.to === digest) {
      if (current !== undefined) continue
      const span: LineageTagSpan = {
        account: change.account,
        repository: change.repository,
        tag: change.tag,
        from: change.at,
        fromEventId: change.eventId,
        until: null,
        untilEventId: null,
        endedBy: null
      }
      open.set(key, span)
      spans.push(span)
    } else if (current !== undefined) {
      current.until = change.at
      current.untilEventId = change.eventId
      current.endedBy =
        change.kind !== 'removed'
          ? 'overwritten'
          : change.via === 'manifest-delete'
            ? 'manifest-delete'
            : change.via === 'repository-delete'
              ? 'repository-delete'
              : 'untag'
      open.delete(key)
    }
  }
  return spans
}

/** An event that ended a tag's span without naming the digest itself. */
function endingEntry(event: AuditEvent, span: LineageTagSpan): LineageEntry {
  const where = `${span.repository}:${span.tag}`
  switch (span.endedBy) {
    case 'overwritten':
      return {
        event,
        role: 'overwritten',
        link: 'tag',
        how: `${where} pointed at this digest until this event pushed ${event.digest ?? 'another image'} over it`
      }
    case 'repository-delete':
      return {
        event,
        role: 'repository-delete',
        link: 'repository',
        how: `the repository ${span.repository} was deleted while ${where} pointed at this digest`
      }
    default:
      return { event, role: 'untag', link: 'tag', how: `${where} pointed at this digest when this event deleted the tag` }
  }
}

/**
 * Notary changes of the repository tied to the digest. The changefeed names a GUN (registry host
 * and repository) and a timestamp version, never a tag or an image digest, so an update is linked
 * when it came within TRUST_LINK_WINDOW_MS after a push of this digest to the repository with no
 * other push between (the signature of that push), and a trust deletion when a tag of the
 * repository pointed at the digest at that moment.
 */
function trustEntries(db: InvestigationDb, repository: string, digest: string, spans: LineageTagSpan[]): LineageEntry[] {
  const trust = db.events("repository = ? AND activity IN ('sign', 'trust-delete') AND digest = ''", [repository])
  if (trust.length === 0) return []
  const pushes = db.events(
    "repository = ? AND activity IN ('push', 'promotion', 'mirror') AND verb IN ('CREATE', 'UPDATE') AND outcome <> 'failure'",
    [repository]
  )
  const entries: LineageEntry[] = []
  let p = -1
  for (const change of trust) {
    while (p + 1 < pushes.length && (pushes[p + 1] as AuditEvent).occurred_at <= change.occurred_at) p++
    if (change.activity === 'sign') {
      const push = p >= 0 ? (pushes[p] as AuditEvent) : undefined
      if (push === undefined || push.digest !== digest) continue
      const after = change.occurred_at - push.occurred_at
      if (after > TRUST_LINK_WINDOW_MS) continue
      entries.push({
        event: change,
        role: 'sign',
        link: 'trust',
        how:
          `${change.label}: ${Math.round(after / 1000)} s after this digest was pushed to ${repository}` +
          `${push.tag === null ? '' : ` as :${push.tag}`} (event ${push.id}, ${push.account}), with no other push to ` +
          'the repository between; the Notary changefeed names neither tag nor digest, so the link is by repository and time'
      })
    } else {
      const span = spans.find((s) => s.from <= change.occurred_at && (s.until === null || s.until >= change.occurred_at))
      if (span === undefined) continue
      entries.push({
        event: change,
        role: 'trust-delete',
        link: 'trust',
        how: `${change.label} while ${span.repository}:${span.tag} (${span.account}) pointed at this digest; linked by repository and time`
      })
    }
  }
  return entries
}

import type { AuditEvent } from '../../../shared/event'
import {
  DELETION_CAUSES,
  type CauseEvidence,
  type DeletionCause,
  type DeletionCauseKind,
  type DeletionExplanation,
  type DeletionReport,
  type TagChange
} from '../../../shared/investigation'
import { AppError } from '../errors'
import { policyKindOf } from '../sources/msr-normalise'
import { resolveDigest } from './digest-lineage'
import type { InvestigationDb } from './investigation-db'
import { replayRepository } from './tag-history'

/** What the explainer is asked about: a tag of a repository, or an image digest. */
export type DeletionTarget = { repository: string; tag: string } | { digest: string }

/** "What the same actor did in the hour around it": this much each side of the deletion. */
export const ACTOR_CONTEXT_MS = 30 * 60_000
export const ACTOR_CONTEXT_LIMIT = 200
/** A bulk delete: at least BULK_MIN deletes by one actor of one account within BULK_WINDOW_MS of this one. */
export const BULK_WINDOW_MS = 10 * 60_000
export const BULK_MIN = 5
/** Promotions or mirrors this long before a deletion, on the same repository or digest, are cited. */
export const POLICY_CORRELATION_MS = 10 * 60_000
/** Deletions explained per request, newest first. */
export const MAX_DELETIONS = 20

const RETENTION_WORDS = /\b(retention|prun(?:e|ed|ing)|clean-?up|expir(?:e|ed|y|ation)|lifecycle|ttl)\b/i
const SYSTEM_WORDS = /\b(garbage[ _-]?collect\w*|gc|janitor|system|scheduler|cron)\b/i

/**
 * The deletion explainer (issue 7 §3): for a deleted tag or digest, each recorded deletion with its
 * candidate causes ranked by the strength of their evidence, and the same actor's events in the
 * hour around it.
 *
 * A cause is listed only with at least one piece of evidence, each pointing at an archived event
 * that shows it: the deletion's own actor, actor kind, client IP and user agent, or other events
 * (the actor's other deletes, a promotion just before). Scores are fixed heuristics that order
 * the causes; they are not probabilities.
 */
export function explainDeletion(db: InvestigationDb, target: DeletionTarget): DeletionReport {
  return 'digest' in target ? explainDigest(db, target.digest) : explainTag(db, target.repository, target.tag)
}

interface FoundDeletion {
  eventId: number
  scope: DeletionExplanation['scope']
  digest: string | null
}

function explainTag(db: InvestigationDb, repository: string, tag: string): DeletionReport {
  if (repository === '' || tag === '') throw new AppError('INVALID_INPUT', 'give a repository and a tag (REPO:TAG)')
  const replay = db.guard('explaining a deletion', () => replayRepository(db, repository))
  if (replay.accounts.length === 0) {
    throw new AppError('NOT_FOUND', `the archive holds no push, tag or delete events for the repository ${repository}`)
  }
  const removals = replay.changes.filter((c) => c.tag === tag && c.kind === 'removed')
  const found = removals.map((c) => ({ eventId: c.eventId, scope: scopeOf(c), digest: c.from }))
  const notes: string[] = []
  for (const [account, state] of replay.states) {
    const pointer = state.get(tag)
    if (pointer === undefined) continue
    notes.push(
      `${account}: ${repository}:${tag} exists now (as far as the archive knows), pointing at ${pointer.digest ?? 'an unknown digest'} ` +
        `since event ${pointer.eventId}${removals.length > 0 ? '; it was re-created after being deleted' : ''}`
    )
  }
  const overwrites = replay.changes.filter((c) => c.tag === tag && c.kind === 'moved')
  if (overwrites.length > 0) {
    notes.push(`${repository}:${tag} was overwritten with another digest ${overwrites.length} time(s) (see the tag history)`)
  }
  if (replay.changes.every((c) => c.tag !== tag)) notes.push(`the archive has no event for the tag ${tag} of ${repository}`)
  if (found.length === 0) notes.push(`no deletion of ${repository}:${tag} is recorded in the archive`)
  notes.push(...trustDeletionNotes(db, repository, found))
  return { target: { repository, tag, digest: null }, deletions: explainAll(db, found), notes }
}

/**
 * Notary trust deletions of the repository in the hour before a deletion of its tag. Removing a
 * signed tag usually starts by removing its trust data, but the changefeed names no actor, so this
 * is context for the reader, never a cause or evidence of who did it.
 */
function trustDeletionNotes(db: InvestigationDb, repository: string, found: FoundDeletion[]): string[] {
  const notes: string[] = []
  for (const deletion of found) {
    const event = db.event(deletion.eventId)
    if (event === undefined) continue
    const trust = db.events("repository = ? AND activity = 'trust-delete' AND occurred_at BETWEEN ? AND ?", [
      repository,
      event.occurred_at - 2 * ACTOR_CONTEXT_MS,
      event.occurred_at
    ])
    for (const change of trust) {
      notes.push(
        `${change.label} (event ${change.id}, ${change.account}) ${Math.round((event.occurred_at - change.occurred_at) / 1000)} s before ` +
          `the deletion in event ${event.id}; the Notary changefeed does not say who deleted it`
      )
    }
  }
  return notes
}

function explainDigest(db: InvestigationDb, digestText: string): DeletionReport {
  const digest = resolveDigest(db, digestText)
  const found = new Map<number, FoundDeletion>()
  db.guard('explaining a deletion', () => {
    const direct = db.events("digest = ? AND activity = 'delete' AND outcome <> 'failure'", [digest])
    for (const event of direct) found.set(event.id, { eventId: event.id, scope: event.tag !== null ? 'tag' : 'manifest', digest })
    const repositories = db
      .prepare("SELECT DISTINCT repository FROM events WHERE digest = ? AND repository <> ''")
      .pluck()
      .all(digest) as string[]
    for (const repository of repositories) {
      for (const change of replayRepository(db, repository).changes) {
        if (change.kind === 'removed' && change.from === digest && !found.has(change.eventId)) {
          found.set(change.eventId, { eventId: change.eventId, scope: scopeOf(change), digest })
        }
      }
    }
  })
  const notes: string[] = []
  if (found.size === 0) notes.push(`no deletion of ${digest} (or of a tag pointing at it) is recorded in the archive`)
  return { target: { repository: null, tag: null, digest }, deletions: explainAll(db, [...found.values()]), notes }
}

function scopeOf(change: TagChange): DeletionExplanation['scope'] {
  return change.via === 'repository-delete' ? 'repository' : change.via === 'manifest-delete' ? 'manifest' : 'tag'
}

function explainAll(db: InvestigationDb, found: FoundDeletion[]): DeletionExplanation[] {
  return db.guard('explaining a deletion', () => {
    const explanations: DeletionExplanation[] = []
    for (const item of found) {
      const deletion = db.event(item.eventId)
      if (deletion !== undefined) explanations.push(explainOne(db, deletion, item))
    }
    explanations.sort((a, b) => b.deletion.occurred_at - a.deletion.occurred_at || b.deletion.id - a.deletion.id)
    return explanations.slice(0, MAX_DELETIONS)
  })
}

interface CandidateCause {
  kind: DeletionCauseKind
  score: number
  summary: string
  evidence: CauseEvidence[]
}

/** One deletion's ranked causes and its actor's hour. */
export function explainOne(db: InvestigationDb, deletion: AuditEvent, found: FoundDeletion): DeletionExplanation {
  const candidates = [
    retentionCause(deletion),
    promotionOrMirrorCause(db, deletion, found.digest),
    systemJobCause(deletion),
    userCause(deletion),
    bulkCause(db, deletion)
  ].filter((cause): cause is CandidateCause => cause !== null && cause.evidence.length > 0)
  candidates.sort((a, b) => b.score - a.score || DELETION_CAUSES.indexOf(a.kind) - DELETION_CAUSES.indexOf(b.kind))
  const causes: DeletionCause[] = candidates.map((cause, index) => ({ ...cause, rank: index + 1 }))

  let actorActivity: AuditEvent[] = []
  let actorActivityTruncated = false
  if (deletion.actor !== null) {
    actorActivity = db.events(
      'actor = ? AND occurred_at BETWEEN ? AND ?',
      [deletion.actor, deletion.occurred_at - ACTOR_CONTEXT_MS, deletion.occurred_at + ACTOR_CONTEXT_MS],
      'occurred_at, id',
      ACTOR_CONTEXT_LIMIT + 1
    )
    actorActivityTruncated = actorActivity.length > ACTOR_CONTEXT_LIMIT
    if (actorActivityTruncated) actorActivity.length = ACTOR_CONTEXT_LIMIT
  }
  return { deletion, scope: found.scope, digest: found.digest, causes, actorActivity, actorActivityTruncated }
}

function retentionCause(deletion: AuditEvent): CandidateCause | null {
  const actor = deletion.actor ?? ''
  if (policyKindOf(deletion.actor) === 'pruning') {
    return {
      kind: 'retention-policy',
      score: 0.95,
      summary: `removed by the pruning (retention) policy ${actor}`,
      evidence: [{ eventId: deletion.id, text: `the deletion's actor, ${actor}, is a pruning policy (actor kind ${deletion.actor_kind})` }]
    }
  }
  const word = RETENTION_WORDS.exec(actor) ?? RETENTION_WORDS.exec(deletion.action)
  if (word === null) return null
  return {
    kind: 'retention-policy',
    score: 0.6,
    summary: 'a retention or clean-up rule',
    evidence: [
      {
        eventId: deletion.id,
        text: `the deletion's ${RETENTION_WORDS.test(actor) ? `actor "${actor}"` : `action "${deletion.action}"`} names a retention or clean-up rule ("${word[0]}")`
      }
    ]
  }
}

function promotionOrMirrorCause(db: InvestigationDb, deletion: AuditEvent, digest: string | null): CandidateCause | null {
  const policy = policyKindOf(deletion.actor)
  if (policy === 'promotion' || policy === 'mirror') {
    return {
      kind: 'promotion-or-mirror-policy',
      score: 0.9,
      summary: `removed by the ${policy} policy ${deletion.actor ?? ''}`,
      evidence: [{ eventId: deletion.id, text: `the deletion's actor, ${deletion.actor ?? ''}, is a ${policy} policy` }]
    }
  }
  if (deletion.repository === null && digest === null) return null
  const conditions: string[] = []
  const params: unknown[] = [deletion.account_id, deletion.occurred_at - POLICY_CORRELATION_MS, deletion.occurred_at, deletion.id]
  if (deletion.repository !== null) {
    conditions.push('repository = ?')
    params.push(deletion.repository)
  }
  if (digest !== null) {
    conditions.push('digest = ?')
    params.push(digest)
  }
  const nearby = db.events(
    `account_id = ? AND activity IN ('promotion', 'mirror') AND occurred_at BETWEEN ? AND ? AND id <> ? AND (${conditions.join(' OR ')})`,
    params,
    'occurred_at DESC, id DESC',
    5
  )
  if (nearby.length === 0) return null
  return {
    kind: 'promotion-or-mirror-policy',
    score: Math.min(0.5, 0.3 + 0.05 * nearby.length),
    summary: 'a promotion or mirroring of the same image just before the deletion',
    evidence: nearby.map((event) => ({
      eventId: event.id,
      text:
        `${event.activity} by ${event.actor ?? 'an unknown actor'} of ${event.repository ?? ''}${event.tag === null ? '' : `:${event.tag}`} ` +
        `${Math.round((deletion.occurred_at - event.occurred_at) / 1000)} s before the deletion`
    }))
  }
}

function systemJobCause(deletion: AuditEvent): CandidateCause | null {
  if (deletion.actor_kind === 'system' || deletion.actor_kind === 'job') {
    return {
      kind: 'system-job',
      score: 0.9,
      summary: `a ${deletion.actor_kind === 'job' ? 'job' : 'system process'} of the registry${deletion.actor === null ? '' : ` (${deletion.actor})`}`,
      evidence: [{ eventId: deletion.id, text: `the deletion's actor kind is ${deletion.actor_kind}${deletion.actor === null ? '' : ` (${deletion.actor})`}` }]
    }
  }
  const actor = deletion.actor ?? ''
  const word = SYSTEM_WORDS.exec(actor) ?? /\b(garbage[ _-]?collect\w*|gc)\b/i.exec(deletion.action)
  if (word === null) return null
  return {
    kind: 'system-job',
    score: 0.6,
    summary: 'garbage collection or another system job',
    evidence: [{ eventId: deletion.id, text: `the deletion's actor or action names a system job ("${word[0]}")` }]
  }
}

function userCause(deletion: AuditEvent): CandidateCause | null {
  if (deletion.actor === null || (deletion.actor_kind !== 'user' && deletion.actor_kind !== 'token')) return null
  if (policyKindOf(deletion.actor) !== null) return null
  const evidence: CauseEvidence[] = [
    {
      eventId: deletion.id,
      text:
        deletion.actor_kind === 'token'
          ? `deleted with the access token "${deletion.actor}" (actor kind token)`
          : `deleted by the user ${deletion.actor} (actor kind user)`
    }
  ]
  if (deletion.client_ip !== null) evidence.push({ eventId: deletion.id, text: `from the client IP ${deletion.client_ip}` })
  if (deletion.user_agent !== null) evidence.push({ eventId: deletion.id, text: `with the client ${deletion.user_agent}` })
  return {
    kind: 'user-delete',
    score: deletion.actor_kind === 'user' ? 0.85 : 0.8,
    summary: `a delete by ${deletion.actor_kind === 'token' ? 'an access token' : 'the user'} ${deletion.actor}`,
    evidence
  }
}

function bulkCause(db: InvestigationDb, deletion: AuditEvent): CandidateCause | null {
  if (deletion.actor === null) return null
  const deletes = db.events(
    "account_id = ? AND actor = ? AND activity = 'delete' AND outcome <> 'failure' AND occurred_at BETWEEN ? AND ?",
    [deletion.account_id, deletion.actor, deletion.occurred_at - BULK_WINDOW_MS, deletion.occurred_at + BULK_WINDOW_MS],
    'occurred_at, id',
    1000
  )
  if (deletes.length < BULK_MIN) return null
  const first = deletes[0] as AuditEvent
  const last = deletes.at(-1) as AuditEvent
  const minutes = Math.max(1, Math.round((last.occurred_at - first.occurred_at) / 60_000))
  const others = deletes.filter((event) => event.id !== deletion.id).slice(0, 5)
  return {
    kind: 'bulk-delete',
    score: Math.min(0.95, 0.55 + deletes.length / 50),
    summary: `one of ${deletes.length}${deletes.length >= 1000 ? '+' : ''} deletes by ${deletion.actor} within about ${minutes} minute(s)`,
    evidence: [
      {
        eventId: deletion.id,
        text: `${deletes.length}${deletes.length >= 1000 ? '+' : ''} deletes by ${deletion.actor} in ${deletion.account} within ${BULK_WINDOW_MS / 60_000} minutes of this one`
      },
      ...others.map((event) => ({
        eventId: event.id,
        text: `also deleted ${event.repository ?? ''}${event.tag === null ? '' : `:${event.tag}`}${event.tag === null && event.digest !== null ? `@${event.digest}` : ''}`
      }))
    ]
  }
}

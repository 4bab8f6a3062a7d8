import type {
  AccountCoverage,
  DeletionCauseKind,
  LineageRole,
  LineageTagSpan,
  TagChange,
  TagHistory
} from '../../../shared/contract'
import type { AuditEvent } from '../../../shared/event'
import type { ImportReport } from '../../../shared/import'
import { formatCount, shortDigest } from './format'

/**
 * Plain words for the investigation views (issue 7): lineage roles, tag changes, deletion causes,
 * coverage and import reports. Pure, so the wording is unit-tested apart from the components.
 */

const ROLE_LABELS: Record<LineageRole, string> = {
  push: 'Pushed',
  retag: 'Tagged again',
  pull: 'Pulled',
  scan: 'Scanned',
  promotion: 'Promoted',
  mirror: 'Mirrored',
  sign: 'Trust signed',
  'trust-delete': 'Trust data deleted',
  untag: 'Tag deleted',
  delete: 'Manifest deleted',
  'repository-delete': 'Repository deleted',
  overwritten: 'Tag overwritten',
  other: 'Other'
}

export function lineageRoleLabel(role: LineageRole): string {
  return ROLE_LABELS[role]
}

/** The activity colour a role is drawn in (the same palette as the table's activities). */
export function lineageRoleActivity(role: LineageRole): string {
  switch (role) {
    case 'push':
    case 'retag':
      return 'push'
    case 'untag':
    case 'delete':
    case 'repository-delete':
    case 'overwritten':
      return 'delete'
    case 'trust-delete':
      return 'trust-delete'
    case 'other':
      return 'other'
    default:
      return role
  }
}

/** "latest in acme/app (hub): 2025-05-20 10:01 → 11:00, overwritten" — the times formatted by the caller. */
export function tagSpanText(span: LineageTagSpan, formatTime: (ms: number) => string): string {
  const until = span.until === null ? 'now' : formatTime(span.until)
  const ended =
    span.endedBy === null
      ? ' (still points here)'
      : span.endedBy === 'overwritten'
        ? ', then overwritten'
        : span.endedBy === 'untag'
          ? ', then the tag was deleted'
          : span.endedBy === 'manifest-delete'
            ? ', then the manifest was deleted'
            : ', then the repository was deleted'
  return `${span.repository}:${span.tag} (${span.account}) from ${formatTime(span.from)} to ${until}${ended}`
}

function digestText(digest: string | null): string {
  return digest === null ? 'an unknown digest' : shortDigest(digest)
}

/** One tag change in words: "latest moved from a1a1a1a1a1a1 to b2b2b2b2b2b2 by ci-bot (push)". */
export function tagChangeText(change: TagChange): string {
  const who = change.actor === null ? '' : ` by ${change.actor}`
  const via = change.via === 'push' ? '' : ` (${change.via.replace('-', ' ')})`
  switch (change.kind) {
    case 'created':
      return `${change.tag} created → ${digestText(change.to)}${who}${via}`
    case 'moved':
      return `${change.tag} moved from ${digestText(change.from)} to ${digestText(change.to)}${who}${via}`
    case 'repushed':
      return `${change.tag} pushed again with the same digest ${digestText(change.to)}${who}${via}`
    case 'pushed':
      return `${change.tag} pushed again${who}${via}; the source gave no digest, so whether it moved is unknown`
    case 'removed':
      return `${change.tag} removed (was ${digestText(change.from)})${who}${via}`
  }
}

/**
 * The answer to "was :tag overwritten?" from a tag's history: yes with how often, no, or that the
 * archive cannot tell (pushes without digests).
 */
export function overwriteAnswer(history: TagHistory): { answer: 'yes' | 'no' | 'unknown'; text: string } {
  const subject = history.tag === null ? `a tag of ${history.repository}` : `${history.repository}:${history.tag}`
  const overwrites = history.overwrites.length
  if (overwrites > 0) {
    return {
      answer: 'yes',
      text: `Yes — ${subject} was overwritten ${overwrites === 1 ? 'once' : `${formatCount(overwrites)} times`}: it was pushed again with another digest.`
    }
  }
  if (history.changes.some((change) => change.kind === 'pushed')) {
    return {
      answer: 'unknown',
      text: `Unknown — ${subject} was pushed again, but the source gave no digest for it, so whether it moved cannot be told.`
    }
  }
  if (history.changes.length === 0) return { answer: 'unknown', text: `The archive holds no tag events for ${subject}.` }
  return { answer: 'no', text: `No — ${subject} was never pushed over with another digest.` }
}

const CAUSE_LABELS: Record<DeletionCauseKind, string> = {
  'user-delete': 'Deleted by a user',
  'retention-policy': 'Retention or pruning policy',
  'promotion-or-mirror-policy': 'Promotion or mirror policy',
  'system-job': 'Garbage collection or another system job',
  'bulk-delete': 'Bulk delete'
}

export function deletionCauseLabel(kind: DeletionCauseKind): string {
  return CAUSE_LABELS[kind]
}

/** A cause's score as a whole percentage, for the width of its bar (a heuristic weight, not a probability). */
export function scorePercent(score: number): number {
  return Math.round(Math.min(1, Math.max(0, score)) * 100)
}

/**
 * A cause's score in words. The scores are fixed weights per kind of evidence, so showing "85%"
 * would read as a probability the explainer never computed; a word says only how strong it is.
 */
export function scoreStrength(score: number): 'strong' | 'moderate' | 'weak' {
  if (score >= 0.75) return 'strong'
  if (score >= 0.45) return 'moderate'
  return 'weak'
}

/**
 * What the deletion explainer is asked about for an event: its repository and tag when it names
 * both, else its digest; null when it is not a deletion or names neither.
 */
export function deletionTargetFor(
  event: Pick<AuditEvent, 'activity' | 'verb' | 'repository' | 'tag' | 'digest'>
): { repository: string; tag: string } | { digest: string } | null {
  const isDeletion = event.activity === 'delete' || event.activity === 'trust-delete' || event.verb === 'DELETE'
  if (!isDeletion) return null
  if (event.repository !== null && event.tag !== null) return { repository: event.repository, tag: event.tag }
  if (event.digest !== null) return { digest: event.digest }
  return null
}

/** "Imported 3 events · 1 already held · 2 rejected" (skipped rows only when there are some). */
export function importSummary(report: Pick<ImportReport, 'imported' | 'duplicates' | 'rejected' | 'skipped'>): string {
  const parts = [
    `Imported ${formatCount(report.imported)} ${report.imported === 1 ? 'event' : 'events'}`,
    `${formatCount(report.duplicates)} already held`,
    `${formatCount(report.rejected)} rejected`
  ]
  if (report.skipped > 0) parts.push(`${formatCount(report.skipped)} skipped (not for this account)`)
  return parts.join(' · ')
}

/** How long a source keeps events, for the sync panel: "30 days (Docker Hub's audit log …)". */
export function retentionText(coverage: Pick<AccountCoverage, 'retention'>): string {
  const { retention } = coverage
  if (retention.keepsAll) return `Keeps everything — ${retention.note}`
  if (retention.days !== null) return `${retention.days} days — ${retention.note}`
  return `Not known — ${retention.note}`
}

/**
 * The local retention cutoff a number of days stands for, as the core computes it; undefined for
 * anything but a whole number of days from 1 on.
 */
export function parsePruneDays(text: string): number | undefined {
  const trimmed = text.trim()
  if (!/^\d{1,6}$/.test(trimmed)) return undefined
  const days = Number(trimmed)
  return days >= 1 && days <= 100_000 ? days : undefined
}

import type { ActorKind, AuditEvent, SourceKind } from './event'
import type { EventSort } from './query'

/**
 * Result types of the investigation features (issue 7): digest lineage, tag history, the
 * deletion explainer, chain verification, coverage, local retention, saved and recent queries,
 * cases and evidence export. Shared by the core, the CLI and the UI (through contract.ts).
 */

// ---------------------------------------------------------------------------------------------
// Digest lineage
// ---------------------------------------------------------------------------------------------

/** What an event did to or with the digest. */
export type LineageRole =
  /** Pushed (first time in that repository, or the same tag again). */
  | 'push'
  /** Pushed or tagged under another tag of the same repository, the digest already being there. */
  | 'retag'
  | 'pull'
  | 'scan'
  | 'promotion'
  | 'mirror'
  /** A trust (Notary/DCT) signature; see `how` for how it was linked. */
  | 'sign'
  | 'trust-delete'
  /** A tag that pointed at the digest was deleted. */
  | 'untag'
  /** The manifest (digest) itself was deleted. */
  | 'delete'
  /** The repository holding the digest was deleted. */
  | 'repository-delete'
  /** Another digest was pushed over a tag that pointed at this one. */
  | 'overwritten'
  | 'other'

/**
 * How an event is tied to the digest: `digest` (the event names it), `tag` (a tag that pointed at
 * the digest at that moment, from the tag history), `repository` (the repository holding it was
 * deleted), `trust` (a Notary change on the repository right after the digest was pushed: the
 * changefeed names neither tag nor digest, so the link is by repository and time).
 */
export type LineageLink = 'digest' | 'tag' | 'repository' | 'trust'

export interface LineageEntry {
  event: AuditEvent
  role: LineageRole
  link: LineageLink
  /** Why the event is in the lineage when it does not name the digest itself. */
  how: string | null
}

/** One period during which a tag pointed at the digest. */
export interface LineageTagSpan {
  account: string
  repository: string
  tag: string
  from: number
  fromEventId: number
  /** Null while the tag still points at the digest (as far as the archive knows). */
  until: number | null
  untilEventId: number | null
  /** What ended the span. */
  endedBy: 'untag' | 'overwritten' | 'manifest-delete' | 'repository-delete' | null
}

export interface DigestLineage {
  digest: string
  /** Oldest first. */
  entries: LineageEntry[]
  /** True when more events matched than `limit`; the oldest `limit` are listed. */
  truncated: boolean
  tags: LineageTagSpan[]
  accounts: string[]
  repositories: string[]
  firstSeen: number | null
  lastSeen: number | null
  /** Pulls of the digest, counted whether or not they are listed. */
  pulls: { count: number; first: number | null; last: number | null }
  /** True when some tag still points at the digest according to the archive. */
  tagged: boolean
}

// ---------------------------------------------------------------------------------------------
// Tag history
// ---------------------------------------------------------------------------------------------

/**
 * One change of a tag: `created` (it had no digest), `moved` (it pointed at another digest: an
 * overwrite), `repushed` (the same digest again), `pushed` (pushed again, but the source gave no
 * digest for one of the two, so whether it moved is unknown), `removed` (untag, manifest or
 * repository delete). `from`/`to` are digests; null where there was none or the source did not say.
 */
export interface TagChange {
  account: string
  repository: string
  tag: string
  at: number
  eventId: number
  kind: 'created' | 'moved' | 'repushed' | 'pushed' | 'removed'
  from: string | null
  to: string | null
  via: 'push' | 'promotion' | 'mirror' | 'untag' | 'manifest-delete' | 'repository-delete'
  actor: string | null
  actorKind: ActorKind
  action: string
}

export interface TagPointer {
  tag: string
  /** Null when the event that set the tag gave no digest. */
  digest: string | null
  since: number
  eventId: number
  actor: string | null
}

/** The tags of one account's repository at one moment. */
export interface RepositoryTagState {
  account: string
  repository: string
  at: number
  tags: TagPointer[]
}

export interface TagHistory {
  repository: string
  /** Only this tag, when one was asked for. */
  tag: string | null
  /** Oldest first. */
  changes: TagChange[]
  /** The `moved` changes: where a tag was overwritten with another digest. */
  overwrites: TagChange[]
  accounts: string[]
}

export interface TagStateDiff {
  repository: string
  from: number
  to: number
  accounts: Array<{
    account: string
    added: TagPointer[]
    removed: Array<TagPointer & { removedBy: TagChange | null }>
    moved: Array<{ tag: string; from: TagPointer; to: TagPointer }>
    /** Every change between the two moments, oldest first. */
    changes: TagChange[]
  }>
}

// ---------------------------------------------------------------------------------------------
// Deletion explainer
// ---------------------------------------------------------------------------------------------

export const DELETION_CAUSES = [
  'user-delete',
  'retention-policy',
  'promotion-or-mirror-policy',
  'system-job',
  'bulk-delete'
] as const
export type DeletionCauseKind = (typeof DELETION_CAUSES)[number]

/** One fact that supports a cause; `eventId` is the archived event that shows it. */
export interface CauseEvidence {
  eventId: number
  text: string
}

export interface DeletionCause {
  kind: DeletionCauseKind
  /** 1 is the likeliest. */
  rank: number
  /** 0..1, from the strength of the evidence (a heuristic, shown to order causes, not a probability). */
  score: number
  summary: string
  /** Never empty: a cause without evidence is not listed. */
  evidence: CauseEvidence[]
}

export interface DeletionExplanation {
  deletion: AuditEvent
  scope: 'tag' | 'manifest' | 'repository'
  /** The digest the tag pointed at when it was deleted, where known. */
  digest: string | null
  causes: DeletionCause[]
  /** The same actor's events in the hour around the deletion (30 minutes each side), oldest first. */
  actorActivity: AuditEvent[]
  actorActivityTruncated: boolean
}

export interface DeletionReport {
  target: { repository: string | null; tag: string | null; digest: string | null }
  /** Newest first. */
  deletions: DeletionExplanation[]
  /** What else the archive says (still present, overwritten, coverage gaps when nothing is recorded). */
  notes: string[]
}

// ---------------------------------------------------------------------------------------------
// Chain verification
// ---------------------------------------------------------------------------------------------

export type ChainBreakReason =
  /** The event's chain hash does not follow from the link before it and its raw record. */
  | 'hash-mismatch'
  /** The stored raw record is not JSON. */
  | 'raw-unreadable'
  /** The archive holds fewer or more events than the chain recorded. */
  | 'count-mismatch'
  /** The last link does not match the recorded chain head (events after it were removed). */
  | 'head-mismatch'
  /** Events exist but no chain head was recorded. */
  | 'head-missing'

export interface ChainBreak {
  reason: ChainBreakReason
  /** The first event whose link fails; null for a break found only at the end of the chain. */
  eventId: number | null
  /** The event before it in the chain (for an end-of-chain break: the last event held); null at the start. */
  afterEventId: number | null
  message: string
}

export interface AccountChainReport {
  account: string
  accountId: number
  intact: boolean
  /** Events held now. */
  events: number
  /** Events removed by local retention, carried by checkpoints. */
  pruned: number
  /** What the chain head recorded (held + pruned when intact). */
  recordedCount: number | null
  head: string | null
  computedHead: string | null
  /** Links that failed (0 when intact). */
  badLinks: number
  firstBreak: ChainBreak | null
  /** Further breaks after the first, at most a few. */
  otherBreaks: ChainBreak[]
}

export interface ChainVerification {
  intact: boolean
  checkedAt: number
  accounts: AccountChainReport[]
}

// ---------------------------------------------------------------------------------------------
// Coverage
// ---------------------------------------------------------------------------------------------

/** How long a source keeps its events, as far as is known (sources/*.md). */
export interface SourceRetention {
  /** Days the source keeps events; null when unknown or configurable. */
  days: number | null
  /** True when the source keeps every event (Notary's changefeed). */
  keepsAll: boolean
  note: string
}

export interface CoverageGap {
  /** Events from here… */
  from: number
  /** …to here may be missing: the next run started after the source would have dropped them. */
  to: number
  afterRunStartedAt: number
  nextRunStartedAt: number
}

export interface AccountCoverage {
  account: string
  kind: SourceKind
  removed: boolean
  events: number
  oldest: number | null
  newest: number | null
  retention: SourceRetention
  /** Successful runs, oldest first (start times). */
  successfulRuns: number
  firstSuccessfulRun: number | null
  lastSuccessfulRun: number | null
  lastRun: { startedAt: number; status: string; error: string | null } | null
  /** The earliest time the archive can hold events from, given the first run and the retention. */
  coverageStart: number | null
  gaps: CoverageGap[]
  /** Local retention: events pruned from the archive, and the latest cutoff. */
  pruned: { events: number; cutoff: number | null }
  warnings: string[]
}

export interface CoverageReport {
  at: number
  accounts: AccountCoverage[]
}

// ---------------------------------------------------------------------------------------------
// Local retention
// ---------------------------------------------------------------------------------------------

export interface PrunePreview {
  account: string
  /** Events with occurred_at before this are deleted. */
  before: number
  count: number
  /** Of those, pinned to a case: kept. */
  pinned: number
  oldest: number | null
}

export interface PruneResult {
  account: string
  before: number
  deleted: number
  keptPinned: number
  /** Checkpoints the account's chain holds afterwards. */
  checkpoints: number
}

// ---------------------------------------------------------------------------------------------
// Saved and recent queries, cases
// ---------------------------------------------------------------------------------------------

export interface SavedQuery {
  name: string
  /** In the query syntax (query-parser.ts); relative times stay relative. */
  query: string
  sort: EventSort | null
  created_at: number
  updated_at: number
}

export interface RecentQuery {
  query: string
  sort: EventSort | null
  used_at: number
  uses: number
}

export interface CasePin {
  eventId: number
  note: string
  pinned_at: number
  /** The event now, or the copy taken when it was pinned if the archive no longer holds it. */
  event: AuditEvent
  /** False when the event is no longer in the archive (pruned or purged): `event` is the pinned copy. */
  held: boolean
}

export interface CaseSummary {
  name: string
  description: string
  created_at: number
  updated_at: number
  pins: number
}

export interface CaseDetail extends CaseSummary {
  /** In pin order. */
  pins_list: CasePin[]
}

// ---------------------------------------------------------------------------------------------
// Evidence export
// ---------------------------------------------------------------------------------------------

export interface EvidenceResult {
  dir: string
  /** File names inside `dir`, manifest last. */
  files: string[]
  rows: number
  intact: boolean
}

import type { AuditEvent } from '../../../shared/event'
import type {
  ChainVerification,
  CoverageReport,
  DeletionReport,
  DigestLineage,
  EvidenceResult,
  PrunePreview,
  PruneResult,
  RepositoryTagState,
  TagHistory,
  TagStateDiff
} from '../../../shared/investigation'
import { DAY_MS } from '../../../shared/source-retention'
import type { EventQuery, EventSort } from '../../../shared/query'
import { AppError } from '../errors'
import { exportEvidence, type EvidenceRequest } from '../export/evidence-export'
import { CaseStore } from './case-store'
import { coverageReport } from './coverage'
import { explainDeletion, type DeletionTarget } from './deletion-explainer'
import { digestLineage } from './digest-lineage'
import { verifyChains } from './integrity-chain'
import type { InvestigationDb } from './investigation-db'
import { previewPrune, pruneEvents } from './local-retention'
import { QueryStore } from './query-store'
import { tagDiff, tagHistory, tagState } from './tag-history'

/** What the investigator needs from the service that owns the archive. */
export interface InvestigatorHost {
  /** The investigation connection (the service opens and migrates the archive first). */
  db(): InvestigationDb
  iterateEvents(query: EventQuery, sort: EventSort, options: { signal?: AbortSignal }): AsyncIterable<AuditEvent>
  archiveFile: string
  now(): number
}

/**
 * The investigation features over one archive (issue 7), for the CLI and the contract handlers:
 * `service.investigation.digestLineage(…)`. Each call takes the connection anew from the host, so
 * it follows the service when the service reopens its archive.
 */
export class Investigator {
  constructor(private readonly host: InvestigatorHost) {}

  digestLineage(digest: string, options: { includePull?: boolean; limit?: number } = {}): DigestLineage {
    return digestLineage(this.host.db(), digest, options)
  }

  tagHistory(repository: string, options: { account?: string; tag?: string } = {}): TagHistory {
    return tagHistory(this.host.db(), repository, options)
  }

  /** The tags at `at` (default now). */
  tagState(repository: string, options: { account?: string; at?: number } = {}): RepositoryTagState[] {
    return tagState(this.host.db(), repository, { account: options.account, at: options.at ?? this.host.now() })
  }

  /** What changed between `from` and `to` (default now). */
  tagDiff(repository: string, options: { account?: string; from: number; to?: number }): TagStateDiff {
    return tagDiff(this.host.db(), repository, { account: options.account, from: options.from, to: options.to ?? this.host.now() })
  }

  explainDeletion(target: DeletionTarget): DeletionReport {
    return explainDeletion(this.host.db(), target)
  }

  verify(): ChainVerification {
    return verifyChains(this.host.db(), this.host.now())
  }

  coverage(): CoverageReport {
    return coverageReport(this.host.db(), this.host.now())
  }

  /** Events of the account older than `olderThanDays` days: how many would go. */
  previewPrune(account: string, olderThanDays: number): PrunePreview {
    return previewPrune(this.host.db(), account, this.cutoff(olderThanDays))
  }

  /** Deletes the account's (unpinned) events older than `before`, keeping the chain verifiable. */
  prune(account: string, before: number): PruneResult {
    if (before > this.host.now()) throw new AppError('INVALID_INPUT', 'the prune cutoff is in the future')
    return pruneEvents(this.host.db(), account, before, this.host.now())
  }

  /** Milliseconds `days` days ago (whole days, at least 1). */
  cutoff(olderThanDays: number): number {
    if (!Number.isSafeInteger(olderThanDays) || olderThanDays < 1 || olderThanDays > 100_000) {
      throw new AppError('INVALID_INPUT', 'the age in days must be a whole number of at least 1')
    }
    return this.host.now() - olderThanDays * DAY_MS
  }

  get queries(): QueryStore {
    return new QueryStore(this.host.db(), this.host.now)
  }

  get cases(): CaseStore {
    return new CaseStore(this.host.db(), this.host.now)
  }

  /** Each account's sync cursors and last runs, as an evidence folder records them. */
  syncState(): unknown {
    const db = this.host.db()
    return db.guard('reading the sync state', () => {
      const cursors = db.prepare('SELECT stream, cursor, updated_at FROM sync_cursors WHERE account_id = ? ORDER BY stream')
      const runs = db.prepare(
        `SELECT started_at, finished_at, status, pages, inserted, duplicates, error_code, error_message
         FROM sync_runs WHERE account_id = ? ORDER BY id DESC LIMIT 1`
      )
      const lastOk = db.prepare("SELECT started_at, finished_at FROM sync_runs WHERE account_id = ? AND status = 'ok' ORDER BY id DESC LIMIT 1")
      const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString())
      return db.accounts().map((account) => {
        const last = runs.get(account.id) as Record<string, number | string | null> | undefined
        const ok = lastOk.get(account.id) as { started_at: number; finished_at: number | null } | undefined
        return {
          account: account.name,
          kind: account.kind,
          url: account.url,
          removed: account.removed,
          cursors: (cursors.all(account.id) as Array<{ stream: string; cursor: string; updated_at: number }>).map((c) => ({
            stream: c.stream,
            cursor: JSON.parse(c.cursor) as unknown,
            updated_at: iso(c.updated_at)
          })),
          lastSync:
            last === undefined
              ? null
              : {
                  ...last,
                  started_at: iso(last['started_at'] as number),
                  finished_at: iso(last['finished_at'] as number | null)
                },
          lastSuccessfulSync: ok === undefined ? null : { started_at: iso(ok.started_at), finished_at: iso(ok.finished_at) }
        }
      })
    })
  }

  /** Writes an evidence folder (export/evidence-export.ts). */
  exportEvidence(request: EvidenceRequest, options: { appVersion: string }): Promise<EvidenceResult> {
    const db = this.host.db()
    return exportEvidence(
      {
        events: (query, sort, signal) => this.host.iterateEvents(query, sort, { signal }),
        verify: () => this.verify(),
        chainHeads: () =>
          db.guard('reading the chain heads', () =>
            db
              .prepare('SELECT a.name AS account, h.head, h.count FROM chain_heads h JOIN accounts a ON a.id = h.account_id ORDER BY a.name')
              .all() as Array<{ account: string; head: string; count: number }>
          ),
        checkpoints: () =>
          db.guard('reading the chain checkpoints', () =>
            db
              .prepare(
                `SELECT a.name AS account, c.after_event_id AS afterEventId, c.hash, c.count
                 FROM chain_checkpoints c JOIN accounts a ON a.id = c.account_id ORDER BY a.name, c.after_event_id`
              )
              .all() as Array<{ account: string; afterEventId: number; hash: string; count: number }>
          ),
        syncState: () => this.syncState(),
        getCase: (name) => this.cases.get(name),
        appVersion: options.appVersion,
        archiveFile: this.host.archiveFile,
        now: this.host.now
      },
      request
    )
  }
}

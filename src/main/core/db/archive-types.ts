import type { Account } from '../../../shared/account'
import type { AuditEvent, NormalisedEvent } from '../../../shared/event'
import type { EventQuery, EventSort, FacetField, PageRequest } from '../../../shared/query'

/** The archive's public surface (implemented by `Archive` in archive.ts). */

export type NewAccount = Pick<Account, 'name' | 'kind' | 'url' | 'options'>

/**
 * An account as the archive keeps it. `removed_at` is set when the account was removed without
 * purging its events: it is hidden from lists but its events stay queryable under its name.
 */
export interface StoredAccount extends Account {
  removed_at: number | null
}

/** One event ready to write: identity, the raw record and what the connector derived from it. */
export interface IngestEvent {
  sourceEventId: string
  raw: unknown
  normalised: NormalisedEvent
}

export interface WriteStats {
  inserted: number
  duplicates: number
}

export interface EventPage {
  rows: AuditEvent[]
  /** Cursor for the next page, null when this was the last. */
  nextCursor: string | null
}

export interface EventCount {
  count: number
  /** False when counting stopped at `limit` (the true count is at least `count`). */
  exact: boolean
}

/** Per field, values and their counts; `approximate` marks an estimate (see Archive.facets). */
export type FacetCounts = Record<FacetField, Array<{ value: string; count: number; approximate?: boolean }>>

export type SyncRunStatus = 'running' | 'ok' | 'failed' | 'cancelled'

export interface SyncRun {
  id: number
  account_id: number
  started_at: number
  finished_at: number | null
  status: SyncRunStatus
  pages: number
  inserted: number
  duplicates: number
  error_code: string | null
  error_message: string | null
}

export interface SyncLockOwner {
  pid: number
  host: string
}

export interface ArchiveApi {
  close(): void
  readonly file: string

  addAccount(account: NewAccount): StoredAccount
  updateAccount(id: number, patch: Partial<NewAccount>): StoredAccount
  /** Configured accounts by name; removed ones (events kept) only with includeRemoved. */
  listAccounts(options?: { includeRemoved?: boolean }): StoredAccount[]
  getAccount(name: string, options?: { includeRemoved?: boolean }): StoredAccount | undefined
  /** Removes the account; its events, cursors and runs go too only with purgeEvents. */
  removeAccount(id: number, options: { purgeEvents: boolean }): { eventsDeleted: number }

  getCursor(accountId: number, stream: string): unknown
  /** Writes a page's events and the cursor after them in one transaction. Idempotent per event. */
  writePage(accountId: number, stream: string, events: IngestEvent[], cursor: unknown): WriteStats

  startSyncRun(accountId: number): SyncRun
  finishSyncRun(
    runId: number,
    result: Pick<SyncRun, 'status' | 'pages' | 'inserted' | 'duplicates' | 'error_code' | 'error_message'>
  ): void
  lastSyncRun(accountId: number): SyncRun | undefined
  /**
   * Takes the account's sync lock for this process; false while another live process holds it.
   * A lock left by a dead process (kill -9) is taken over, and the account's runs that process
   * left 'running' are closed as 'failed' ("interrupted: the sync process ended without finishing").
   */
  acquireSyncLock(accountId: number, owner: SyncLockOwner): boolean
  releaseSyncLock(accountId: number, owner: SyncLockOwner): void
  /** Records that the owner is still working; false if it no longer holds the lock. */
  heartbeatSyncLock(accountId: number, owner: SyncLockOwner): boolean
  /** Who holds the account's sync lock now (whether alive or not), for a "busy" message. */
  syncLockHolder(accountId: number): (SyncLockOwner & { acquired_at: number; heartbeat_at: number }) | undefined

  queryEvents(request: PageRequest): EventPage
  countEvents(query: EventQuery, options?: { limit?: number }): EventCount
  facets(query: EventQuery, options?: { fields?: FacetField[]; top?: number; approximate?: boolean }): FacetCounts
  getEvent(id: number): AuditEvent | undefined
  /** Streams every matching event in order without holding them all in memory. */
  iterateEvents(query: EventQuery, sort?: EventSort): IterableIterator<AuditEvent>
}

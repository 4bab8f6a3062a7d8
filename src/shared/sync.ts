import type { ErrorInfo } from './errors'

/**
 * Sync progress, streamed to the CLI's progress line and the UI (DESIGN.md §5). Discriminated on
 * `type`, so a consumer's `switch` is checked by the compiler.
 */

/**
 * What a run left 'running' by a sync process that died (kill -9, crash, power loss) is closed
 * with once the account's sync lock is next taken; the sync panel says the same of such a run
 * before then.
 */
export const INTERRUPTED_RUN_MESSAGE = 'interrupted: the sync process ended without finishing'

/** How a run ended. */
export type SyncStatus = 'ok' | 'failed' | 'cancelled'

export interface SyncSummary {
  /** Account name. */
  account: string
  pages: number
  /** Events new to the archive. */
  inserted: number
  /** Events the archive already held (re-read overlap, shifted pages). */
  duplicates: number
  /** Wall-clock duration of the run. */
  ms: number
  status: SyncStatus
}

export type SyncProgress =
  /** A stream's walk begins. */
  | { type: 'start'; account: string; stream: string }
  /** A page was written; the counts are running totals for the whole run. */
  | { type: 'page'; account: string; stream: string; pages: number; inserted: number; duplicates: number }
  /** The connector is waiting before its next request. */
  | { type: 'waiting'; account: string; reason: 'rate-limit' | 'retry'; ms: number }
  | { type: 'warning'; account: string; message: string }
  | { type: 'done'; account: string; summary: SyncSummary }
  | { type: 'error'; account: string; error: ErrorInfo }

export type SyncProgressType = SyncProgress['type']

/** One account's outcome in a multi-account sync: the others go on when one fails. */
export type SyncAccountResult =
  | { account: string; ok: true; summary: SyncSummary }
  | { account: string; ok: false; summary: SyncSummary; error: ErrorInfo }

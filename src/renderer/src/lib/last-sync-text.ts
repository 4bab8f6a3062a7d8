import type { SyncElsewhere, SyncRunSummary } from '../../../shared/contract'
import { INTERRUPTED_RUN_MESSAGE } from '../../../shared/sync'
import { formatAgo, formatCount } from './format'

/**
 * The sync panel's "Last sync" line. A last run the archive still records as 'running' is one of
 * three things the user must be told apart: this process runs it; another process (the CLI, a
 * browser-mode server) runs it and holds the account's sync lock; or no process runs it any more,
 * because the one that did died (kill -9, crash, power loss) and the run stays 'running' until
 * the lock is next taken and closes it as interrupted. Pure, so the wording is unit-tested.
 */

/** Who runs the account's sync now, as the sync panel knows it. */
export interface SyncRunner {
  /** This process runs it (the card's running state). */
  here: boolean
  /**
   * Another live process holding the account's sync lock (AccountSyncState.elsewhere); null when
   * none does; undefined while the sync status has not been read yet.
   */
  elsewhere: SyncElsewhere | null | undefined
}

/** "pid 4242", or "pid 4242 on build-box" when that pid belongs to another machine. */
export function processText(holder: SyncElsewhere): string {
  return holder.sameHost ? `pid ${holder.pid}` : `pid ${holder.pid} on ${holder.host}`
}

/** How the last run went, or who is running it: "120 new", "running in another process (pid 9)", "failed". */
export function lastRunOutcome(run: SyncRunSummary, runner: SyncRunner): string {
  switch (run.status) {
    case 'ok':
      return `${formatCount(run.inserted)} new`
    case 'running':
      if (runner.here) return 'running'
      if (runner.elsewhere === undefined) return 'not finished'
      if (runner.elsewhere !== null) return `running in another process (${processText(runner.elsewhere)})`
      // The words the run will be closed with once the lock is next taken.
      return INTERRUPTED_RUN_MESSAGE
    case 'failed':
    case 'cancelled':
      return run.status
  }
}

/** The whole line: "Never", or "5 min ago · 120 new". */
export function lastSyncText(run: SyncRunSummary | null, runner: SyncRunner, now: number): string {
  if (run === null) return 'Never'
  return `${formatAgo(run.finished_at ?? run.started_at, now)} · ${lastRunOutcome(run, runner)}`
}

/**
 * True when the last run is 'running' but not in this process: nothing is pushed to the panel
 * when another process ends it (or takes over a dead one's lock), so the panel asks again.
 */
export function lastRunNeedsWatching(run: SyncRunSummary | null, runningHere: boolean): boolean {
  return run?.status === 'running' && !runningHere
}

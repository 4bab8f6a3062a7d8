import type { SyncLockOwner } from './archive-types'

/**
 * Rules for the cross-process sync lock (one row per account in `sync_locks`). The row is read and
 * written inside one IMMEDIATE transaction in archive.ts; this module only decides.
 */

/** A lock held from another host is taken over once its heartbeat is this old. */
export const SYNC_LOCK_STALE_MS = 10 * 60_000

export interface SyncLockRow {
  pid: number
  host: string
  acquired_at: number
  heartbeat_at: number
}

/** True while a process with this pid exists (also when it belongs to another user). */
export function isProcessAlive(pid: number): boolean {
  // pid 0 and negative pids address process groups; they never name a lock holder.
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * May `owner` take over a lock row someone left? On the same host the holder's pid is checked:
 * a dead pid (kill -9, crash) frees the lock at once. The owner's own pid counts as stale unless
 * `heldHere` says this process really holds it, since after a reboot a new process can be given
 * the pid of the one that died holding the lock. From another host the pid means nothing here, so
 * only a heartbeat older than SYNC_LOCK_STALE_MS frees it.
 */
export function mayTakeOverSyncLock(
  row: SyncLockRow,
  owner: SyncLockOwner,
  now: number,
  heldHere: boolean,
  alive: (pid: number) => boolean = isProcessAlive
): boolean {
  if (row.host !== owner.host) return now - row.heartbeat_at > SYNC_LOCK_STALE_MS
  if (row.pid === owner.pid) return !heldHere
  return !alive(row.pid)
}

/**
 * Does another process hold the lock and still count as alive, so that `viewer` could not take it
 * now? The same rule as acquiring (mayTakeOverSyncLock), seen from a process that holds nothing:
 * a row with the viewer's own pid on its own host is never "another process" (its own runs it
 * knows; otherwise the row is an earlier process's that had the same pid).
 */
export function isHeldByOtherLiveProcess(
  row: SyncLockRow,
  viewer: SyncLockOwner,
  now: number,
  alive: (pid: number) => boolean = isProcessAlive
): boolean {
  if (row.host === viewer.host && row.pid === viewer.pid) return false
  return !mayTakeOverSyncLock(row, viewer, now, false, alive)
}

import type { PrunePreview, PruneResult } from '../../../shared/investigation'
import { AppError } from '../errors'
import { checkpointsOf, verifyAccountChain, type ChainCheckpoint } from './integrity-chain'
import type { InvestigationDb } from './investigation-db'

/**
 * Local retention (issue 7 §7): deleting an account's events older than a moment, on request only
 * (the archive keeps everything by default, DESIGN.md §3). Events pinned to a case are kept: they
 * are evidence someone chose.
 *
 * The integrity chain stays verifiable: each maximal run of removed events (in ingest order, which
 * for a newest-first source is not time order, so a prune can cut the chain anywhere) becomes one
 * checkpoint with the chain hash of the run's last event and the run's length, anchored after the
 * held event before it; a run next to an earlier checkpoint merges with it. The FTS index follows
 * through the archive's delete trigger.
 */

const PINNED = 'id IN (SELECT event_id FROM case_pins)'

/**
 * Pruned events this close to the account's newest event keep a tombstone (migration 3), so the
 * overlap a sync re-reads at its boundary cannot bring them back. Overlaps are seconds to minutes;
 * a day is ample, and an ordinary prune (older than N days, with newer events held) leaves none.
 */
export const TOMBSTONE_WINDOW_MS = 24 * 60 * 60_000

export function previewPrune(db: InvestigationDb, accountName: string, before: number): PrunePreview {
  const account = db.requireAccount(accountName)
  checkBefore(before)
  return db.guard('counting events to prune', () => {
    const row = db
      .prepare(
        `SELECT count(*) AS total, coalesce(sum(${PINNED}), 0) AS pinned, min(occurred_at) AS oldest
         FROM events WHERE account_id = ? AND occurred_at < ?`
      )
      .get(account.id, before) as { total: number; pinned: number; oldest: number | null }
    return { account: account.name, before, count: row.total - row.pinned, pinned: row.pinned, oldest: row.oldest }
  })
}

/**
 * Deletes the account's unpinned events with occurred_at before `before`, in one IMMEDIATE
 * transaction with the chain's checkpoints and a retention_runs row.
 * @throws AppError CONFLICT when the account's chain is already broken: pruning would remove the
 *   evidence of the break (export evidence or investigate first).
 */
export function pruneEvents(db: InvestigationDb, accountName: string, before: number, now: number): PruneResult {
  const account = db.requireAccount(accountName)
  checkBefore(before)
  const run = db.db.transaction((): PruneResult => {
    const report = verifyAccountChain(db, account)
    if (!report.intact) {
      throw new AppError(
        'CONFLICT',
        `${account.name}'s integrity chain is broken (${report.firstBreak?.message ?? 'see verify'}); ` +
          'pruning would remove the evidence of it, so nothing was deleted',
        { account: account.name }
      )
    }
    const newest = db.prepare('SELECT max(occurred_at) FROM events WHERE account_id = ?').pluck().get(account.id) as number | null
    const tombstoneFrom = (newest ?? 0) - TOMBSTONE_WINDOW_MS
    const tombstones: string[] = []
    const old = checkpointsOf(db, account.id)
    const next: ChainCheckpoint[] = []
    let run: { hash: string; count: number } | null = null
    let lastHeld = 0
    let toDelete = 0
    let keptPinned = 0
    const absorb = (checkpoint: ChainCheckpoint | undefined): void => {
      if (checkpoint === undefined) return
      run = { hash: checkpoint.hash, count: (run?.count ?? 0) + checkpoint.count }
    }
    const close = (): void => {
      if (run !== null) next.push({ afterEventId: lastHeld, hash: run.hash, count: run.count })
      run = null
    }
    absorb(old.get(0))
    const rows = db
      .prepare(`SELECT id, occurred_at, chain_hash, source_event_id, ${PINNED} AS pinned FROM events WHERE account_id = ? ORDER BY id`)
      .iterate(account.id) as IterableIterator<{ id: number; occurred_at: number; chain_hash: string; source_event_id: string; pinned: number }>
    for (const row of rows) {
      const old_ = row.occurred_at < before
      if (old_ && row.pinned === 0) {
        if (row.occurred_at >= tombstoneFrom) tombstones.push(row.source_event_id)
        run = { hash: row.chain_hash, count: ((run as { count: number } | null)?.count ?? 0) + 1 }
        toDelete++
      } else {
        if (old_) keptPinned++
        close()
        lastHeld = row.id
      }
      absorb(old.get(row.id))
    }
    close()
    const deleted = db
      .prepare(`DELETE FROM events WHERE account_id = ? AND occurred_at < ? AND NOT ${PINNED}`)
      .run(account.id, before).changes
    if (deleted !== toDelete) {
      // Cannot happen inside one transaction; if it did, the checkpoints would not match.
      throw new AppError('INTERNAL', `pruning ${account.name}: counted ${toDelete} events but deleted ${deleted}; nothing was changed`)
    }
    const tombstone = db.prepare('INSERT OR IGNORE INTO pruned_events (account_id, source_event_id) VALUES (?, ?)')
    for (const id of tombstones) tombstone.run(account.id, id)
    db.prepare('DELETE FROM chain_checkpoints WHERE account_id = ?').run(account.id)
    const insert = db.prepare(
      'INSERT INTO chain_checkpoints (account_id, after_event_id, hash, count, created_at) VALUES (?, ?, ?, ?, ?)'
    )
    for (const checkpoint of next) insert.run(account.id, checkpoint.afterEventId, checkpoint.hash, checkpoint.count, now)
    db.prepare(
      'INSERT INTO retention_runs (account_id, ran_at, cutoff, deleted, kept_pinned) VALUES (?, ?, ?, ?, ?)'
    ).run(account.id, now, before, deleted, keptPinned)
    return { account: account.name, before, deleted, keptPinned, checkpoints: next.length }
  })
  return db.guard('pruning events', () => run.immediate())
}

function checkBefore(before: number): void {
  if (!Number.isSafeInteger(before)) throw new AppError('INVALID_INPUT', 'the prune cutoff must be a time in whole milliseconds')
}

import type { AccountChainReport, ChainBreak, ChainVerification } from '../../../shared/investigation'
import { canonicalJson, sha256Hex } from '../canonical'
import type { InvestigatedAccount, InvestigationDb } from './investigation-db'

/**
 * Verification of the per-account integrity chain (DESIGN.md §3): at ingest each newly stored
 * event got chain_hash = SHA-256(previous chain_hash || canonical JSON of its raw record), in ingest
 * order, which is the order of event ids within an account (ids only grow; a reused id goes to a
 * later insert, after every event still held), and chain_heads kept the last hash and the count.
 *
 * Each link is recomputed from the stored hash before it, so every altered record shows at its
 * own event, and the walk goes on past a break to count them all. A removed or reordered event
 * breaks the link of the event after it; removed events at the end leave the last link short of
 * the recorded head; the count tells how many are missing. Local retention's checkpoints
 * (migration 3) stand in for the events it removed.
 *
 * What the chain cannot show: an attacker who rewrites every hash after a change and the head as
 * well. The chain heads in an evidence export, kept elsewhere, are what such a rewrite would contradict.
 */

/** Further breaks reported after the first, per account. */
const MAX_OTHER_BREAKS = 10

export interface ChainCheckpoint {
  afterEventId: number
  hash: string
  count: number
}

/** Every account's chain (removed accounts too, while their events are kept). */
export function verifyChains(db: InvestigationDb, now: number): ChainVerification {
  const accounts = db.guard('reading the accounts', () => db.accounts())
  // One read transaction: a sync writing meanwhile cannot make the walk see half a page.
  const reports = db.guard('verifying the integrity chain', () =>
    db.db.transaction(() => accounts.map((account) => verifyAccountChain(db, account)))()
  )
  return { intact: reports.every((r) => r.intact), checkedAt: now, accounts: reports }
}

export function checkpointsOf(db: InvestigationDb, accountId: number): Map<number, ChainCheckpoint> {
  const rows = db
    .prepare('SELECT after_event_id AS afterEventId, hash, count FROM chain_checkpoints WHERE account_id = ?')
    .all(accountId) as ChainCheckpoint[]
  return new Map(rows.map((row) => [row.afterEventId, row]))
}

/** One account's chain; call inside a transaction for a consistent view. */
export function verifyAccountChain(db: InvestigationDb, account: Pick<InvestigatedAccount, 'id' | 'name'>): AccountChainReport {
  const recorded = db.prepare('SELECT head, count FROM chain_heads WHERE account_id = ?').get(account.id) as
    | { head: string; count: number }
    | undefined
  const checkpoints = checkpointsOf(db, account.id)
  const breaks: ChainBreak[] = []
  let badLinks = 0
  let previous = ''
  let previousId: number | null = null
  let held = 0
  let pruned = 0
  const step = (anchor: number): void => {
    const checkpoint = checkpoints.get(anchor)
    if (checkpoint === undefined) return
    previous = checkpoint.hash
    pruned += checkpoint.count
  }
  step(0)
  const rows = db
    .prepare('SELECT id, raw, chain_hash FROM events WHERE account_id = ? ORDER BY id')
    .iterate(account.id) as IterableIterator<{ id: number; raw: string; chain_hash: string }>
  for (const row of rows) {
    held++
    let canonical: string | undefined
    try {
      canonical = canonicalJson(JSON.parse(row.raw))
    } catch {
      canonical = undefined
    }
    if (canonical === undefined) {
      badLinks++
      breaks.push({
        reason: 'raw-unreadable',
        eventId: row.id,
        afterEventId: previousId,
        message: `event ${row.id}'s stored raw record is not JSON: it was altered`
      })
    } else if (sha256Hex(previous + canonical) !== row.chain_hash) {
      badLinks++
      breaks.push({
        reason: 'hash-mismatch',
        eventId: row.id,
        afterEventId: previousId,
        message:
          `event ${row.id}'s chain hash does not follow from ${previousId === null ? 'the start of the chain' : `event ${previousId}`} ` +
          'and its raw record: the record (or its hash) was altered, or events before it were removed or reordered'
      })
    }
    // On from the stored hash, so that one altered record shows at its own event only.
    previous = row.chain_hash
    previousId = row.id
    step(row.id)
  }

  const computedHead = held + pruned === 0 ? null : previous
  if (recorded === undefined) {
    if (held > 0) {
      breaks.push({
        reason: 'head-missing',
        eventId: null,
        afterEventId: previousId,
        message: `the archive holds ${held} event(s) of ${account.name} but no chain head was recorded for them`
      })
    }
  } else {
    if (recorded.head !== computedHead) {
      breaks.push({
        reason: 'head-mismatch',
        eventId: null,
        afterEventId: previousId,
        message:
          `the recorded chain head does not match the last link${previousId === null ? '' : ` (event ${previousId})`}: ` +
          'events after it were removed, or the head was altered'
      })
    }
    if (recorded.count !== held + pruned) {
      breaks.push({
        reason: 'count-mismatch',
        eventId: null,
        afterEventId: null,
        message:
          `the chain recorded ${recorded.count} event(s); the archive holds ${held}` +
          `${pruned > 0 ? ` and local retention removed ${pruned}` : ''}: ` +
          (recorded.count > held + pruned ? `${recorded.count - held - pruned} missing` : `${held + pruned - recorded.count} unaccounted for`)
      })
    }
  }
  return {
    account: account.name,
    accountId: account.id,
    intact: breaks.length === 0,
    events: held,
    pruned,
    recordedCount: recorded?.count ?? null,
    head: recorded?.head ?? null,
    computedHead,
    badLinks,
    firstBreak: breaks[0] ?? null,
    otherBreaks: breaks.slice(1, 1 + MAX_OTHER_BREAKS)
  }
}

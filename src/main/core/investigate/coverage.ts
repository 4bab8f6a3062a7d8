import type { AccountCoverage, CoverageGap, CoverageReport } from '../../../shared/investigation'
import { DAY_MS, SOURCE_RETENTION } from '../../../shared/source-retention'
import type { InvestigationDb } from './investigation-db'

interface RunRow {
  started_at: number
  finished_at: number | null
  status: string
  error_code: string | null
  error_message: string | null
}

/**
 * What the archive covers, per account (issue 7 §6): the oldest and newest event held, the
 * source's known retention, gaps between successful sync runs and warnings.
 *
 * A run reads what the source holds when it starts: for a source that keeps `days`, the window
 * [start − days, start]. The previous successful run read up to its own start, so when the next
 * one starts more than `days` later, the events between the first run's start and the second
 * window's beginning may have expired unseen: that is a gap. Sources that keep everything (Notary)
 * have no gaps; sources whose retention is set per installation (MSR, Harbor, IBM) cannot be
 * judged and say so.
 */
export function coverageReport(db: InvestigationDb, now: number): CoverageReport {
  return db.guard('measuring coverage', () => {
    const held = db.prepare(
      'SELECT count(*) AS events, min(occurred_at) AS oldest, max(occurred_at) AS newest FROM events WHERE account_id = ?'
    )
    const runs = db.prepare(
      'SELECT started_at, finished_at, status, error_code, error_message FROM sync_runs WHERE account_id = ? ORDER BY id'
    )
    const pruned = db.prepare('SELECT coalesce(sum(deleted), 0) AS events, max(cutoff) AS cutoff FROM retention_runs WHERE account_id = ?')
    const accounts: AccountCoverage[] = []
    for (const account of db.accounts()) {
      const range = held.get(account.id) as { events: number; oldest: number | null; newest: number | null }
      // A removed account whose events were purged has nothing left to cover.
      if (account.removed && range.events === 0) continue
      const retention = SOURCE_RETENTION[account.kind]
      const allRuns = runs.all(account.id) as RunRow[]
      const ok = allRuns.filter((run) => run.status === 'ok')
      const days = retention.days
      const gaps: CoverageGap[] = []
      if (days !== null) {
        for (let i = 1; i < ok.length; i++) {
          const before = ok[i - 1] as RunRow
          const after = ok[i] as RunRow
          const windowStart = after.started_at - days * DAY_MS
          if (windowStart > before.started_at) {
            gaps.push({ from: before.started_at, to: windowStart, afterRunStartedAt: before.started_at, nextRunStartedAt: after.started_at })
          }
        }
      }
      const first = ok[0]
      const last = ok.at(-1)
      const lastRun = allRuns.at(-1)
      const prunedRow = pruned.get(account.id) as { events: number; cutoff: number | null }
      const warnings: string[] = []
      if (!account.removed) {
        if (last === undefined) {
          warnings.push(
            days === null
              ? 'never synced successfully'
              : `never synced successfully: the source keeps ${days} days, so older events expire there unseen every day`
          )
        } else if (days !== null && now - last.started_at > days * DAY_MS) {
          const since = Math.floor((now - last.started_at) / DAY_MS)
          warnings.push(
            `not synced for ${since} days, longer than the source keeps events (${days} days): events after ` +
              `${new Date(last.started_at).toISOString()} and before ${new Date(now - days * DAY_MS).toISOString()} may already be gone at the source`
          )
        }
        if (lastRun !== undefined && (lastRun.status === 'failed' || lastRun.status === 'cancelled')) {
          warnings.push(
            `the last sync ${lastRun.status === 'failed' ? `failed${lastRun.error_code === null ? '' : ` (${lastRun.error_code})`}` : 'was cancelled'}`
          )
        }
      }
      if (gaps.length > 0) warnings.push(`${gaps.length} gap(s) between sync runs in which events may have expired unseen`)
      accounts.push({
        account: account.name,
        kind: account.kind,
        removed: account.removed,
        events: range.events,
        oldest: range.oldest,
        newest: range.newest,
        retention,
        successfulRuns: ok.length,
        firstSuccessfulRun: first?.started_at ?? null,
        lastSuccessfulRun: last?.started_at ?? null,
        lastRun:
          lastRun === undefined
            ? null
            : { startedAt: lastRun.started_at, status: lastRun.status, error: lastRun.error_message ?? lastRun.error_code },
        coverageStart: first !== undefined && days !== null ? first.started_at - days * DAY_MS : null,
        gaps,
        pruned: { events: prunedRow.events, cutoff: prunedRow.cutoff },
        warnings
      })
    }
    return { at: now, accounts }
  })
}

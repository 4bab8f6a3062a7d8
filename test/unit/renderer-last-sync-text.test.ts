import { describe, expect, it } from 'vitest'
import type { SyncElsewhere, SyncRunSummary } from '../../src/shared/contract'
import { INTERRUPTED_RUN_MESSAGE } from '../../src/shared/sync'
import { lastRunNeedsWatching, lastRunOutcome, lastSyncText, type SyncRunner } from '../../src/renderer/src/lib/last-sync-text'

const NOW = 1_700_000_000_000

function run(overrides: Partial<SyncRunSummary>): SyncRunSummary {
  return { started_at: NOW - 10 * 60_000, finished_at: null, status: 'running', pages: 3, inserted: 300, duplicates: 0, error: null, ...overrides }
}

const cli: SyncElsewhere = { pid: 4242, host: 'laptop', sameHost: true, since: NOW - 60_000, heartbeatAt: NOW - 1000 }
const nobody: SyncRunner = { here: false, elsewhere: null }

describe('the sync panel’s last sync line', () => {
  it('says "running" only for a run this process runs', () => {
    expect(lastSyncText(run({}), { here: true, elsewhere: null }, NOW)).toBe('10 min ago · running')
  })

  it('names the other process that holds the lock, with its host when that is another machine', () => {
    expect(lastSyncText(run({}), { here: false, elsewhere: cli }, NOW)).toBe('10 min ago · running in another process (pid 4242)')
    expect(lastRunOutcome(run({}), { here: false, elsewhere: { ...cli, sameHost: false, host: 'build-box' } })).toBe(
      'running in another process (pid 4242 on build-box)'
    )
  })

  it('calls a running run that nothing runs interrupted, in the words the archive will close it with', () => {
    const text = lastSyncText(run({}), nobody, NOW)
    expect(text).toBe(`10 min ago · ${INTERRUPTED_RUN_MESSAGE}`)
    expect(text).toContain('interrupted')
    expect(text).not.toMatch(/running/)
  })

  it('claims neither "running" nor "interrupted" before the sync status is known', () => {
    expect(lastRunOutcome(run({}), { here: false, elsewhere: undefined })).toBe('not finished')
  })

  it('reports finished runs whoever holds the lock now', () => {
    const ok = run({ status: 'ok', finished_at: NOW - 2 * 3_600_000, inserted: 1234 })
    expect(lastSyncText(ok, nobody, NOW)).toBe('2 h ago · 1,234 new')
    expect(lastSyncText(ok, { here: false, elsewhere: cli }, NOW)).toBe('2 h ago · 1,234 new')
    expect(lastSyncText(run({ status: 'failed', finished_at: NOW }), nobody, NOW)).toBe('just now · failed')
    expect(lastSyncText(run({ status: 'cancelled', finished_at: NOW }), nobody, NOW)).toBe('just now · cancelled')
    expect(lastSyncText(null, nobody, NOW)).toBe('Never')
  })

  it('watches only a running run this process does not run', () => {
    expect(lastRunNeedsWatching(run({}), false)).toBe(true)
    expect(lastRunNeedsWatching(run({}), true)).toBe(false)
    expect(lastRunNeedsWatching(run({ status: 'ok', finished_at: NOW }), false)).toBe(false)
    expect(lastRunNeedsWatching(null, false)).toBe(false)
  })
})

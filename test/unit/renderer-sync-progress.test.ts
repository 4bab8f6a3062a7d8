import { describe, expect, it } from 'vitest'
import { reduceLiveSync } from '../../src/renderer/src/stores/sync-store'

describe('the sync panel’s progress', () => {
  it('follows a run from start through pages and waits to done', () => {
    let live = reduceLiveSync(undefined, { type: 'start', account: 'hub', stream: 'auditlogs' }, 1000)
    expect(live).toMatchObject({ running: true, pages: 0, startedAt: 1000 })
    live = reduceLiveSync(live, { type: 'page', account: 'hub', stream: 'auditlogs', pages: 1, inserted: 100, duplicates: 0 }, 1200)
    live = reduceLiveSync(live, { type: 'waiting', account: 'hub', reason: 'rate-limit', ms: 5000 }, 1300)
    expect(live).toMatchObject({ pages: 1, inserted: 100, waitingUntil: 6300, waitReason: 'rate-limit' })
    // A second stream's start does not reset the run's counters; the next page ends the wait.
    live = reduceLiveSync(live, { type: 'start', account: 'hub', stream: 'other' }, 1400)
    expect(live.inserted).toBe(100)
    live = reduceLiveSync(live, { type: 'page', account: 'hub', stream: 'other', pages: 2, inserted: 150, duplicates: 10 }, 7000)
    expect(live).toMatchObject({ pages: 2, inserted: 150, duplicates: 10, waitingUntil: null })
    live = reduceLiveSync(
      live,
      { type: 'done', account: 'hub', summary: { account: 'hub', pages: 2, inserted: 150, duplicates: 10, ms: 6000, status: 'ok' } },
      7100
    )
    expect(live).toMatchObject({ running: false, pages: 2, inserted: 150 })
  })

  it('stops running on an error and ignores warnings', () => {
    const running = reduceLiveSync(undefined, { type: 'start', account: 'hub', stream: 's' }, 0)
    expect(reduceLiveSync(running, { type: 'warning', account: 'hub', message: 'x' }, 1)).toBe(running)
    const failed = reduceLiveSync(running, { type: 'error', account: 'hub', error: { code: 'AUTH_FAILED', message: 'no' } }, 2)
    expect(failed.running).toBe(false)
  })
})

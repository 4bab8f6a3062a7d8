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

  it('stops running on an error', () => {
    const running = reduceLiveSync(undefined, { type: 'start', account: 'hub', stream: 's' }, 0)
    const failed = reduceLiveSync(running, { type: 'error', account: 'hub', error: { code: 'AUTH_FAILED', message: 'no' } }, 2)
    expect(failed.running).toBe(false)
  })

  it('keeps each warning of a run once, past its end, and forgets them when the next run starts', () => {
    const missing = 'msr: pull and mirror events will be missing: dev is not an admin'
    let live = reduceLiveSync(undefined, { type: 'start', account: 'msr', stream: 'events' }, 0)
    live = reduceLiveSync(live, { type: 'warning', account: 'msr', message: missing }, 1)
    live = reduceLiveSync(live, { type: 'start', account: 'msr', stream: 'trust' }, 2)
    live = reduceLiveSync(live, { type: 'warning', account: 'msr', message: missing }, 3)
    live = reduceLiveSync(live, { type: 'warning', account: 'msr', message: 'another' }, 4)
    expect(live.warnings).toEqual([missing, 'another'])
    live = reduceLiveSync(
      live,
      { type: 'done', account: 'msr', summary: { account: 'msr', pages: 1, inserted: 3, duplicates: 0, ms: 5, status: 'ok' } },
      5
    )
    expect(live.warnings).toEqual([missing, 'another'])
    live = reduceLiveSync(live, { type: 'start', account: 'msr', stream: 'events' }, 6)
    expect(live.warnings).toEqual([])
  })
})

import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Activity, NormalisedEvent } from '../../src/shared/event'
import { CoreRuntime } from '../../src/main/core/core-runtime'
import { Archive } from '../../src/main/core/db/archive'
import { bucketStep } from '../../src/main/core/db/event-histogram'
import { archivePath } from '../../src/main/core/paths'
import { TokenStore } from '../../src/main/core/secrets/token-store'

/**
 * Related events and the histogram over an archive written event by event, so each expectation
 * can be worked out by hand.
 */

const MINUTE = 60_000
const BASE = Date.parse('2026-01-10T00:00:00Z')
let dataDir: string
let runtime: CoreRuntime
const ids = new Map<string, number>()

function event(overrides: Partial<NormalisedEvent> & { occurred_at: number; activity: Activity }): NormalisedEvent {
  return {
    action: 'repo.tag.push',
    verb: overrides.activity === 'pull' ? 'GET' : 'CREATE',
    outcome: 'success',
    actor: 'alice',
    actor_kind: 'user',
    namespace: 'team',
    repository: 'team/app',
    tag: '1.0',
    digest: 'sha256:aaa',
    target: null,
    client_ip: null,
    user_agent: null,
    label: 'x',
    ...overrides
  }
}

beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'registry-audit-related-'))
  const archive = Archive.open(archivePath(dataDir))
  const a = archive.addAccount({ name: 'a', kind: 'dockerhub', url: 'https://hub.docker.com', options: {} })
  const b = archive.addAccount({ name: 'b', kind: 'dockerhub', url: 'https://hub.docker.com', options: {} })
  const write = (account: number, key: string, normalised: NormalisedEvent): void => {
    archive.writePage(account, 'test', [{ sourceEventId: key, raw: { key }, normalised }], { key })
  }
  // Digest sha256:aaa, pushed as team/app:1.0 at minutes 1..10 (account a), pulled at 1..10 + 30 s.
  for (let minute = 1; minute <= 10; minute++) {
    write(a.id, `push-${minute}`, event({ occurred_at: BASE + minute * MINUTE, activity: 'push' }))
    write(a.id, `pull-${minute}`, event({ occurred_at: BASE + minute * MINUTE + 30_000, activity: 'pull' }))
  }
  // Same tag, another digest, in account b: related by repository:tag only.
  write(b.id, 'retag', event({ occurred_at: BASE + 20 * MINUTE, activity: 'push', digest: 'sha256:bbb' }))
  // Same digest under another tag: related by digest only.
  write(b.id, 'promote', event({ occurred_at: BASE + 21 * MINUTE, activity: 'promotion', tag: 'stable' }))
  // Same tag name in another repository: not related.
  write(b.id, 'other-repo', event({ occurred_at: BASE + 22 * MINUTE, activity: 'push', repository: 'team/web', digest: 'sha256:ccc' }))
  // No digest and no tag: related to nothing but itself.
  write(b.id, 'member', event({ occurred_at: BASE + 23 * MINUTE, activity: 'member', repository: null, tag: null, digest: null, namespace: null }))
  for (const key of ['push-1', 'push-5', 'push-9', 'retag', 'member']) {
    const found = archive.queryEvents({ query: { includePull: true }, limit: 1000 }).rows.find((row) => JSON.parse(row.raw).key === key)
    ids.set(key, found!.id)
  }
  archive.close()
  runtime = new CoreRuntime({ dataDir, version: 'x', transport: 'browser', autoSync: false, tokenStore: new TokenStore({ env: {} }) })
})

afterAll(async () => {
  await runtime?.close()
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
})

const minutesOf = (events: Array<{ occurred_at: number }>): number[] => events.map((e) => (e.occurred_at - BASE) / MINUTE)

describe('related events', () => {
  it('lists the image history across accounts by digest and by repository:tag, pulls left out', () => {
    const related = runtime.extras.relatedEvents(ids.get('push-5')!, {})
    expect(minutesOf(related.events)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 21])
    expect(related.truncated).toBe(false)
    const byMinute = new Map(related.events.map((e) => [(e.occurred_at - BASE) / MINUTE, e.relations]))
    expect(byMinute.get(5)).toEqual(['digest', 'tag'])
    expect(byMinute.get(20)).toEqual(['tag'])
    expect(byMinute.get(21)).toEqual(['digest'])
    expect(related.events.map((e) => e.account)).toContain('b')
  })

  it('includes pulls when asked', () => {
    const related = runtime.extras.relatedEvents(ids.get('push-5')!, { includePull: true })
    expect(related.events).toHaveLength(22)
  })

  it('keeps the events nearest the one asked about when there are more than the limit', () => {
    expect(minutesOf(runtime.extras.relatedEvents(ids.get('push-5')!, { limit: 5 }).events)).toEqual([3, 4, 5, 6, 7])
    // Near the end, the spare room goes to the older side.
    const late = runtime.extras.relatedEvents(ids.get('retag')!, { limit: 5 })
    expect(minutesOf(late.events)).toEqual([7, 8, 9, 10, 20])
    expect(late.truncated).toBe(true)
    expect(minutesOf(runtime.extras.relatedEvents(ids.get('push-1')!, { limit: 4 }).events)).toEqual([1, 2, 3, 4])
  })

  it('relates an event without digest or tag to nothing but itself', () => {
    const related = runtime.extras.relatedEvents(ids.get('member')!, {})
    expect(related.events.map((e) => e.id)).toEqual([ids.get('member')])
    expect(related.events[0]!.relations).toEqual([])
  })
})

describe('the histogram', () => {
  it('picks the finest readable bucket that fits', () => {
    expect(bucketStep(0, 60 * MINUTE, 60)).toBe(MINUTE)
    expect(bucketStep(0, 60 * MINUTE + 1, 60)).toBe(2 * MINUTE)
    expect(bucketStep(0, 30 * 86_400_000, 120)).toBe(6 * 60 * MINUTE)
    expect(bucketStep(0, 1, 10)).toBe(1000)
  })

  it('counts by activity in buckets over the data when the query has no range', () => {
    const all = runtime.extras.histogram({ includePull: true }, 30)
    expect(all.bucketMs).toBe(MINUTE)
    expect(all.from).toBe(BASE + MINUTE)
    expect(all.buckets).toHaveLength(23)
    expect(all.buckets[0]).toEqual({ start: BASE + MINUTE, total: 2, byActivity: { push: 1, pull: 1 } })
    expect(all.buckets.reduce((sum, b) => sum + b.total, 0)).toBe(24)
    const noPull = runtime.extras.histogram({}, 30)
    expect(noPull.buckets.reduce((sum, b) => sum + b.total, 0)).toBe(14)
    expect(noPull.buckets.some((b) => b.byActivity.pull !== undefined)).toBe(false)
  })

  it('follows every filter and a given range exactly', () => {
    const range = runtime.extras.histogram({ since: BASE, until: BASE + 10 * MINUTE, includePull: true }, 10)
    expect(range).toMatchObject({ from: BASE, to: BASE + 10 * MINUTE, bucketMs: MINUTE })
    expect(range.buckets.map((b) => b.total)).toEqual([0, 2, 2, 2, 2, 2, 2, 2, 2, 2])
    const accountB = runtime.extras.histogram({ account: { any: ['b'] } }, 10)
    expect(accountB.buckets.reduce((sum, b) => sum + b.total, 0)).toBe(4)
    const text = runtime.extras.histogram({ repository: { any: ['team/web'] } }, 10)
    expect(text.buckets.reduce((sum, b) => sum + b.total, 0)).toBe(1)
  })
})

import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { SyncProgress } from '../../src/shared/sync'
import { Archive } from '../../src/main/core/db/archive'
import { createConnector } from '../../src/main/core/sources/index'
import { msrNonAdminWarning } from '../../src/main/core/sources/msr'
import type { MsrCursor } from '../../src/main/core/sources/msr-cursor'
import { syncAccount } from '../../src/main/core/sync/sync-account'
import { startDockerHubSim } from '../sim/dockerhub'
import { ADMIN_ONLY_CATEGORIES, categoryOf } from '../sim/msr-events'
import { expectAppError, expectNoSecrets, MemoryArchive, testContext, walkInto } from './connector-behaviour'
import { startMsrRig, type MsrRig, type MsrRigOptions } from './msr-rig'

/** msr specifics beyond the shared suite: admin detection, Harbor, incremental runs, stale cursors. */

let rig: MsrRig | undefined
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  await rig?.close()
  rig = undefined
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

async function start(options: MsrRigOptions = {}): Promise<MsrRig> {
  rig = await startMsrRig({ sim: { events: 120, seed: 7, ...options.sim }, ...options })
  return rig
}

describe('msr: who is signed in', () => {
  it('an admin: no warning, every event', async () => {
    const r = await start()
    const report = await r.connector.testConnection(r.ctx())
    expect(report.warnings).toEqual([])
    expect(report.details[0]).toBe(`signed in to ${new URL(r.sim.url).host} as admin (admin)`)
    const archive = new MemoryArchive()
    const ctx = r.ctx()
    await walkInto(r.connector, 'events', archive, ctx)
    expect(archive.events.size).toBe(r.sim.events.length)
    expect(ctx.notices.filter((notice) => notice.type === 'warning')).toEqual([])
  })

  it('a non-admin: the warning in the test and as a sync notice, and the walk has no pull or mirror events', async () => {
    const r = await start({ nonAdmin: true })
    const report = await r.connector.testConnection(r.ctx())
    expect(report.warnings).toEqual(['pull and mirror events will be missing: dev is not an admin'])
    expect(report.warnings).toEqual([msrNonAdminWarning('dev')])
    const archive = new MemoryArchive()
    const ctx = r.ctx()
    await walkInto(r.connector, 'events', archive, ctx)
    expect(ctx.notices).toContainEqual({ type: 'warning', message: `acme-msr: ${msrNonAdminWarning('dev')}` })
    const hidden = r.sim.events.filter((event) => ADMIN_ONLY_CATEGORIES.has(categoryOf(event)))
    expect(hidden.length).toBeGreaterThan(0)
    expect(archive.events.size).toBe(r.sim.events.length - hidden.length)
    const activities = [...archive.events.values()].map((raw) => r.connector.normalise('events', raw).activity)
    expect(activities).not.toContain('pull')
    expect(activities).not.toContain('mirror')
  })

  it('wrong credentials: AUTH_FAILED without the secret in the message', async () => {
    const r = await start()
    const wrong = 'msr-wrong-access-token-000000000000'
    const error = await expectAppError(r.connector.testConnection(testContext(wrong, 'acme-msr')), 'AUTH_FAILED', [wrong, r.user.secret])
    expect(error.message).toContain('credentials of admin (HTTP 401: NOT_AUTHENTICATED')
  })

  it('MSR 4 (Harbor) is refused with a pointer to the harbor kind', async () => {
    const r = await start({ sim: { product: 'harbor' } })
    const error = await expectAppError(r.connector.testConnection(r.ctx()), 'INVALID_INPUT', r.secrets())
    expect(error.message).toMatch(/answers the Harbor API .* add it as a harbor account instead/)
    await expectAppError(walkInto(r.connector, 'events', new MemoryArchive(), r.ctx()), 'INVALID_INPUT', r.secrets())
    const probes = r.sim.requests.filter((request) => request.path === '/api/v2.0/systeminfo')
    expect(probes.every((request) => request.authorization === undefined)).toBe(true)
  })

  it('a URL that is neither DTR nor Harbor: NOT_FOUND', async () => {
    const r = await start()
    const other = await startDockerHubSim()
    cleanups.push(() => other.close())
    const connector = createConnector({ ...r.account, url: other.url })
    const error = await expectAppError(connector.testConnection(r.ctx()), 'NOT_FOUND', r.secrets())
    expect(error.message).toMatch(/has no DTR\/MSR API \(HTTP 404/)
  })
})

describe('msr: walking the events', () => {
  it('asks for publishedAfter = high-water mark minus the overlap, and gets only the new events', async () => {
    const r = await start({ accountOptions: { overlapSeconds: 300 } })
    const archive = new MemoryArchive()
    await walkInto(r.connector, 'events', archive, r.ctx())
    const newest = Math.max(...r.sim.events.map((event) => Date.parse(event.publishedAt)))
    expect(archive.cursor).toEqual({ v: 1, highWater: newest, run: null })
    r.clock.advance(3_600_000)
    r.sim.addEvents(7)
    const before = r.sim.requests.length
    const totals = await walkInto(r.connector, 'events', archive, r.ctx())
    expect(totals.inserted).toBe(7)
    const asked = r.sim.requests.slice(before).filter((request) => request.route === 'events')
    expect(asked.map((request) => request.query['publishedAfter'])).toEqual([new Date(newest - 300_000).toISOString()])
    expect(archive.events.size).toBe(r.sim.events.length)
  })

  it('keeps fields DTR 2.3 does not document in raw', async () => {
    const r = await start()
    const archive = new MemoryArchive()
    await walkInto(r.connector, 'events', archive, r.ctx())
    const withExtra = r.sim.events.filter((event) => 'sourceIp' in event)
    expect(withExtra.length).toBeGreaterThan(0)
    for (const event of withExtra) expect(archive.events.get(event.id)).toEqual(event)
  })

  it('resumes from a stored page start; if the server forgot it (auto-deletion), reads the run again', async () => {
    const r = await start()
    const archive = new MemoryArchive()
    await walkInto(r.connector, 'events', archive, r.ctx(), { stopAfterPages: 1 })
    const pageStart = (archive.cursor as MsrCursor).run?.pageStart
    expect(typeof pageStart).toBe('string')
    r.sim.deleteEvents([pageStart!])
    const ctx = r.ctx()
    await walkInto(r.connector, 'events', archive, ctx)
    expect(ctx.notices.some((notice) => notice.type === 'warning' && /no longer known/.test(notice.message))).toBe(true)
    // Everything the source still holds is archived (the deleted event was never read).
    for (const event of r.sim.events) expect(archive.events.has(event.id)).toBe(true)
    expect(archive.cursor).toMatchObject({ run: null })
  })

  it('retries a response that stalls or comes too late, then goes on', async () => {
    const r = await start({ deps: { timeoutMs: 300, idleTimeoutMs: 300 } })
    r.sim.inject({ kind: 'stall-after-headers' }, { route: 'events', after: 1 })
    r.sim.inject({ kind: 'slow', delayMs: 1000 }, { route: 'events', after: 2 })
    const archive = new MemoryArchive()
    const ctx = r.ctx()
    await walkInto(r.connector, 'events', archive, ctx)
    expect(ctx.notices.filter((notice) => notice.type === 'waiting' && notice.reason === 'retry')).toHaveLength(2)
    expect(archive.events.size).toBe(r.sim.events.length)
  })

  it('refuses a server that repeats a page start instead of looping', async () => {
    const r = await start()
    r.sim.inject({ kind: 'status', status: 200, body: { events: [] }, headers: { 'x-next-page-start': 'same' } }, { route: 'events', times: 3 })
    const error = await expectAppError(walkInto(r.connector, 'events', new MemoryArchive(), r.ctx()), 'BAD_RESPONSE', r.secrets())
    expect(error.message).toMatch(/already sent/)
  })
})

describe('msr: the trust stream', () => {
  it("a non-admin sees the changes of the repositories it can read, and is told so", async () => {
    const r = await start({ nonAdmin: true, withTrust: true, sim: { events: 5, trustChanges: 40 } })
    expect(r.connector.streams()).toEqual(['events', 'trust'])
    const report = await r.connector.testConnection(r.ctx())
    expect(report.warnings).toEqual([msrNonAdminWarning('dev'), 'the trust changefeed shows only the repositories dev can read: dev is not an admin'])
    const archive = new MemoryArchive()
    await walkInto(r.connector, 'trust', archive, r.ctx())
    const readable = new Set((r.user.readable ?? []).map((repo) => r.sim.gun(repo)))
    const expected = r.sim.trust.changes.filter((change) => readable.has(change.GUN))
    expect(expected.length).toBeGreaterThan(0)
    expect([...archive.events.keys()].sort()).toEqual(expected.map((change) => `trust:${change.ID}`).sort())
    // The token came from /auth/token with the DTR service and the catalog scope.
    const tokenRequest = r.sim.requests.find((request) => request.route === 'token')!
    expect(tokenRequest.query).toMatchObject({ service: 'dtr', scope: 'registry:catalog:*' })
  })

  it('syncs both streams into a real archive, with the warning as sync progress', async () => {
    const r = await start({ nonAdmin: true, withTrust: true, sim: { events: 60, trustChanges: 30 } })
    const folder = await mkdtemp(join(os.tmpdir(), 'msr-archive-'))
    const store = Archive.open(join(folder, 'archive.sqlite'))
    cleanups.push(async () => {
      store.close()
      await rm(folder, { recursive: true, force: true })
    })
    const account = store.addAccount({ name: 'acme-msr', kind: 'msr', url: r.sim.url, options: r.account.options })
    const progress: SyncProgress[] = []
    const summary = await syncAccount({
      archive: store,
      account,
      connector: r.newConnector(),
      getToken: async () => r.user.secret,
      onProgress: (event) => progress.push(event)
    })
    const visible = r.sim.visibleTo('dev').length
    const readable = new Set((r.user.readable ?? []).map((repo) => r.sim.gun(repo)))
    const trust = r.sim.trust.changes.filter((change) => readable.has(change.GUN)).length
    expect(summary).toMatchObject({ status: 'ok', inserted: visible + trust, duplicates: 0 })
    expect(progress).toContainEqual({ type: 'warning', account: 'acme-msr', message: `acme-msr: ${msrNonAdminWarning('dev')}` })
    expect(store.getCursor(account.id, 'trust')).toMatchObject({ v: 1 })
    const events = [...store.iterateEvents({ account: { any: ['acme-msr'] }, includePull: true })]
    for (const event of events) expectNoSecrets(event.raw, r.secrets())
    expect(events.filter((event) => event.activity === 'sign' || event.activity === 'trust-delete')).toHaveLength(trust)
  })
})

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { SyncProgress } from '../../src/shared/sync'
import { Archive } from '../../src/main/core/db/archive'
import { harborNonAdminWarning, harborRobotEmptyWarning, harborRobotNoAccessWarning } from '../../src/main/core/sources/harbor'
import type { HarborCursor } from '../../src/main/core/sources/harbor-cursor'
import { createConnector } from '../../src/main/core/sources/index'
import { syncAccount } from '../../src/main/core/sync/sync-account'
import { startMsrSim } from '../sim/msr'
import { expectAppError, expectNoSecrets, MemoryArchive, testContext, walkInto } from './connector-behaviour'
import { startHarborRig, type HarborRig, type HarborRigOptions } from './harbor-rig'
import { makeTestCertificates } from './tls-certificates'

/**
 * harbor specifics beyond the shared suite: who is signed in and what Harbor then shows, which
 * endpoints a version has (and an upgrade), the id walk and its checks, rows that become visible
 * late, and the mutability of Harbor's log (GDPR masking, purges).
 */

let rig: HarborRig | undefined
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  await rig?.close()
  rig = undefined
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

async function start(options: HarborRigOptions = {}): Promise<HarborRig> {
  rig = await startHarborRig({ ...options, sim: { events: 100, legacyEvents: 30, seed: 7, ...options.sim } })
  return rig
}

const ids = (archive: MemoryArchive): string[] => [...archive.events.keys()].sort()
const expectedIds = (r: HarborRig, username = r.user.username): string[] =>
  [
    ...r.sim.visibleTo(username, 'ext').map((row) => `auditlog-exts:${row.id}`),
    ...r.sim.visibleTo(username, 'legacy').map((row) => `audit-logs:${row.id}`)
  ].sort()

async function walkAll(r: HarborRig, archive: MemoryArchive, ctx = r.ctx()): Promise<MemoryArchive> {
  // Each stream keeps its own cursor, as the archive does.
  const cursors = new Map<string, unknown>()
  for (const stream of r.connector.streams()) {
    const part = new MemoryArchive()
    part.cursor = cursors.get(stream) ?? null
    await walkInto(r.connector, stream, part, ctx)
    for (const [id, raw] of part.events) archive.events.set(id, raw)
  }
  return archive
}

describe('harbor: who is signed in', () => {
  it('a system admin: no warning, both tables of a 2.13 server', async () => {
    const r = await start()
    const report = await r.connector.testConnection(r.ctx())
    const host = new URL(r.sim.url).host
    expect(report.warnings).toEqual([])
    expect(report.details[0]).toBe(`signed in to ${host} as admin (system admin)`)
    expect(report.details[1]).toBe(
      'Harbor v2.13.1-1d5b9e5c; audit logs read from /api/v2.0/auditlog-exts and /api/v2.0/audit-logs (the second holds the history from before Harbor 2.13)'
    )
    expect(report.details[2]).toMatch(/^\/api\/v2\.0\/auditlog-exts: 100 events readable; newest \d{4}-\d\d-\d\dT.*Z /)
    expect(report.details[3]).toMatch(/^\/api\/v2\.0\/audit-logs: 30 events readable; newest /)
    const ctx = r.ctx()
    const archive = await walkAll(r, new MemoryArchive(), ctx)
    expect(ids(archive)).toEqual(expectedIds(r))
    expect(archive.events.size).toBe(130)
    expect(ctx.notices.filter((notice) => notice.type === 'warning')).toEqual([])
  })

  it('a user who is not a system admin: warned, and sees only the projects where it may list logs', async () => {
    const r = await start({ as: 'user' })
    const report = await r.connector.testConnection(r.ctx())
    expect(report.details[0]).toBe(`signed in to ${new URL(r.sim.url).host} as dev (user, not a system admin)`)
    expect(report.warnings).toEqual([harborNonAdminWarning('dev')])
    const ctx = r.ctx()
    const archive = await walkAll(r, new MemoryArchive(), ctx)
    // The warning comes once per sync: with the live stream only.
    expect(ctx.notices.filter((notice) => notice.type === 'warning')).toEqual([{ type: 'warning', message: `acme-harbor: ${harborNonAdminWarning('dev')}` }])
    expect(ids(archive)).toEqual(expectedIds(r, 'dev'))
    expect(archive.events.size).toBeGreaterThan(0)
    expect(archive.events.size).toBeLessThan(130)
    for (const raw of archive.events.values()) expect(r.connector.normalise('auditlog-exts', raw).namespace).toBe('payments')
  })

  it('a robot with the system permission to list audit logs reads everything, without warning', async () => {
    const r = await start({ as: 'robot' })
    const report = await r.connector.testConnection(r.ctx())
    expect(report.details[0]).toBe(`signed in to ${new URL(r.sim.url).host} as robot$auditor (robot account)`)
    expect(report.warnings).toEqual([])
    expect(ids(await walkAll(r, new MemoryArchive()))).toEqual(expectedIds(r))
    // Its permission was read from the event types endpoint, which needs the same permission.
    expect(r.sim.requests.some((request) => request.route === 'event-types' && request.status === 200)).toBe(true)
  })

  it('a project robot on 2.13: Harbor answers an empty list with 200; reported as a permission warning', async () => {
    const r = await start({ as: 'project-robot' })
    const report = await r.connector.testConnection(r.ctx())
    expect(report.warnings).toEqual([harborRobotNoAccessWarning('robot$library+ci')])
    expect(report.details).toContain('/api/v2.0/auditlog-exts: no events readable')
    const ctx = r.ctx()
    const archive = await walkAll(r, new MemoryArchive(), ctx)
    expect(archive.events.size).toBe(0)
    expect(ctx.notices).toContainEqual({ type: 'warning', message: `acme-harbor: ${harborRobotNoAccessWarning('robot$library+ci')}` })
    // The list itself said nothing: 200, an empty array, a total of 0.
    const list = r.sim.requests.find((request) => request.route === 'auditlog-exts' && request.query['sort'] === 'id')!
    expect(list.status).toBe(200)
  })

  it('a project robot before 2.13, where no probe exists: an empty log is reported as a likely permission gap', async () => {
    const r = await start({ as: 'project-robot', sim: { version: 'v2.12.2-73072d0d', legacyEvents: 0 } })
    const report = await r.connector.testConnection(r.ctx())
    expect(report.warnings).toEqual([harborRobotEmptyWarning('robot$library+ci')])
    const ctx = r.ctx()
    await walkInto(r.connector, 'audit-logs', new MemoryArchive(), ctx)
    expect(ctx.notices).toContainEqual({ type: 'warning', message: `acme-harbor: ${harborRobotEmptyWarning('robot$library+ci')}` })
    expect(r.sim.requests.some((request) => request.path.includes('auditlog-exts'))).toBe(false)
  })

  it('an admin through an LDAP group (admin_role_in_auth) is a system admin too', async () => {
    const r = await start({
      sim: { users: [{ username: 'ldap-admin', secret: 'ldap-admin-password-0123', kind: 'admin', adminByGroup: true }] }
    })
    const report = await r.connector.testConnection(r.ctx())
    expect(report.details[0]).toBe(`signed in to ${new URL(r.sim.url).host} as ldap-admin (system admin)`)
    expect(report.warnings).toEqual([])
  })

  it('wrong credentials: AUTH_FAILED without the secret (Harbor itself just treats them as anonymous)', async () => {
    const r = await start()
    const wrong = 'wrong-harbor-password-000000'
    const error = await expectAppError(r.connector.testConnection(testContext(wrong, 'acme-harbor')), 'AUTH_FAILED', [wrong, ...r.secrets()])
    expect(error.message).toContain('did not accept the credentials of admin (HTTP 401: UNAUTHORIZED')
    // systeminfo answered the anonymous caller with 200 and no version: only users/current tells.
  })

  it('a URL that is not Harbor (a DTR): NOT_FOUND pointing to the msr kind', async () => {
    const r = await start()
    const dtr = await startMsrSim()
    cleanups.push(() => dtr.close())
    const connector = createConnector({ ...r.account, url: dtr.url })
    const error = await expectAppError(connector.testConnection(r.ctx()), 'NOT_FOUND', r.secrets())
    expect(error.message).toMatch(/has no Harbor API \(HTTP 404 for \/api\/v2\.0\/users\/current\).*msr kind/)
  })
})

describe('harbor: which endpoints a server has', () => {
  it('2.12: only /audit-logs, told by the version; /auditlog-exts is never asked', async () => {
    const r = await start({ sim: { version: 'v2.12.2-73072d0d' } })
    const report = await r.connector.testConnection(r.ctx())
    expect(report.details[1]).toBe('Harbor v2.12.2-73072d0d; audit logs read from /api/v2.0/audit-logs')
    const ext = new MemoryArchive()
    expect(await walkInto(r.connector, 'auditlog-exts', ext, r.ctx())).toEqual({ pages: 0, inserted: 0, duplicates: 0 })
    const archive = await walkAll(r, new MemoryArchive())
    expect(ids(archive)).toEqual(r.sim.rows('legacy').map((row) => `audit-logs:${row.id}`).sort())
    expect(r.sim.requests.some((request) => request.path.includes('auditlog-exts'))).toBe(false)
  })

  it.each([
    ['v2.13.0-aaaaaaaa', ['auditlog-exts', 'audit-logs']],
    ['v2.12.0-bbbbbbbb', ['audit-logs']]
  ])('without a version in systeminfo (%s), a probe of /auditlog-exts decides', async (version, expected) => {
    const r = await start({ sim: { version, hideVersion: true } })
    const report = await r.connector.testConnection(r.ctx())
    expect(report.details[1]).toBe(
      `Harbor (version not reported); audit logs read from ${expected.map((stream) => `/api/v2.0/${stream}`).join(' and ')}` +
        (expected.length > 1 ? ' (the second holds the history from before Harbor 2.13)' : '')
    )
  })

  it('after an upgrade to 2.13, new events come from /auditlog-exts and the old history stays readable', async () => {
    const r = await start({ sim: { version: 'v2.12.2-73072d0d', events: 50, legacyEvents: 0 } })
    const folder = await mkdtemp(join(os.tmpdir(), 'harbor-archive-'))
    const store = Archive.open(join(folder, 'archive.sqlite'))
    cleanups.push(async () => {
      store.close()
      await rm(folder, { recursive: true, force: true })
    })
    const account = store.addAccount({ name: 'acme-harbor', kind: 'harbor', url: r.sim.url, options: r.account.options })
    const sync = () => syncAccount({ archive: store, account, connector: r.newConnector(), getToken: async () => r.user.secret })
    expect(await sync()).toMatchObject({ status: 'ok', inserted: 50 })
    expect(store.getCursor(account.id, 'auditlog-exts')).toBeNull()
    r.sim.upgrade('v2.13.0-c50c7ddd')
    r.sim.addRows(12)
    expect(await sync()).toMatchObject({ status: 'ok', inserted: 12 })
    expect(store.getCursor(account.id, 'auditlog-exts')).toEqual({ v: 1, lastId: 12 })
    expect(store.getCursor(account.id, 'audit-logs')).toEqual({ v: 1, lastId: 50 })
    const events = [...store.iterateEvents({ account: { any: ['acme-harbor'] }, includePull: true })]
    expect(events).toHaveLength(62)
    // Both tables count from 1: their ids stay apart.
    expect(events.filter((event) => event.source_event_id.startsWith('auditlog-exts:'))).toHaveLength(12)
    for (const event of events) expectNoSecrets(event.raw, r.secrets())
  })
})

describe('harbor: the id walk', () => {
  it('asks q=id=[from~]&sort=id page by page, encoded once, and Harbor honours every key', async () => {
    const r = await start({ sim: { events: 100, legacyEvents: 0 } })
    const archive = new MemoryArchive()
    await walkInto(r.connector, 'auditlog-exts', archive, r.ctx())
    const lists = r.sim.requests.filter((request) => request.route === 'auditlog-exts' && request.query['sort'] === 'id')
    expect(lists.map((request) => request.query['q'])).toEqual(['id=[1~]', 'id=[41~]', 'id=[81~]'])
    expect(lists.map((request) => request.rawQuery)).toEqual([
      'q=id%3D%5B1~%5D&sort=id&page=1&page_size=40',
      'q=id%3D%5B41~%5D&sort=id&page=1&page_size=40',
      'q=id%3D%5B81~%5D&sort=id&page=1&page_size=40'
    ])
    expect(lists.every((request) => request.ignored?.length === 0)).toBe(true)
    expect(archive.cursor).toEqual({ v: 1, lastId: 100 })
  })

  it('starts each later walk overlapIds below the highest id stored, and gets only the new rows', async () => {
    const r = await start({ sim: { events: 100, legacyEvents: 0 }, accountOptions: { overlapIds: 10 } })
    const archive = new MemoryArchive()
    await walkInto(r.connector, 'auditlog-exts', archive, r.ctx())
    r.sim.addRows(7)
    const before = r.sim.requests.length
    const totals = await walkInto(r.connector, 'auditlog-exts', archive, r.ctx())
    expect(totals).toEqual({ pages: 1, inserted: 7, duplicates: 10 })
    const asked = r.sim.requests.slice(before).filter((request) => request.route === 'auditlog-exts')
    expect(asked.map((request) => request.query['q'])).toEqual(['id=[91~]'])
    expect(archive.cursor).toEqual({ v: 1, lastId: 107 })
  })

  it('finds a row that became visible after rows with higher ids (the asynchronous writer)', async () => {
    const r = await start({ sim: { events: 60, legacyEvents: 0 } })
    const archive = new MemoryArchive()
    await walkInto(r.connector, 'auditlog-exts', archive, r.ctx())
    const added = r.sim.addRows(6, { hold: 2 })
    await walkInto(r.connector, 'auditlog-exts', archive, r.ctx())
    expect(archive.events.size).toBe(64)
    expect((archive.cursor as HarborCursor).lastId).toBe(added.at(-1)!.id)
    r.sim.release()
    const totals = await walkInto(r.connector, 'auditlog-exts', archive, r.ctx())
    expect(totals.inserted).toBe(2)
    expect(ids(archive)).toEqual(r.sim.rows('ext').map((row) => `auditlog-exts:${row.id}`).sort())

    // Without the overlap the same late rows would be lost for good.
    const bare = r.newConnector({}, { overlapIds: 0 })
    const lossy = new MemoryArchive()
    await walkInto(bare, 'auditlog-exts', lossy, r.ctx())
    const more = r.sim.addRows(3, { hold: 1 })
    await walkInto(bare, 'auditlog-exts', lossy, r.ctx())
    r.sim.release()
    await walkInto(bare, 'auditlog-exts', lossy, r.ctx())
    expect(lossy.events.has(`auditlog-exts:${more[0]!.id}`)).toBe(false)
  })

  it('stops, keeping what it stored, when the server ignores the id filter', async () => {
    const r = await start({ sim: { events: 100, legacyEvents: 0 } })
    const first = r.sim.rows('ext').slice(0, 40).map((row) => ({ id: row.id, op_time: new Date(row.opTime).toISOString(), operation: row.operation, operation_result: true }))
    r.sim.inject({ kind: 'status', status: 200, body: first, headers: { 'x-total-count': '100' } }, { route: 'auditlog-exts', after: 1 })
    const archive = new MemoryArchive()
    const error = await expectAppError(walkInto(r.connector, 'auditlog-exts', archive, r.ctx()), 'BAD_RESPONSE', r.secrets())
    expect(error.message).toMatch(/record id 1 is below the asked id=\[41~\]: the server ignored the q filter/)
    expect(archive.pages).toBe(1)
    expect(archive.cursor).toEqual({ v: 1, lastId: 40 })
  })

  it('never follows the relative Link header: every request is page 1 of its own id window', async () => {
    const r = await start({ sim: { events: 100, legacyEvents: 0 } })
    await walkInto(r.connector, 'auditlog-exts', new MemoryArchive(), r.ctx())
    const lists = r.sim.requests.filter((request) => request.route === 'auditlog-exts')
    expect(lists.length).toBeGreaterThan(1)
    expect(lists.every((request) => request.query['page'] === '1')).toBe(true)
  })

  it('usernames rewritten by GDPR masking and purged rows break nothing; stored events stay as read', async () => {
    const r = await start({ sim: { events: 80, legacyEvents: 0 } })
    const archive = new MemoryArchive()
    await walkInto(r.connector, 'auditlog-exts', archive, r.ctx())
    const before = new Map(archive.events)
    const masked = r.sim.maskUsername('alice')
    expect(r.sim.purge(r.sim.rows('ext')[20]!.opTime, 'ext')).toBeGreaterThan(0)
    r.sim.addRows(4)
    const totals = await walkInto(r.connector, 'auditlog-exts', archive, r.ctx())
    expect(totals.inserted).toBe(4)
    for (const [id, raw] of before) expect(archive.events.get(id)).toEqual(raw)
    expect([...before.values()].some((raw) => (raw as { username?: string }).username === 'alice')).toBe(true)
    expect(r.sim.rows('ext').some((row) => row.username === masked)).toBe(true)
  })

  it('pages on while X-Total-Count says more rows match, even when a proxy caps the page size', async () => {
    const r = await start({ sim: { events: 100, legacyEvents: 0 } })
    const rows = r.sim.rows('ext')
    const short = (from: number) => rows.filter((row) => row.id >= from).slice(0, 25).map((row) => ({ id: row.id, op_time: new Date(row.opTime).toISOString(), operation: row.operation, operation_result: true }))
    r.sim.inject({ kind: 'status', status: 200, body: short(1), headers: { 'x-total-count': '100' } }, { route: 'auditlog-exts' })
    const archive = new MemoryArchive()
    await walkInto(r.connector, 'auditlog-exts', archive, r.ctx())
    expect(archive.events.size).toBe(100)
    const asked = r.sim.requests.filter((request) => request.route === 'auditlog-exts').map((request) => request.query['q'])
    expect(asked).toEqual(['id=[1~]', 'id=[26~]', 'id=[66~]'])
  })

  it('refuses a page size Harbor would refuse (above 100)', async () => {
    const r = await start()
    expect(() => r.newConnector({ pageSize: 101 })).toThrow(/page size must be 1–100/)
  })

  it('a stored cursor of another shape is refused, not guessed at', async () => {
    const r = await start()
    const archive = new MemoryArchive()
    archive.cursor = { v: 1, highWater: 5, run: null }
    await expectAppError(walkInto(r.connector, 'auditlog-exts', archive, r.ctx()), 'INVALID_INPUT', r.secrets())
  })
})

describe('harbor: a private CA', () => {
  it('trusts the server with the account CA file, and refuses it with TLS without', async () => {
    const certificates = makeTestCertificates()
    const folder = await mkdtemp(join(os.tmpdir(), 'harbor-ca-'))
    cleanups.push(() => rm(folder, { recursive: true, force: true }))
    const caFile = join(folder, 'ca.pem')
    await writeFile(caFile, certificates.caCert)
    const r = await start({ sim: { tls: certificates.leaf, events: 5, legacyEvents: 0 } })
    expect(r.sim.url).toMatch(/^https:/)
    await expectAppError(r.connector.testConnection(r.ctx()), 'TLS', r.secrets())
    const trusting = r.newConnector({}, { caFile })
    expect((await trusting.testConnection(r.ctx())).details[0]).toMatch(/as admin \(system admin\)$/)
  })
})

describe('harbor: a sync into a real archive', () => {
  it('stores both streams with their own cursors and the permission warning as sync progress', async () => {
    const r = await start({ as: 'user' })
    const folder = await mkdtemp(join(os.tmpdir(), 'harbor-archive-'))
    const store = Archive.open(join(folder, 'archive.sqlite'))
    cleanups.push(async () => {
      store.close()
      await rm(folder, { recursive: true, force: true })
    })
    const account = store.addAccount({ name: 'acme-harbor', kind: 'harbor', url: r.sim.url, options: r.account.options })
    const progress: SyncProgress[] = []
    const summary = await syncAccount({
      archive: store,
      account,
      connector: r.newConnector(),
      getToken: async () => r.user.secret,
      onProgress: (event) => progress.push(event)
    })
    const ext = r.sim.visibleTo('dev', 'ext')
    const legacy = r.sim.visibleTo('dev', 'legacy')
    expect(summary).toMatchObject({ status: 'ok', inserted: ext.length + legacy.length, duplicates: 0 })
    expect(progress).toContainEqual({ type: 'warning', account: 'acme-harbor', message: `acme-harbor: ${harborNonAdminWarning('dev')}` })
    expect(store.getCursor(account.id, 'auditlog-exts')).toEqual({ v: 1, lastId: Math.max(...ext.map((row) => row.id)) })
    expect(store.getCursor(account.id, 'audit-logs')).toEqual({ v: 1, lastId: Math.max(...legacy.map((row) => row.id)) })
    const again = await syncAccount({ archive: store, account, connector: r.newConnector(), getToken: async () => r.user.secret })
    expect(again).toMatchObject({ status: 'ok', inserted: 0 })
  })
})

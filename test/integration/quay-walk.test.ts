import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Archive } from '../../src/main/core/db/archive'
import type { QuayCursor } from '../../src/main/core/sources/quay-cursor'
import { syncAccount } from '../../src/main/core/sync/sync-account'
import { startDockerHubSim } from '../sim/dockerhub'
import { makeQuayLog, QUAY_SIM_ORG, type QuaySimLog } from '../sim/quay-events'
import { seededRandom } from '../sim/sim-faults'
import { expectAppError, expectNoSecrets, MemoryArchive, testContext, walkInto } from './connector-behaviour'
import { QUAY_RIG_START, startQuayRig, type QuayRig, type QuayRigOptions } from './quay-rig'

/** quay specifics beyond the shared suite: day windows, expired page tokens, identity, scopes. */

const STREAM = 'org:acme'
const DAY_MS = 86_400_000

let rig: QuayRig | undefined
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  await rig?.close()
  rig = undefined
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

async function start(options: QuayRigOptions = {}): Promise<QuayRig> {
  rig = await startQuayRig({ ...options, sim: { logs: 230, seed: 11, ...options.sim } })
  return rig
}

const visible = (r: QuayRig): QuaySimLog[] => r.sim.visible({ namespace: QUAY_SIM_ORG })
const logRequests = (r: QuayRig) => r.sim.requests.filter((request) => request.route === 'logs')

/** The ids a clean walk gives, from a fresh connector on the same simulator. */
async function cleanIds(r: QuayRig, stream = STREAM): Promise<string[]> {
  const archive = new MemoryArchive()
  await walkInto(r.newConnector(), stream, archive, r.ctx())
  return [...archive.events.keys()].sort()
}

/**
 * `count` logs of acme/app in one second of `day` (noon), every third one identical, plus one
 * log at 01:00 that day so the day has an older page too.
 */
function oneSecondDay(day: string, count: number, seed = 3): QuaySimLog[] {
  const random = seededRandom(seed)
  const at = Date.parse(`${day}T12:00:00Z`)
  const template = makeQuayLog(random, 'pull_repo', at, { performer: null, repository: 'app' })
  const logs = Array.from({ length: count }, (_, i) =>
    i % 3 === 0 ? { ...template, rid: `r${String(i).padStart(3, '0')}` } : makeQuayLog(random, i % 2 ? 'push_repo' : 'pull_repo', at)
  )
  return [...logs, makeQuayLog(random, 'create_repo', Date.parse(`${day}T01:00:00Z`))]
}

/** Walks page by page until the stored cursor sits inside `day` after `pages` of its pages. */
async function walkUntil(r: QuayRig, archive: MemoryArchive, day: string, pages: number): Promise<void> {
  for (let guard = 0; guard < 200; guard++) {
    const run = (archive.cursor as QuayCursor | null)?.run
    if (run && run.day === day && run.pages === pages) return
    await walkInto(r.connector, STREAM, archive, r.ctx(), { stopAfterPages: 1 })
  }
  throw new Error(`never reached page ${pages} of ${day}`)
}

describe('quay: day windows', () => {
  it('the first run reads the backfill days oldest first, each as one day (MM/DD/YYYY), today last', async () => {
    const r = await start({ accountOptions: { backfillDays: 4 } })
    const archive = new MemoryArchive()
    await walkInto(r.connector, STREAM, archive, r.ctx())
    const firstPages = logRequests(r).filter((request) => request.query['next_page'] === undefined)
    expect(firstPages.map((request) => [request.query['starttime'], request.query['endtime']])).toEqual([
      ['05/30/2025', '05/30/2025'],
      ['05/31/2025', '05/31/2025'],
      ['06/01/2025', '06/01/2025'],
      ['06/02/2025', '06/02/2025']
    ])
    const since = Date.parse('2025-05-30T00:00:00Z')
    expect(archive.events.size).toBe(visible(r).filter((log) => log.at >= since).length)
    expect(archive.cursor).toMatchObject({ v: 1, scope: STREAM, lastTo: '2025-06-02' })
    expect((archive.cursor as QuayCursor).run).toBeUndefined()
  })

  it('a later run reads again from the day before the last run ended, and stores only what is new', async () => {
    const r = await start()
    const archive = new MemoryArchive()
    await walkInto(r.connector, STREAM, archive, r.ctx())
    r.clock.advance(2 * DAY_MS)
    const added = r.sim.addLogs(9)
    const before = logRequests(r).length
    const totals = await walkInto(r.connector, STREAM, archive, r.ctx())
    expect(totals.inserted).toBe(added.length)
    const days = logRequests(r)
      .slice(before)
      .filter((request) => request.query['next_page'] === undefined)
      .map((request) => request.query['starttime'])
    expect(days).toEqual(['06/01/2025', '06/02/2025', '06/03/2025', '06/04/2025'])
    expect(archive.events.size).toBe(visible(r).length)
    expect(archive.cursor).toMatchObject({ lastTo: '2025-06-04' })
  })

  it('overlapDays widens the re-read', async () => {
    const r = await start({ accountOptions: { overlapDays: 3 } })
    const archive = new MemoryArchive()
    await walkInto(r.connector, STREAM, archive, r.ctx())
    const before = logRequests(r).length
    await walkInto(r.connector, STREAM, archive, r.ctx())
    const days = logRequests(r).slice(before).filter((request) => request.query['next_page'] === undefined)
    expect(days.map((request) => request.query['starttime'])).toEqual(['05/30/2025', '05/31/2025', '06/01/2025', '06/02/2025'])
  })

  it('an event ingested late into an earlier second of yesterday is picked up by the next run', async () => {
    const r = await start()
    const archive = new MemoryArchive()
    await walkInto(r.connector, STREAM, archive, r.ctx())
    const late = makeQuayLog(seededRandom(99), 'delete_tag', Date.parse('2025-06-01T03:04:05Z'))
    r.sim.addLogs([late])
    const totals = await walkInto(r.connector, STREAM, archive, r.ctx())
    expect(totals.inserted).toBe(1)
    expect([...archive.events.values()]).toContainEqual(r.sim.wire(late))
  })

  it('reads nothing the server has rotated away (30 days), and everything it still holds', async () => {
    const r = await start({ sim: { logs: 300, seed: 4, days: 45 }, accountOptions: { backfillDays: 60 } })
    const archive = new MemoryArchive()
    await walkInto(r.connector, STREAM, archive, r.ctx())
    const kept = visible(r)
    expect(kept.length).toBeLessThan(r.sim.logs.filter((log) => log.namespace === QUAY_SIM_ORG).length)
    expect(archive.events.size).toBe(kept.length)
  })

  it('leaves out records of another day than asked, with a warning', async () => {
    const r = await start({ accountOptions: { backfillDays: 2 } })
    const stray = r.sim.wire(makeQuayLog(seededRandom(8), 'push_repo', Date.parse('2024-06-18T18:59:13Z')))
    r.sim.inject({ kind: 'json', body: { logs: [stray] } }, { route: 'logs' })
    const archive = new MemoryArchive()
    const ctx = r.ctx()
    await walkInto(r.connector, STREAM, archive, ctx)
    expect([...archive.events.values()]).not.toContainEqual(stray)
    expect(ctx.notices.some((notice) => notice.type === 'warning' && /outside the day asked for/.test(notice.message))).toBe(true)
  })
})

describe('quay: next_page tokens', () => {
  it('an expired token silently answers the first page again: recognised, re-read, nothing lost or doubled', async () => {
    const r = await start()
    const full = await cleanIds(r)
    const archive = new MemoryArchive()
    await walkUntil(r, archive, '2025-05-28', 2)
    r.sim.invalidatePageTokens()
    const ctx = r.ctx()
    await walkInto(r.connector, STREAM, archive, ctx)
    expect(r.sim.pageTokensRefused).toBe(1)
    expect(ctx.notices.filter((notice) => notice.type === 'warning' && /answered with the day's first page/.test(notice.message))).toHaveLength(1)
    expect([...archive.events.keys()].sort()).toEqual(full)
  })

  it('also when every record read so far that day is of one second (the first page comes back identical)', async () => {
    const r = await start({ sim: { records: oneSecondDay('2025-05-30', 50) } })
    const full = await cleanIds(r)
    expect(full).toHaveLength(51)
    expect(full.filter((id) => id.includes('#')).length).toBeGreaterThan(10)
    const archive = new MemoryArchive()
    await walkUntil(r, archive, '2025-05-30', 1)
    r.sim.invalidatePageTokens()
    const ctx = r.ctx()
    await walkInto(r.connector, STREAM, archive, ctx)
    expect(r.sim.pageTokensRefused).toBe(1)
    expect(ctx.notices.some((notice) => notice.type === 'warning' && /first page/.test(notice.message))).toBe(true)
    expect([...archive.events.keys()].sort()).toEqual(full)
  })

  it('a stored token older than a day is not tried: the day is read again from its first page', async () => {
    const r = await start()
    const full = await cleanIds(r)
    const archive = new MemoryArchive()
    await walkUntil(r, archive, '2025-05-28', 2)
    r.clock.advance(3 * DAY_MS)
    const ctx = r.ctx()
    await walkInto(r.connector, STREAM, archive, ctx)
    expect(r.sim.pageTokensRefused).toBe(0)
    expect(ctx.notices.some((notice) => notice.type === 'warning' && /too old to use/.test(notice.message))).toBe(true)
    expect([...archive.events.keys()].sort()).toEqual(full)
  })

  it('a token the server let expire in between (2 days) is caught the same way', async () => {
    const r = await start({ sim: { records: oneSecondDay('2025-05-30', 50, 6) }, deps: { pageTokenMaxAgeMs: 10 * DAY_MS } })
    const full = await cleanIds(r)
    const archive = new MemoryArchive()
    await walkUntil(r, archive, '2025-05-30', 2)
    r.clock.advance(2 * DAY_MS + 60_000)
    await walkInto(r.connector, STREAM, archive, r.ctx())
    expect(r.sim.pageTokensRefused).toBe(1)
    expect([...archive.events.keys()].sort()).toEqual(full)
  })

  it('gives up on a server that never honours a token, instead of looping', async () => {
    const r = await start({ sim: { pageTokenTtlMs: -1 } })
    const error = await expectAppError(walkInto(r.connector, STREAM, new MemoryArchive(), r.ctx()), 'BAD_RESPONSE', r.secrets())
    expect(error.message).toMatch(/keeps answering the first page of 2025-05-\d\d of organisation acme .* \(4 times\)/)
  })

  it('refuses a server that hands back the token it was given', async () => {
    const r = await start()
    r.sim.inject({ kind: 'json', body: { logs: [], next_page: 'gAAAAAsame' } }, { route: 'logs', times: 2 })
    const error = await expectAppError(walkInto(r.connector, STREAM, new MemoryArchive(), r.ctx()), 'BAD_RESPONSE', r.secrets())
    expect(error.message).toMatch(/sent back the next_page token it was given/)
  })

  it('the database backend: follows the trailing legacy-table token to its empty page', async () => {
    const r = await start({ sim: { backend: 'database' }, accountOptions: { backfillDays: 2 } })
    const archive = new MemoryArchive()
    await walkInto(r.connector, STREAM, archive, r.ctx())
    const requests = logRequests(r)
    // Every day ends with a {"tti"} token whose page is empty.
    expect(requests.filter((request) => request.query['next_page'] !== undefined).length).toBeGreaterThanOrEqual(2)
    const since = Date.parse('2025-06-01T00:00:00Z')
    expect(archive.events.size).toBe(visible(r).filter((log) => log.at >= since).length)
  })
})

describe('quay: record identity', () => {
  it('identical events of one second are kept apart, and a late identical copy is new', async () => {
    const r = await start({ sim: { records: oneSecondDay('2025-06-01', 30) } })
    const archive = new MemoryArchive()
    await walkInto(r.connector, STREAM, archive, r.ctx())
    expect(archive.events.size).toBe(31)
    const copy = r.sim.logs.find((log) => log.rid === 'r000')!
    r.sim.addLogs([{ ...copy, rid: 'r999' }])
    const totals = await walkInto(r.connector, STREAM, archive, r.ctx())
    expect(totals).toMatchObject({ inserted: 1 })
    expect(archive.events.size).toBe(32)
    expect([...archive.events.keys()].filter((id) => /#11$/.test(id))).toHaveLength(1)
  })

  it('ids do not change when a user changes e-mail address (the avatar hash on old records changes)', async () => {
    const r = await start()
    const archive = new MemoryArchive()
    await walkInto(r.connector, STREAM, archive, r.ctx())
    const alice = [...archive.events.values()].find((raw) => (raw as { performer?: { name: string } }).performer?.name === 'alice')
    r.sim.setEmail('alice', 'alice.new@acme.example')
    archive.cursor = null
    const totals = await walkInto(r.connector, STREAM, archive, r.ctx())
    expect(totals.inserted).toBe(0)
    const again = r.sim.wire(r.sim.logs.find((log) => log.performer?.name === 'alice')!)
    expect((again['performer'] as { avatar: { hash: string } }).avatar.hash).not.toBe(
      (alice as { performer: { avatar: { hash: string } } }).performer.avatar.hash
    )
  })
})

describe('quay: tokens, scopes and streams', () => {
  it('signs in with a token without user:read (it cannot say whose it is) and reads the logs', async () => {
    const r = await start({ token: (sim) => sim.tokens[1]! })
    const report = await r.connector.testConnection(r.ctx())
    expect(report.details[0]).toBe(`${new URL(r.sim.url).host} accepted the token (without the user:read scope it does not say whose it is)`)
    expect(report.details[1]).toMatch(/^organisation acme: usage logs readable; newest since 2025-06-01: .+ at 2025-06-02T/)
    const archive = new MemoryArchive()
    await walkInto(r.connector, STREAM, archive, r.ctx())
    expect(archive.events.size).toBe(visible(r).length)
  })

  it('names the user with user:read', async () => {
    const r = await start()
    const report = await r.connector.testConnection(r.ctx())
    expect(report).toMatchObject({ ok: true, warnings: [] })
    expect(report.details[0]).toBe(`signed in to ${new URL(r.sim.url).host} as alice`)
  })

  it('a wrong token: AUTH_FAILED without the token in the message', async () => {
    const r = await start()
    const wrong = 'quay-oauth-wrong-000000000000000000'
    const error = await expectAppError(r.connector.testConnection(testContext(wrong, 'acme-quay')), 'AUTH_FAILED', [wrong, ...r.secrets()])
    expect(error.message).toContain('did not accept the token (HTTP 401: Requires authentication (invalid_token))')
    await expectAppError(walkInto(r.connector, STREAM, new MemoryArchive(), testContext(wrong)), 'AUTH_FAILED', [wrong])
  })

  it('a repository admin cannot read the organisation log: PERMISSION naming the scope', async () => {
    const r = await start({ token: (sim) => sim.tokens[2]! })
    const error = await expectAppError(walkInto(r.connector, STREAM, new MemoryArchive(), r.ctx()), 'PERMISSION', r.secrets())
    expect(error.status).toBe(403)
    expect(error.message).toMatch(/refused the usage logs of organisation acme \(HTTP 403: Unauthorized \(insufficient_scope\)\); the token needs the org:admin scope/)
  })

  it('reads the listed repositories, one stream each, and only their events', async () => {
    const r = await start({ token: (sim) => sim.tokens[2]!, accountOptions: { repositories: ['acme/app'] } })
    expect(r.connector.streams()).toEqual(['repo:acme/app'])
    const archive = new MemoryArchive()
    await walkInto(r.connector, 'repo:acme/app', archive, r.ctx())
    const expected = r.sim.visible({ namespace: 'acme', repository: 'acme/app' })
    expect(expected.length).toBeGreaterThan(10)
    expect(archive.events.size).toBe(expected.length)
    expect(logRequests(r).every((request) => request.path === '/api/v1/repository/acme/app/logs')).toBe(true)
    const event = r.connector.normalise('repo:acme/app', [...archive.events.values()][0])
    expect(event.repository).toBe('acme/app')
    // The same events read through the organisation log get the same ids.
    const admin = r.newConnector({}, { repositories: undefined })
    const org = new MemoryArchive()
    await walkInto(admin, STREAM, org, testContext(r.sim.admin.token))
    for (const id of archive.events.keys()) expect(org.events.has(id)).toBe(true)
  })

  it('a repository that does not exist: NOT_FOUND; one the token may not administer: PERMISSION', async () => {
    const r = await start({ accountOptions: { repositories: ['acme/nope'] } })
    await expectAppError(walkInto(r.connector, 'repo:acme/nope', new MemoryArchive(), r.ctx()), 'NOT_FOUND', r.secrets())
    const bob = r.newConnector({}, { repositories: ['acme/api'] })
    const error = await expectAppError(walkInto(bob, 'repo:acme/api', new MemoryArchive(), testContext(r.sim.tokens[2]!.token)), 'PERMISSION', r.secrets())
    expect(error.message).toMatch(/the repo:admin scope .* administers acme\/api/)
  })

  it('refuses a cursor of another scope and a stream the account does not have', async () => {
    const r = await start()
    const archive = new MemoryArchive()
    archive.cursor = { v: 1, scope: 'org:other', lastTo: '2025-06-01', newest: null }
    const error = await expectAppError(walkInto(r.connector, STREAM, archive, r.ctx()), 'INVALID_INPUT', r.secrets())
    expect(error.message).toMatch(/belongs to org:other, not org:acme/)
    expect(() => r.connector.pages('repo:acme/app', null, r.ctx())).toThrow(/no stream "repo:acme\/app"/)
  })

  it('a URL that is not Quay: NOT_FOUND', async () => {
    const r = await start()
    const other = await startDockerHubSim()
    cleanups.push(() => other.close())
    const connector = r.newConnector()
    const elsewhere = (await import('../../src/main/core/sources/index')).createConnector({ ...r.account, url: other.url })
    expect(connector.kind).toBe('quay')
    const error = await expectAppError(elsewhere.testConnection(r.ctx()), 'NOT_FOUND', r.secrets())
    expect(error.message).toMatch(/has no Quay API \(HTTP 404 for \/api\/v1\/user\/\)/)
  })

  it('search_unavailable is an error, and the cursor does not move past the days it hid', async () => {
    const r = await start({ sim: { searchUnavailable: true } })
    const archive = new MemoryArchive()
    const error = await expectAppError(walkInto(r.connector, STREAM, archive, r.ctx()), 'BAD_RESPONSE', r.secrets())
    expect(error.message).toMatch(/cannot search its usage logs now \(search_unavailable: Search is not configured/)
    expect(archive.cursor).toBeNull()
  })
})

describe('quay: into a real archive', () => {
  it('syncs, normalises and stores the raw records; a second sync adds nothing', async () => {
    const r = await start()
    const folder = await mkdtemp(join(os.tmpdir(), 'quay-archive-'))
    const store = Archive.open(join(folder, 'archive.sqlite'))
    cleanups.push(async () => {
      store.close()
      await rm(folder, { recursive: true, force: true })
    })
    const account = store.addAccount({ name: 'acme-quay', kind: 'quay', url: r.sim.url, options: r.account.options })
    const sync = () => syncAccount({ archive: store, account, connector: r.newConnector(), getToken: async () => r.token.token })
    expect(await sync()).toMatchObject({ status: 'ok', inserted: visible(r).length, duplicates: 0 })
    expect(await sync()).toMatchObject({ status: 'ok', inserted: 0 })
    const events = [...store.iterateEvents({ account: { any: ['acme-quay'] }, includePull: true })]
    expect(events).toHaveLength(visible(r).length)
    for (const event of events) expectNoSecrets(event.raw, r.secrets())
    const robotPush = events.find((event) => event.action === 'push_repo' && event.actor === 'acme+ci')
    expect(robotPush).toMatchObject({ actor_kind: 'token', verb: 'CREATE', activity: 'push', namespace: 'acme' })
    const anonymous = events.find((event) => event.action === 'pull_repo' && event.actor === null)
    expect(anonymous).toMatchObject({ actor_kind: 'unknown', verb: 'GET', activity: 'pull' })
    expect(anonymous?.client_ip).toMatch(/\d/)
    expect(anonymous?.label).toMatch(/^anonymous pull repo acme\//)
    expect(store.getCursor(account.id, STREAM)).toMatchObject({ v: 1, scope: STREAM, lastTo: '2025-06-02' })
    expect(QUAY_RIG_START).toBe(r.clock.now())
  })
})

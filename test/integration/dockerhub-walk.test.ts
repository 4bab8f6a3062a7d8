import { afterEach, describe, expect, it } from 'vitest'
import type { Account } from '../../src/shared/account'
import { canonicalJson, sha256Hex } from '../../src/main/core/canonical'
import { isoSecond, type DockerHubCursor } from '../../src/main/core/sources/dockerhub-cursor'
import { createConnector } from '../../src/main/core/sources/index'
import type { SimRecord } from '../sim/dockerhub'
import { isoSeconds } from '../sim/dockerhub-events'
import { MemoryArchive, expectAppError, walkInto } from './connector-behaviour'
import { RIG_START, startDockerHubRig, type DockerHubRig, type RigOptions } from './dockerhub-rig'

/**
 * The Docker Hub walk against the simulator: fixed `to`, overlap, resumes, record identity with
 * identical copies, events arriving (on time and late) while a run walks, servers that ignore
 * `from`/`to` or cap the page size, and the bearer's lifetime.
 */

let rig: DockerHubRig | undefined
async function start(options: RigOptions = {}): Promise<DockerHubRig> {
  rig = await startDockerHubRig(options)
  return rig
}
afterEach(async () => {
  await rig?.close()
  rig = undefined
})

const auditRequests = (r: DockerHubRig): Array<{ page: number; query: Record<string, string>; status: number }> =>
  r.sim.requests
    .filter((request) => request.route === 'auditlogs')
    .map((request) => ({ page: Number(request.query['page']), query: request.query, status: request.status }))

function record(at: number, action: string, extra: Partial<SimRecord> = {}): SimRecord {
  return {
    account: 'acme',
    action,
    name: 'acme/app',
    actor: 'alice',
    data: { tag: '1.0', digest: 'sha256:' + 'a'.repeat(64) },
    timestamp: isoSeconds(at),
    action_description: `${action}\n`,
    ...extra
  }
}

const idOf = (raw: SimRecord): string => sha256Hex(canonicalJson(raw))

/** The ids the source's list must give, worked out independently: hash, then #n per copy within a second. */
function expectedIds(events: SimRecord[]): string[] {
  const seen = new Map<string, number>()
  return events.map((event) => {
    const key = `${event.timestamp}|${idOf(event)}`
    const n = (seen.get(key) ?? 0) + 1
    seen.set(key, n)
    return n === 1 ? idOf(event) : `${idOf(event)}#${n}`
  })
}
const sorted = (ids: Iterable<string>): string[] => [...ids].sort()

describe('dockerhub walk', () => {
  it('first sync: no `from`, one fixed `to` for every page, page_size as configured, bearer sent', async () => {
    const r = await start({ sim: { events: 130, seed: 5 } })
    const archive = new MemoryArchive()
    await walkInto(r.connector, 'auditlog', archive, r.ctx())
    const requests = auditRequests(r)
    expect(requests.map((request) => request.page)).toEqual([1, 2, 3, 4])
    expect(new Set(requests.map((request) => request.query['to']))).toEqual(new Set([isoSecond(RIG_START - 1000)]))
    expect(requests.every((request) => request.query['from'] === undefined && request.query['page_size'] === '40')).toBe(true)
    const audits = r.sim.requests.filter((request) => request.route === 'auditlogs')
    expect(audits.every((request) => /^Bearer eyJ/.test(request.authorization ?? ''))).toBe(true)
    expect(r.sim.requests.find((request) => request.route === 'auth')?.identifier).toBe('ci-bot')
    expect(sorted(archive.events.keys())).toEqual(sorted(expectedIds(r.sim.events)))
    expect(r.sim.events.some((event, i) => i > 0 && canonicalJson(event) === canonicalJson(r.sim.events[i - 1]))).toBe(true)
    const newest = Date.parse(r.sim.events[0]!.timestamp)
    expect(archive.cursor).toEqual({ v: 1, highWater: newest })
  })

  it('stores the run in the cursor mid-way and drops it on the last page', async () => {
    const r = await start({ sim: { events: 100, seed: 2 } })
    const cursors: unknown[] = []
    for await (const page of r.connector.pages('auditlog', null, r.ctx())) cursors.push(page.cursor)
    expect(cursors).toHaveLength(3)
    const first = cursors[0] as DockerHubCursor
    expect(first).toMatchObject({ v: 1, highWater: null, run: { nextPage: 2, from: null, to: isoSecond(RIG_START - 1000) } })
    expect(first.run?.boundary?.counts).toBeDefined()
    expect(Object.keys(cursors[2] as object).sort()).toEqual(['highWater', 'v'])
  })

  it('an incremental run reads from the high-water mark minus the overlap: re-reads are duplicates, not doubles', async () => {
    const r = await start({ sim: { events: 150, seed: 8 }, overlapSeconds: 900 })
    const archive = new MemoryArchive()
    await walkInto(r.connector, 'auditlog', archive, r.ctx())
    const highWater = (archive.cursor as DockerHubCursor).highWater!
    r.clock.advance(60_000)
    const added = r.sim.addEvents(3)
    r.clock.advance(5_000)
    const before = auditRequests(r).length
    const second = await walkInto(r.connector, 'auditlog', archive, r.ctx())
    const from = isoSecond(highWater - 900_000)
    const secondRequests = auditRequests(r).slice(before)
    expect(secondRequests.every((request) => request.query['from'] === from)).toBe(true)
    const inWindow = r.sim.events.filter((event) => Date.parse(event.timestamp) >= Date.parse(from)).length
    expect(second.inserted).toBe(3)
    expect(second.duplicates).toBe(inWindow - 3)
    expect(second.duplicates).toBeGreaterThan(0)
    expect(archive.events.size).toBe(r.sim.events.length)
    expect((archive.cursor as DockerHubCursor).highWater).toBe(Date.parse(added[0]!.timestamp))
  })

  it('identical records split across a page boundary keep their ids when the run resumes at that boundary', async () => {
    const t = RIG_START - 3_600_000
    const copy = record(t - 3000, 'repo.tag.push', { actor: 'ci-bot' })
    // Page size 4: the three identical copies sit at positions 4, 5 and 6, across pages 1 and 2.
    const records = [
      record(t, 'repo.create'),
      record(t - 1000, 'repo.update'),
      record(t - 2000, 'repo.delete'),
      copy,
      { ...copy },
      { ...copy },
      record(t - 4000, 'org.member.add', { name: 'bob' }),
      record(t - 5000, 'org.member.remove', { name: 'bob' }),
      record(t - 6000, 'repo.tag.delete')
    ]
    const r = await start({ sim: { records }, pageSize: 4 })
    const full = new MemoryArchive()
    await walkInto(r.connector, 'auditlog', full, r.ctx())
    const hash = idOf(copy)
    expect([...full.events.keys()].filter((id) => id.startsWith(hash)).sort()).toEqual([hash, `${hash}#2`, `${hash}#3`])
    expect(full.events.size).toBe(records.length)

    // Stopped after page 1 (one copy read) and resumed from its cursor by a new connector.
    const resumed = new MemoryArchive()
    await walkInto(r.connector, 'auditlog', resumed, r.ctx(), { stopAfterPages: 1 })
    expect(resumed.events.size).toBe(4)
    expect((resumed.cursor as DockerHubCursor).run?.boundary?.counts).toEqual({ [hash]: 1 })
    await walkInto(r.newConnector(), 'auditlog', resumed, r.ctx())
    expect([...resumed.events.keys()].sort()).toEqual([...full.events.keys()].sort())

    // The next run re-reads that second whole (it is inside the overlap): all duplicates.
    const again = await walkInto(r.connector, 'auditlog', resumed, r.ctx())
    expect(again.inserted).toBe(0)

    // A fourth copy ingested late for the same second is new, as #4.
    r.sim.addEvents([{ ...copy }])
    const late = await walkInto(r.connector, 'auditlog', resumed, r.ctx())
    expect(late.inserted).toBe(1)
    expect(resumed.events.has(`${hash}#4`)).toBe(true)
  })

  it('a genuine copy at a page boundary is verified by re-reading the previous page, then kept', async () => {
    const t = RIG_START - 3_600_000
    const copy = record(t - 1000, 'repo.tag.push')
    const records = [record(t, 'repo.create'), copy, { ...copy }, record(t - 2000, 'repo.delete')]
    const r = await start({ sim: { records }, pageSize: 2 })
    const archive = new MemoryArchive()
    const ctx = r.ctx()
    await walkInto(r.connector, 'auditlog', archive, ctx)
    expect(auditRequests(r).map((request) => request.page)).toEqual([1, 2, 1, 3])
    expect(archive.events.size).toBe(4)
    expect(ctx.notices.filter((notice) => notice.type === 'warning')).toEqual([])
  })

  it('events arriving while a run walks are not read by it (no shift, no loss) and are picked up by the next run', async () => {
    const r = await start({ sim: { events: 200, seed: 21 } })
    r.sim.inject({ kind: 'add-events', count: 7 }, { page: 3 })
    const archive = new MemoryArchive()
    const first = await walkInto(r.connector, 'auditlog', archive, r.ctx())
    expect(first.inserted).toBe(200)
    expect(r.sim.events).toHaveLength(207)
    r.clock.advance(2_000)
    const second = await walkInto(r.connector, 'auditlog', archive, r.ctx())
    expect(second.inserted).toBe(7)
    expect(sorted(archive.events.keys())).toEqual(sorted(expectedIds(r.sim.events)))
  })

  it.each([
    ['one late event (ambiguous boundary: re-read and compare)', 1],
    ['three late events (out of order across the boundary)', 3]
  ])('a late-ingested event inside the window shifts the pages: %s → the run restarts, nothing doubled', async (_name, count) => {
    const r = await start({ sim: { events: 200, seed: 4 } })
    const newest = Date.parse(r.sim.events[0]!.timestamp)
    const late = Array.from({ length: count }, (_, i) => record(newest - 1000 * (i + 1), 'repo.tag.push', { name: `acme/late-${i}` }))
    r.sim.inject({ kind: 'add-events', records: late }, { page: 3 })
    const archive = new MemoryArchive()
    const ctx = r.ctx()
    await walkInto(r.connector, 'auditlog', archive, ctx)
    expect(ctx.notices.some((notice) => notice.type === 'warning' && /shifted/.test(notice.message))).toBe(true)
    expect(sorted(archive.events.keys())).toEqual(sorted(expectedIds(r.sim.events)))
    expect(r.sim.events).toHaveLength(200 + count)
    // Page 1 was read again after the restart.
    expect(auditRequests(r).filter((request) => request.page === 1).length).toBeGreaterThanOrEqual(2)
  })

  it('a server that ignores `from` ends the run at the first record below the floor', async () => {
    const r = await start({ sim: { events: 300, seed: 13, ignoreFrom: true }, overlapSeconds: 600 })
    const archive = new MemoryArchive()
    await walkInto(r.connector, 'auditlog', archive, r.ctx())
    const pagesFirst = auditRequests(r).length
    r.clock.advance(1000)
    r.sim.addEvents(2)
    r.clock.advance(1000)
    const second = await walkInto(r.connector, 'auditlog', archive, r.ctx())
    expect(auditRequests(r).length - pagesFirst).toBe(1)
    expect(second.inserted).toBe(2)
    expect(archive.events.size).toBe(r.sim.events.length)
  })

  it('a server that ignores `to` has newer events left for the next run, and the shift they cause is recovered', async () => {
    const r = await start({ sim: { events: 200, seed: 17, ignoreTo: true } })
    r.sim.inject({ kind: 'add-events', count: 5 }, { page: 2 })
    const archive = new MemoryArchive()
    const ctx = r.ctx()
    const first = await walkInto(r.connector, 'auditlog', archive, ctx)
    expect(first.inserted).toBe(200)
    expect(ctx.notices.some((notice) => notice.type === 'warning' && /newer than the requested/.test(notice.message))).toBe(true)
    r.clock.advance(2000)
    const second = await walkInto(r.connector, 'auditlog', archive, r.ctx())
    expect(second.inserted).toBe(5)
    expect(sorted(archive.events.keys())).toEqual(sorted(expectedIds(r.sim.events)))
  })

  it('a server serving smaller pages than asked is read to the end (a short first page is not the end)', async () => {
    const r = await start({ sim: { events: 100, seed: 3, maxPageSize: 15 }, pageSize: 40 })
    const archive = new MemoryArchive()
    await walkInto(r.connector, 'auditlog', archive, r.ctx())
    expect(archive.events.size).toBe(100)
    expect(auditRequests(r).map((request) => request.page)).toEqual([1, 2, 3, 4, 5, 6, 7])
  })

  it('an empty page may omit `logs` altogether (gRPC-gateway style)', async () => {
    const r = await start({ sim: { events: 80, seed: 3, emptyLogs: 'omitted' } })
    const archive = new MemoryArchive()
    await walkInto(r.connector, 'auditlog', archive, r.ctx())
    expect(archive.events.size).toBe(80)
    expect(archive.cursor).toMatchObject({ v: 1 })
    expect((archive.cursor as DockerHubCursor).run).toBeUndefined()
  })

  it('renews the bearer before its 10-minute expiry, and signs in again on a 401 when the clock runs past it', async () => {
    const r = await start({ sim: { events: 120, seed: 9 } })
    // A 9-minute rate-limit wait mid-walk moves the shared clock past the renewal age (8 min).
    r.sim.inject({ kind: 'rate-limit', header: 'retry-after', seconds: 540 }, { page: 2 })
    await walkInto(r.connector, 'auditlog', new MemoryArchive(), r.ctx())
    expect(r.sleeps).toEqual([540_000])
    expect(r.sim.tokensIssued).toBe(2)
    expect(r.sim.requests.some((request) => request.status === 401)).toBe(false)

    // A connector that would keep the bearer 20 minutes meets the expiry as a 401 and recovers once.
    const lazy = r.newConnector({ tokenRenewAfterMs: 20 * 60_000 })
    r.sim.inject({ kind: 'rate-limit', header: 'retry-after', seconds: 660 }, { page: 2 })
    const ctx = r.ctx()
    const archive = new MemoryArchive()
    await walkInto(lazy, 'auditlog', archive, ctx)
    expect(r.sim.requests.filter((request) => request.status === 401)).toHaveLength(1)
    expect(ctx.notices).toContainEqual({ type: 'reauthenticated' })
    expect(archive.events.size).toBe(120)
  })

  it('refuses a stored cursor that is not a Docker Hub cursor', async () => {
    const r = await start({ sim: { events: 3 } })
    const archive = new MemoryArchive()
    archive.cursor = { pageStart: 'abc' }
    const error = await expectAppError(walkInto(r.connector, 'auditlog', archive, r.ctx()), 'INVALID_INPUT', r.secrets())
    expect(error.message).toContain('acme-hub')
  })
})

describe('dockerhub sign-in and permissions', () => {
  it('a wrong token is AUTH_FAILED at the token endpoint, naming the user, never the token', async () => {
    const r = await start({ sim: { events: 3 } })
    const ctx = r.ctx()
    ctx.getToken = async () => 'dckr_pat_WRONGWRONGWRONG'
    const error = await expectAppError(walkInto(r.connector, 'auditlog', new MemoryArchive(), ctx), 'AUTH_FAILED', [
      ...r.secrets(),
      'dckr_pat_WRONGWRONGWRONG'
    ])
    expect(error.message).toMatch(/^acme-hub: docker hub did not accept the token for user "ci-bot" \(HTTP 401/)
  })

  it('403 is PERMISSION and names the scope and the plan', async () => {
    const r = await start({ sim: { events: 3, entitled: false } })
    const error = await expectAppError(walkInto(r.connector, 'auditlog', new MemoryArchive(), r.ctx()), 'PERMISSION', r.secrets())
    expect(error.message).toContain('scope-activity-read')
    expect(error.message).toMatch(/Team or Business/)
  })

  it('an unknown organisation is NOT_FOUND', async () => {
    const r = await start({ sim: { events: 3 }, accountOptions: { org: 'nobody' } })
    const error = await expectAppError(walkInto(r.connector, 'auditlog', new MemoryArchive(), r.ctx()), 'NOT_FOUND', r.secrets())
    expect(error.message).toContain('"nobody"')
  })

  it('testConnection signs in and reads one record', async () => {
    const r = await start({ sim: { events: 10, seed: 1 } })
    const result = await r.connector.testConnection(r.ctx())
    expect(result.details).toEqual([
      `signed in to 127.0.0.1:${r.sim.port} as ci-bot`,
      'organisation acme: audit log readable',
      `newest event: ${r.sim.events[0]!.timestamp}`
    ])
    expect(auditRequests(r).at(-1)?.query).toEqual({ page: '1', page_size: '1' })
  })

  it('testConnection on an empty log warns', async () => {
    const r = await start({ sim: { events: 0 } })
    const result = await r.connector.testConnection(r.ctx())
    expect(result.warnings).toEqual(['organisation acme: the audit log is empty'])
  })
})

describe('dockerhub account settings', () => {
  const account = (url: string, options: Record<string, unknown> = { org: 'acme', username: 'u' }, kind: Account['kind'] = 'dockerhub'): Account => ({
    id: 1,
    name: 'a1',
    kind,
    url,
    options,
    created_at: 0,
    updated_at: 0
  })

  it.each(['https://hub.docker.com', 'https://proxy.example/hub/', 'http://127.0.0.1:9', 'http://localhost:8080', 'http://[::1]:80', 'http://127.1.2.3'])(
    'accepts %s',
    (url) => {
      expect(createConnector(account(url)).kind).toBe('dockerhub')
    }
  )

  it.each([
    ['http://hub.docker.com', /https:\/\//],
    ['http://10.0.0.1', /https:\/\//],
    ['ftp://hub.docker.com', /https:\/\//],
    ['https://user:pw@hub.docker.com', /user name or password/],
    ['https://hub.docker.com/?x=1', /query/],
    ['not a url', /not a valid URL/]
  ])('refuses %s with INVALID_INPUT', (url, message) => {
    let caught: unknown
    try {
      createConnector(account(url))
    } catch (error) {
      caught = error
    }
    expect(caught).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(message) })
  })

  it('refuses bad options and kinds without a connector', () => {
    expect(() => createConnector(account('https://hub.docker.com', { org: 'acme' }))).toThrow(/"username" is invalid/)
    expect(() => createConnector(account('https://x.example', {}, 'file'))).toThrow('a file account has no source to sync')
  })
})

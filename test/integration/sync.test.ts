import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Account } from '../../src/shared/account'
import type { SyncProgress } from '../../src/shared/sync'
import { Archive } from '../../src/main/core/db/archive'
import { AppError } from '../../src/main/core/errors'
import type { Connector } from '../../src/main/core/sources/connector'
import { createConnector, type ConnectorDeps } from '../../src/main/core/sources/index'
import { envVarName } from '../../src/main/core/secrets/token-store'
import { syncAccount, syncAccounts } from '../../src/main/core/sync/sync-account'
import { makeRecord, seededRandom } from '../sim/dockerhub-events'
import { startDockerHubSim, type DockerHubSim, type DockerHubSimOptions, type SimFault, type SimRecord } from '../sim/dockerhub'
import { archivedRows, expectedSourceIds, recordMultiset, sameSecondCopies, sorted } from './fixtures/sync-expectations'
import { fixturePath, jsonLines, spawnTsx } from './fixtures/tsx-process'

/**
 * The sync engine against the real archive (SQLite in a temp folder) and the Docker Hub simulator
 * on a loopback port, through the real connector.
 */

interface Setup {
  dir: string
  file: string
  archive: Archive
  sim: DockerHubSim
  account: Account
  /** The connector asked to sleep this long (retries, rate limits); it did not really wait. */
  waits: number[]
  connector(deps?: ConnectorDeps): Connector
  getToken(): Promise<string>
}

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function setup(simOptions: DockerHubSimOptions, accountOptions: Record<string, unknown> = {}): Promise<Setup> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sync-test-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'archive.sqlite')
  const archive = Archive.open(file)
  cleanups.push(() => archive.close())
  const sim = await startDockerHubSim(simOptions)
  cleanups.push(() => sim.close())
  const account = archive.addAccount({
    name: 'hub',
    kind: 'dockerhub',
    url: sim.url,
    options: { org: sim.org, username: sim.identifier, ...accountOptions }
  })
  const waits: number[] = []
  return {
    dir,
    file,
    archive,
    sim,
    account,
    waits,
    connector: (deps = {}) =>
      createConnector(account, {
        sleep: async (ms, signal) => {
          if (signal?.aborted) throw new AppError('CANCELLED', 'cancelled')
          waits.push(ms)
        },
        timeoutMs: 5_000,
        idleTimeoutMs: 5_000,
        ...deps
      }),
    getToken: async () => sim.secret
  }
}

function sync(s: Setup, extra: { signal?: AbortSignal; onProgress?: (p: SyncProgress) => void; connector?: Connector } = {}) {
  return syncAccount({
    archive: s.archive,
    account: s.account,
    connector: extra.connector ?? s.connector(),
    getToken: () => s.getToken(),
    signal: extra.signal,
    onProgress: extra.onProgress
  })
}

function count(archive: Archive): number {
  return archive.countEvents({ includePull: true }).count
}

/** Asserts the archive holds exactly the simulator's events: each copy once, nothing else. */
function expectExactly(s: Setup): void {
  const rows = archivedRows(s.archive, s.account.name)
  expect(rows.length).toBe(s.sim.events.length)
  expect(recordMultiset(rows.map((row) => row.raw))).toEqual(recordMultiset(s.sim.events))
  expect(sorted(rows.map((row) => row.sourceEventId))).toEqual(sorted(expectedSourceIds(s.sim.events)))
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }
  throw new Error('expected the sync to fail')
}

describe('syncAccount against the Docker Hub simulator', () => {
  it('archives every event of the source, with running progress', async () => {
    const s = await setup({ events: 1050, seed: 7 })
    expect(sameSecondCopies(s.sim.events)).toBeGreaterThan(0)
    const progress: SyncProgress[] = []
    const summary = await sync(s, { onProgress: (p) => progress.push(p) })

    expect(summary).toMatchObject({ account: 'hub', inserted: 1050, duplicates: 0, status: 'ok' })
    expect(summary.pages).toBeGreaterThanOrEqual(11)
    expect(count(s.archive)).toBe(1050)
    expectExactly(s)

    expect(progress[0]).toEqual({ type: 'start', account: 'hub', stream: 'auditlog' })
    expect(progress.at(-1)).toEqual({ type: 'done', account: 'hub', summary })
    const pages = progress.filter((p) => p.type === 'page')
    expect(pages).toHaveLength(summary.pages)
    pages.forEach((page, i) => expect(page.pages).toBe(i + 1))
    for (let i = 1; i < pages.length; i++) expect(pages[i]!.inserted).toBeGreaterThanOrEqual(pages[i - 1]!.inserted)
    expect(pages.at(-1)).toMatchObject({ inserted: 1050, duplicates: 0 })

    expect(s.archive.lastSyncRun(s.account.id)).toMatchObject({
      status: 'ok',
      pages: summary.pages,
      inserted: 1050,
      duplicates: 0,
      error_code: null
    })
  })

  it('inserts nothing on a second run and re-reads only the overlap window', async () => {
    const overlapSeconds = 3600
    const s = await setup({ events: 400, seed: 11 }, { overlapSeconds })
    await sync(s)
    const highWater = Math.max(...s.sim.events.map((e) => Date.parse(e.timestamp)))
    const inOverlap = s.sim.events.filter((e) => Date.parse(e.timestamp) >= highWater - overlapSeconds * 1000).length
    // Otherwise "only the overlap" could not be told from "everything".
    expect(inOverlap).toBeGreaterThan(1)
    expect(inOverlap).toBeLessThan(400)

    const second = await sync(s)
    expect(second).toMatchObject({ inserted: 0, duplicates: inOverlap, status: 'ok' })
    expect(count(s.archive)).toBe(400)
    expectExactly(s)
  })

  it('picks up new events, identical copies in one second included, on the next run', async () => {
    const s = await setup({ events: 250, seed: 12 })
    await sync(s)
    const newest = Math.max(...s.sim.events.map((e) => Date.parse(e.timestamp)))
    const random = seededRandom(99)
    const a = makeRecord(random, s.sim.org, 'repo.tag.push', newest + 5_000)
    const b = makeRecord(random, s.sim.org, 'repo.tag.delete', newest + 9_000)
    const added: SimRecord[] = [a, { ...a, data: { ...a.data } }, { ...a, data: { ...a.data } }, b]
    s.sim.addEvents(added)

    const next = await sync(s)
    expect(next.inserted).toBe(4)
    expectExactly(s)
  })

  it('reports rate-limit and retry waits as progress, then completes', async () => {
    const s = await setup({ events: 350, seed: 13 })
    s.sim.inject({ kind: 'rate-limit', header: 'retry-after', seconds: 7 }, { page: 2 })
    s.sim.inject({ kind: 'server-error', status: 503, body: 'empty' }, { page: 3 })
    const progress: SyncProgress[] = []
    const summary = await sync(s, { onProgress: (p) => progress.push(p) })
    expect(summary.inserted).toBe(350)
    const waits = progress.filter((p) => p.type === 'waiting')
    expect(waits).toContainEqual({ type: 'waiting', account: 'hub', reason: 'rate-limit', ms: 7000 })
    expect(waits.some((w) => w.type === 'waiting' && w.reason === 'retry' && w.ms > 0)).toBe(true)
    expectExactly(s)
  })

  it('passes on the connector warning when the log shifts under it, and still archives exactly the source', async () => {
    const s = await setup({ events: 350, seed: 14 })
    const newest = Math.max(...s.sim.events.map((e) => Date.parse(e.timestamp)))
    // A late-ingested event inside the run's window pushes every later page down by one.
    const late = makeRecord(seededRandom(5), s.sim.org, 'repo.tag.push', newest - 1_000)
    s.sim.inject({ kind: 'add-events', records: [late] }, { page: 3 })
    const progress: SyncProgress[] = []
    await sync(s, { onProgress: (p) => progress.push(p) })
    expect(progress.some((p) => p.type === 'warning' && p.account === 'hub' && /shifted/.test(p.message))).toBe(true)
    expect(s.sim.events).toHaveLength(351)
    expectExactly(s)
  })

  const faults: Array<{ name: string; page: number; fault: SimFault; code: string }> = [
    { name: 'truncated JSON', page: 3, fault: { kind: 'truncated-json' }, code: 'BAD_RESPONSE' },
    { name: 'an HTML error page', page: 3, fault: { kind: 'html', status: 502 }, code: 'BAD_RESPONSE' },
    { name: 'a record without a timestamp', page: 2, fault: { kind: 'json', body: { logs: [{ action: 'repo.create' }] } }, code: 'BAD_RESPONSE' },
    { name: 'HTTP 400', page: 4, fault: { kind: 'status', status: 400 }, code: 'BAD_RESPONSE' },
    { name: 'a 401 on the very first page', page: 1, fault: { kind: 'unauthorized' }, code: 'AUTH_FAILED' }
  ]
  for (const { name, page, fault, code } of faults) {
    it(`leaves the archive as the last good page left it on ${name} (page ${page}), then resumes`, async () => {
      const s = await setup({ events: 450, seed: 21 })
      s.sim.inject(fault, { page, times: Infinity })
      let lastGood = { rows: count(s.archive), cursor: s.archive.getCursor(s.account.id, 'auditlog') }
      const progress: SyncProgress[] = []
      const error = await rejection(
        sync(s, {
          onProgress: (p) => {
            progress.push(p)
            if (p.type === 'page') lastGood = { rows: count(s.archive), cursor: s.archive.getCursor(s.account.id, 'auditlog') }
          }
        })
      )
      expect(error.code).toBe(code)
      expect(error.account).toBe('hub')
      expect(error.message).not.toContain(s.sim.secret)
      expect(progress.at(-1)).toEqual({ type: 'error', account: 'hub', error: error.toInfo() })

      // Exactly the pages before the bad one: its events and cursor were not written.
      expect(count(s.archive)).toBe((page - 1) * 100)
      expect(lastGood.rows).toBe((page - 1) * 100)
      expect(s.archive.getCursor(s.account.id, 'auditlog')).toEqual(lastGood.cursor)
      expect(s.archive.lastSyncRun(s.account.id)).toMatchObject({ status: 'failed', error_code: code, pages: page - 1 })

      s.sim.clearFaults()
      const resumed = await sync(s)
      expect(resumed.inserted).toBe(450 - (page - 1) * 100)
      expectExactly(s)
    })
  }

  it('rejects a whole page when one record cannot be normalised', async () => {
    const s = await setup({ events: 300, seed: 31 })
    const real = s.connector()
    let calls = 0
    const failing: Connector = {
      kind: real.kind,
      streams: () => real.streams(),
      pages: (stream, cursor, ctx) => real.pages(stream, cursor, ctx),
      testConnection: (ctx) => real.testConnection(ctx),
      normalise: (stream, raw) => {
        calls += 1
        if (calls === 150) throw new AppError('BAD_RESPONSE', 'hub: the record has no readable action')
        return real.normalise(stream, raw)
      }
    }
    let afterFirst: unknown
    const error = await rejection(
      sync(s, {
        connector: failing,
        onProgress: (p) => {
          if (p.type === 'page' && p.pages === 1) afterFirst = s.archive.getCursor(s.account.id, 'auditlog')
        }
      })
    )
    expect(error.code).toBe('BAD_RESPONSE')
    expect(error.message).toContain('record 50 of page 2')
    expect(count(s.archive)).toBe(100)
    expect(s.archive.getCursor(s.account.id, 'auditlog')).toEqual(afterFirst)
  })

  it('rejects a page whose normalised record breaks the event model', async () => {
    const s = await setup({ events: 120, seed: 32 })
    const real = s.connector()
    const lying: Connector = {
      kind: real.kind,
      streams: () => real.streams(),
      pages: (stream, cursor, ctx) => real.pages(stream, cursor, ctx),
      testConnection: (ctx) => real.testConnection(ctx),
      normalise: (stream, raw) => ({ ...real.normalise(stream, raw), verb: 'PUSH' as never })
    }
    const error = await rejection(sync(s, { connector: lying }))
    expect(error.code).toBe('BAD_RESPONSE')
    expect(error.message).toContain('unknown verb PUSH')
    expect(count(s.archive)).toBe(0)
    expect(s.archive.getCursor(s.account.id, 'auditlog')).toBeNull()
  })

  it('stops on cancel with status cancelled, keeping whole pages only, and frees the lock', async () => {
    const s = await setup({ events: 500, seed: 41, pageDelayMs: 50 })
    const controller = new AbortController()
    const error = await rejection(
      sync(s, {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.type === 'page' && p.pages === 2) controller.abort()
        }
      })
    )
    expect(error.code).toBe('CANCELLED')
    expect(error.account).toBe('hub')
    expect(count(s.archive)).toBe(200)
    expect(s.archive.lastSyncRun(s.account.id)).toMatchObject({ status: 'cancelled', error_code: 'CANCELLED', pages: 2 })

    const already = new AbortController()
    already.abort()
    expect((await rejection(sync(s, { signal: already.signal }))).code).toBe('CANCELLED')

    const rest = await sync(s)
    expect(rest.inserted).toBe(300)
    expectExactly(s)
  })
})

describe('one sync per account', () => {
  it('refuses a second sync of the account in the same process, also through another archive handle', async () => {
    const s = await setup({ events: 300, seed: 51, pageDelayMs: 100 })
    const progress: SyncProgress[] = []
    const first = sync(s)
    const busy = await rejection(sync(s, { onProgress: (p) => progress.push(p) }))
    expect(busy.code).toBe('SYNC_BUSY')
    expect(busy.message).toBe(`a sync of hub is already running (pid ${process.pid})`)
    expect(progress).toEqual([{ type: 'error', account: 'hub', error: busy.toInfo() }])

    const other = Archive.open(s.file)
    try {
      const viaOther = await rejection(
        syncAccount({ archive: other, account: s.account, connector: s.connector(), getToken: () => s.getToken() })
      )
      expect(viaOther.code).toBe('SYNC_BUSY')
    } finally {
      other.close()
    }

    expect((await first).inserted).toBe(300)
    // Released: the next run goes ahead.
    expect((await sync(s)).status).toBe('ok')
  })

  it('refuses a second sync of the account from another process, and takes turns after', async () => {
    const s = await setup({ events: 400, seed: 52, pageDelayMs: 250 })
    const env = { ...process.env, [envVarName('hub')]: s.sim.secret }
    const args = [s.file, s.sim.url, 'hub', s.sim.org, s.sim.identifier]
    const holder = spawnTsx(fixturePath('sync-child.ts'), args, env)
    cleanups.push(() => {
      holder.kill('SIGKILL')
    })
    const holderOut = jsonLines(holder)
    await holderOut.waitFor((line) => (line as { type?: string }).type === 'start')

    // This process...
    const here = await rejection(sync(s))
    expect(here.code).toBe('SYNC_BUSY')
    expect(here.message).toBe(`a sync of hub is already running (pid ${holder.pid})`)

    // ...and a third process are both turned away while the first one runs.
    const second = spawnTsx(fixturePath('sync-child.ts'), args, env)
    const secondOut = jsonLines(second)
    const secondExit = (await secondOut.waitFor((line) => (line as { type?: string }).type === 'exit')) as {
      ok: boolean
      error?: { code: string }
    }
    expect(secondExit).toMatchObject({ ok: false, error: { code: 'SYNC_BUSY' } })
    expect((await secondOut.exited).code).toBe(1)

    const holderExit = (await holderOut.waitFor((line) => (line as { type?: string }).type === 'exit')) as {
      ok: boolean
      summary?: { inserted: number }
    }
    expect(holderExit).toMatchObject({ ok: true, summary: { inserted: 400 } })
    expect((await holderOut.exited).code).toBe(0)

    const after = await sync(s)
    expect(after).toMatchObject({ status: 'ok', inserted: 0 })
    expectExactly(s)
  })
})

describe('syncAccounts', () => {
  it('goes on with the other accounts when one fails, and says which failed and why', async () => {
    const s = await setup({ events: 150, seed: 61 })
    const wrongOrg = s.archive.addAccount({
      name: 'gone',
      kind: 'dockerhub',
      url: s.sim.url,
      options: { org: 'no-such-org', username: s.sim.identifier }
    })
    const unsupported = s.archive.addAccount({ name: 'file1', kind: 'file', url: 'https://file.invalid', options: {} })
    const progress: SyncProgress[] = []
    const results = await syncAccounts({
      archive: s.archive,
      accounts: [wrongOrg, unsupported, s.account],
      createConnector: (account) =>
        createConnector(account, { sleep: async () => {}, timeoutMs: 5_000, idleTimeoutMs: 5_000 }),
      getToken: async () => s.sim.secret,
      onProgress: (p) => progress.push(p)
    })

    expect(results.map((r) => [r.account, r.ok])).toEqual([
      ['gone', false],
      ['file1', false],
      ['hub', true]
    ])
    const [gone, harbor, hub] = results
    expect(gone).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' }, summary: { status: 'failed', inserted: 0 } })
    expect(harbor).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' }, summary: { status: 'failed' } })
    expect(hub).toMatchObject({ ok: true, summary: { inserted: 150, status: 'ok' } })
    expect(progress.filter((p) => p.type === 'error').map((p) => p.account)).toEqual(['gone', 'file1'])
    expect(s.archive.lastSyncRun(wrongOrg.id)).toMatchObject({ status: 'failed', error_code: 'NOT_FOUND' })
    expectExactly(s)
  })

  it('reports the accounts after a cancel as cancelled without starting them', async () => {
    const s = await setup({ events: 100, seed: 62 })
    const second = s.archive.addAccount({
      name: 'hub2',
      kind: 'dockerhub',
      url: s.sim.url,
      options: { org: s.sim.org, username: s.sim.identifier }
    })
    const controller = new AbortController()
    const results = await syncAccounts({
      archive: s.archive,
      accounts: [s.account, second],
      createConnector: (account) => createConnector(account),
      getToken: async () => s.sim.secret,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.type === 'done') controller.abort()
      }
    })
    expect(results).toMatchObject([
      { account: 'hub', ok: true },
      { account: 'hub2', ok: false, error: { code: 'CANCELLED' }, summary: { status: 'cancelled', pages: 0 } }
    ])
    expect(s.archive.lastSyncRun(second.id)).toBeUndefined()
  })
})

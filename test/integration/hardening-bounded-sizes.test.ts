import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Account } from '../../src/shared/account'
import { Archive } from '../../src/main/core/db/archive'
import { AppError } from '../../src/main/core/errors'
import { importFile } from '../../src/main/core/import/import-file'
import { HTTP_DEFAULTS, httpRequest } from '../../src/main/core/net/http-client'
import type { Connector } from '../../src/main/core/sources/connector'
import { MAX_RECORD_CHARS, MAX_RECORDS_PER_PAGE } from '../../src/main/core/sources/dockerhub-page'
import { MAX_CHANGES_PER_PAGE, parseChangefeedPage } from '../../src/main/core/sources/notary-changefeed'
import { syncAccount } from '../../src/main/core/sync/sync-account'
import { generateDockerHubEvents } from '../sim/dockerhub-events'
import { generateQuayLogs, toWireLog } from '../sim/quay-events'
import { startDockerHubRig } from './dockerhub-rig'
import { startHarborRig } from './harbor-rig'
import { startIbmRig } from './ibm-rig'
import { startMsrRig } from './msr-rig'
import { startQuayRig } from './quay-rig'

/**
 * Bounded sizes (issue 6 §5): a 1 GiB answer, a page of a million items and a record over the size
 * limit, each served by a source's simulator to the real connector and sync engine over a real
 * archive. Each is refused with a clear BAD_RESPONSE, nothing of it is stored, and memory stays
 * bounded: the process's peak RSS during the refused gigabyte is measured against the RSS before.
 */

const GIB = 1024 ** 3
/** Peak RSS growth allowed while a 1 GiB answer is refused: the 32 MiB body cap, with room for GC slack. */
const RSS_GROWTH_LIMIT = 256 * 1024 * 1024

type Kind = 'dockerhub' | 'msr' | 'harbor' | 'ibm' | 'quay'

/** One source's simulator and connector, and the route its pages come from. */
interface Source {
  kind: Kind
  account: Account
  connector: Connector
  token: string
  inject(fault: unknown): void
  /** A page body holding `items` as its records, in the source's page shape. */
  page(items: unknown[]): { kind: string; body: unknown } | { kind: 'sse'; body: string }
  close(): Promise<void>
}

async function startSource(kind: Kind): Promise<Source> {
  switch (kind) {
    case 'dockerhub': {
      const rig = await startDockerHubRig({ sim: { events: 30 } })
      return {
        kind,
        account: rig.account,
        connector: rig.connector,
        token: rig.sim.secret,
        inject: (fault) => rig.sim.inject(fault as never, { route: 'auditlogs', times: Infinity }),
        page: (items) => ({ kind: 'json', body: { logs: items } }),
        close: () => rig.close()
      }
    }
    case 'msr': {
      const rig = await startMsrRig({ sim: { events: 30 } })
      return {
        kind,
        account: rig.account,
        connector: rig.connector,
        token: rig.user.secret,
        inject: (fault) => rig.sim.inject(fault as never, { route: 'events', times: Infinity }),
        page: (items) => ({ kind: 'json', body: { events: items } }),
        close: () => rig.close()
      }
    }
    case 'harbor': {
      const rig = await startHarborRig({ sim: { events: 30 } })
      return {
        kind,
        account: rig.account,
        connector: rig.connector,
        token: rig.user.secret,
        inject: (fault) => rig.sim.inject(fault as never, { route: 'auditlog-exts', times: Infinity }),
        page: (items) => ({ kind: 'json', body: items }),
        close: () => rig.close()
      }
    }
    case 'ibm': {
      const rig = await startIbmRig({ sim: { events: 30 } })
      return {
        kind,
        account: rig.account,
        connector: rig.connector,
        token: rig.secrets()[0]!,
        inject: (fault) => rig.sim.inject(fault as never, { route: 'query', times: Infinity }),
        page: (items) => ({ kind: 'sse', body: `data: ${JSON.stringify({ result: { results: items.map((item) => ({ user_data: JSON.stringify(item) })) } })}\n\n` }),
        close: () => rig.close()
      }
    }
    case 'quay': {
      const rig = await startQuayRig({ sim: { logs: 30 } })
      return {
        kind,
        account: rig.account,
        connector: rig.connector,
        token: rig.token.token,
        inject: (fault) => rig.sim.inject(fault as never, { route: 'logs', times: Infinity }),
        page: (items) => ({ kind: 'json', body: { start_time: 'Mon, 02 Jun 2025 00:00:00 -0000', end_time: 'Tue, 03 Jun 2025 00:00:00 -0000', logs: items } }),
        close: () => rig.close()
      }
    }
  }
}

let dir: string

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'bounded-sizes-'))
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** A fresh archive with the source's account, synced once normally. */
async function syncedArchive(source: Source): Promise<{ archive: Archive; account: Account; sync(): Promise<unknown> }> {
  const archive = Archive.open(path.join(dir, `${source.kind}-${Date.now()}-${Math.random().toString(36).slice(2)}.sqlite`))
  const stored = archive.addAccount({ name: source.account.name, kind: source.account.kind, url: source.account.url, options: source.account.options })
  const account = { ...source.account, id: stored.id }
  const sync = () => syncAccount({ archive, account, connector: source.connector, getToken: async () => source.token })
  await sync()
  return { archive, account, sync }
}

/** The account's events (ids and raw records) and the cursor of every stream: what a refused answer must leave alone. */
function snapshot(archive: Archive, account: Account, connector: Connector): string {
  const events = [...archive.iterateEvents({ includePull: true, account: { any: [account.name] } })].map((event) => `${event.source_event_id} ${event.raw}`)
  const cursors = connector.streams().map((stream) => archive.getCursor(account.id, stream))
  return JSON.stringify({ events: events.sort(), cursors })
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown
  )
  expect(error, 'the sync should have failed').toBeInstanceOf(AppError)
  return error as AppError
}

function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

/** Runs `work` while sampling this process's RSS every few ms; the peak growth over the RSS before. */
async function peakRssGrowth(work: () => Promise<unknown>): Promise<number> {
  globalThis.gc?.()
  const before = process.memoryUsage().rss
  let peak = before
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }, 5)
  try {
    await work()
  } finally {
    clearInterval(sampler)
    peak = Math.max(peak, process.memoryUsage().rss)
  }
  return peak - before
}

const KINDS: Kind[] = ['dockerhub', 'msr', 'harbor', 'ibm', 'quay']
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

describe('a 1 GiB answer', () => {
  it.each(KINDS)('from %s is refused at the body cap, stores nothing, and memory stays bounded', async (kind) => {
    const source = await startSource(kind)
    try {
      const { archive, account, sync } = await syncedArchive(source)
      const before = snapshot(archive, account, source.connector)
      source.inject({ kind: 'huge-body', bytes: GIB })
      let error: AppError | undefined
      const growth = await peakRssGrowth(async () => {
        error = await refusal(sync())
      })
      expect(error!.code).toBe('BAD_RESPONSE')
      expect(error!.message).toMatch(/response too large \(over 32 MiB\)/)
      expect(snapshot(archive, account, source.connector)).toBe(before)
      console.info(`${kind}: 1 GiB answer refused; peak RSS growth ${mib(growth)}`)
      expect(growth).toBeLessThan(RSS_GROWTH_LIMIT)
      archive.close()
    } finally {
      await source.close()
    }
  })

  it('trickled a byte at a time, never idle and never at the cap, ends at the body deadline', async () => {
    // Never idle long enough for the idle timeout, and a gigabyte at this pace takes years: only a
    // deadline on the whole body ends it (HTTP_DEFAULTS.bodyTimeoutMs, 10 minutes; shortened here).
    const server = http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(GIB) })
      response.write('{"logs":[')
      const timer = setInterval(() => response.write(' '), 20)
      response.on('close', () => clearInterval(timer))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      const started = Date.now()
      const error = await refusal(
        httpRequest({ method: 'GET', url: `http://127.0.0.1:${port}/v2/auditlogs/acme`, account: 'acme', idleTimeoutMs: 1000, bodyTimeoutMs: 1500, maxBodyBytes: GIB * 2 })
      )
      expect(error.code).toBe('TIMEOUT')
      expect(error.message).toBe(`acme: 127.0.0.1:${port} was still sending the response after 1.5 s`)
      expect(Date.now() - started).toBeLessThan(10_000)
      expect(HTTP_DEFAULTS.bodyTimeoutMs).toBe(10 * 60_000)
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('declared in Content-Length is refused before its body is read', async () => {
    const source = await startSource('dockerhub')
    try {
      const { archive, account, sync } = await syncedArchive(source)
      source.inject({ kind: 'huge-body', bytes: GIB, declare: true })
      const started = Date.now()
      const error = await refusal(sync())
      expect(error.message).toMatch(/response too large/)
      expect(Date.now() - started).toBeLessThan(5_000)
      expect(archive.countEvents({ includePull: true, account: { any: [account.name] } }).count).toBeGreaterThan(0)
      archive.close()
    } finally {
      await source.close()
    }
  })
})

describe('a page of a million items', () => {
  it.each(['dockerhub', 'msr', 'harbor', 'quay'] as const)('from %s is refused by its count, before any item is read', async (kind) => {
    const source = await startSource(kind)
    try {
      const { archive, account, sync } = await syncedArchive(source)
      const before = snapshot(archive, account, source.connector)
      source.inject(source.page(Array.from({ length: 1_000_000 }, (_, i) => i)))
      const error = await refusal(sync())
      expect(error.code).toBe('BAD_RESPONSE')
      expect(error.message).toMatch(new RegExp(`1000000 (records|events)[^;]*more than (the )?${MAX_RECORDS_PER_PAGE}`))
      expect(snapshot(archive, account, source.connector)).toBe(before)
      archive.close()
    } finally {
      await source.close()
    }
  })

  it('of notary changes is refused by its count (parseChangefeedPage, shared by notary and MSR trust)', () => {
    const records = Array.from({ length: 1_000_000 }, (_, i) => ({ ID: String(i), CreatedAt: '2025-06-01T00:00:00Z', GUN: 'docker.io/library/alpine', Category: 'update' }))
    const error = thrown(() => parseChangefeedPage({ count: records.length, records }, { account: 'n', host: 'notary.example', feed: 'the trust changefeed' }))
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).message).toBe(`n: bad response from notary.example for the trust changefeed: 1000000 records in one answer is more than ${MAX_CHANGES_PER_PAGE}`)
  })

  it('of IBM Cloud Logs rows is refused by the body cap (a million readable events do not fit), storing nothing', async () => {
    const source = await startSource('ibm')
    try {
      const { archive, account, sync } = await syncedArchive(source)
      const before = snapshot(archive, account, source.connector)
      const event = { action: 'container-registry.image.pull', eventTime: '2025-06-01T11:59:00.00+0000', outcome: 'success' }
      source.inject(source.page(Array.from({ length: 1_000_000 }, () => event)))
      const error = await refusal(sync())
      expect(error.code).toBe('BAD_RESPONSE')
      expect(error.message).toMatch(/response too large/)
      expect(snapshot(archive, account, source.connector)).toBe(before)
      archive.close()
    } finally {
      await source.close()
    }
  })
})

describe('a record over the size limit', () => {
  it('from Docker Hub is refused naming the record, and its page is not stored', async () => {
    const source = await startSource('dockerhub')
    try {
      const { archive, account, sync } = await syncedArchive(source)
      const before = snapshot(archive, account, source.connector)
      const [fine, big] = generateDockerHubEvents(2, 99, { org: 'acme' }).map((record) => ({ ...record, timestamp: '2025-06-01T11:59:00Z' }))
      source.inject(source.page([fine, { ...big, action_description: 'x'.repeat(MAX_RECORD_CHARS) }]))
      const error = await refusal(sync())
      expect(error.message).toMatch(/record 2 of page 1 is larger than 1 MiB/)
      expect(snapshot(archive, account, source.connector)).toBe(before)
      archive.close()
    } finally {
      await source.close()
    }
  })

  it('from Quay is refused naming the record, and its page is not stored', async () => {
    const source = await startSource('quay')
    try {
      const { archive, account, sync } = await syncedArchive(source)
      const before = snapshot(archive, account, source.connector)
      const log = toWireLog(generateQuayLogs(1, 5)[0]!, (name) => `${name}@example.com`)
      source.inject(source.page([{ ...log, metadata: { ...(log['metadata'] as object), note: 'x'.repeat(MAX_RECORD_CHARS) } }]))
      const error = await refusal(sync())
      expect(error.message).toMatch(/record 1 is larger than 1 MiB/)
      expect(snapshot(archive, account, source.connector)).toBe(before)
      archive.close()
    } finally {
      await source.close()
    }
  })

  it('in an import file is rejected with its line, and the rows around it import', async () => {
    const archive = Archive.open(path.join(dir, 'import.sqlite'))
    archive.addAccount({ name: 'hub', kind: 'dockerhub', url: 'https://hub.docker.com', options: { org: 'acme', username: 'x' } })
    const [a, b, c] = generateDockerHubEvents(3, 3, { org: 'acme' })
    const file = path.join(dir, 'big-row.jsonl')
    writeFileSync(file, [a, { ...b, action_description: 'y'.repeat(5 * 1024 * 1024) }, c].map((row) => JSON.stringify(row)).join('\n'))
    const report = await importFile({ archive, account: 'hub', file })
    expect(report).toMatchObject({ rows: 3, imported: 2, rejected: 1 })
    expect(report.rejections).toEqual([{ line: 2, reason: 'longer than 4,194,304 characters, the most one row may hold' }])
    archive.close()
  })
})

import Database from 'better-sqlite3'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { threadId } from 'node:worker_threads'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type ContractResult, type MethodName } from '../../src/shared/contract'
import type { SyncProgress } from '../../src/shared/sync'
import { archivePath } from '../../src/main/core/paths'
import { startBrowserServer, type BrowserServer } from '../../src/main/server/browser-server'
import { startContractRig, type ContractRig } from './fixtures/contract-rig'
import { callApi } from './browser-api'

/**
 * DESIGN.md §7: the core stays responsive to queries while a sync writes. In the app's core
 * (CoreRuntime, here behind the browser transport) a sync's pages are written by a PageWriter on a
 * thread and connection of their own. The check is logical, not timed: this test takes the
 * archive's write lock itself right after the first page, so the next page's write must wait for
 * it. Written on the thread that serves the UI, that wait would hold the thread (and this test,
 * which shares it) until SQLite's busy timeout failed the sync with ARCHIVE_LOCKED; written on
 * the writer's thread, the write stays pending while the UI's queries are answered, and goes
 * through once the lock is let go.
 */

const EVENTS = 3000

let rig: ContractRig
let server: BrowserServer
let rendererDir: string

beforeAll(async () => {
  rig = await startContractRig({ events: EVENTS, sim: { maxPageSize: 100 }, runtime: { transport: 'browser' } })
  rendererDir = mkdtempSync(path.join(os.tmpdir(), 'registry-audit-renderer-'))
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Registry Audit Viewer</title>')
  server = await startBrowserServer({ runtime: rig.runtime, rendererDir })
}, 60_000)

afterAll(async () => {
  await server?.close()
  await rig?.close()
  if (rendererDir !== undefined) rmSync(rendererDir, { recursive: true, force: true })
})

function value<M extends MethodName>(method: M, input?: unknown): Promise<ContractResult<M>> {
  return callApi(server, method, input)
}

/** Waits, turn by turn of this thread's event loop, until `condition` holds. */
async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

it('a sync through the app core writes its pages on another thread: queries are answered while a page write waits', async () => {
  await value('addAccount', rig.accountInput('hub'))
  const writer = rig.runtime.pageWriter
  const lockHolder = new Database(archivePath(rig.dataDir), { timeout: 0 })
  const progress: SyncProgress[] = []
  let lockArmed = false
  let lockTaken = false
  let rowsAtLock = -1
  const stop = rig.runtime.events.on((event, payload) => {
    if (event !== 'sync:progress') return
    const update = payload as SyncProgress
    progress.push(update)
    // Right after the first page (and the lock heartbeat the run writes after each page, on the
    // core's thread), before the next page has come from the network: its write must wait.
    if (update.type === 'page' && !lockArmed) {
      lockArmed = true
      setImmediate(() => {
        lockHolder.prepare('BEGIN IMMEDIATE').run()
        lockTaken = true
        rowsAtLock = lockHolder.prepare('SELECT count(*) FROM events').pluck().get() as number
      })
    }
  })
  const ended = (): boolean => progress.some((p) => p.type === 'done' || p.type === 'error')
  try {
    expect(await value('startSync', { names: ['hub'] })).toEqual({ started: ['hub'], alreadyRunning: [] })
    await until(() => (lockTaken && writer.inFlight > 0) || ended(), 'a page write waiting on the lock, or the end of the sync')
    // Not ended by ARCHIVE_LOCKED: this thread was free to see the write pending.
    expect(progress.filter((p) => p.type === 'error')).toEqual([])
    expect(writer.inFlight).toBe(1)
    expect(writer.threadId).toBeDefined()
    expect(writer.threadId).not.toBe(threadId)
    expect(progress.filter((p) => p.type === 'page')).toMatchObject([{ pages: 1, inserted: rowsAtLock }])

    // The UI's queries are answered while the page write waits, and see what is committed.
    const count = await value('countEvents', { query: { includePull: true } })
    expect(count).toMatchObject({ count: rowsAtLock, exact: true })
    const page = await value('queryEvents', { query: { includePull: true }, limit: 50 })
    expect(page.rows).toHaveLength(50)
    const status = await value('syncStatus')
    expect(status.find((s) => s.account === 'hub')).toMatchObject({ running: true, progress: { type: 'page', pages: 1 } })
    // Still waiting: the answers above did not wait for the write, nor it for them.
    expect(writer.inFlight).toBe(1)
    expect(ended()).toBe(false)

    lockHolder.prepare('ROLLBACK').run()
    await until(ended, 'the end of the sync')
    expect(progress.at(-1)).toMatchObject({ type: 'done', summary: { status: 'ok', inserted: EVENTS, duplicates: 0 } })
    expect(writer.inFlight).toBe(0)
    // Each write's rows are there for the core's own connection once it resolved.
    expect(await value('countEvents', { query: { includePull: true } })).toMatchObject({ count: EVENTS, exact: true })
    const pages = progress.filter((p): p is Extract<SyncProgress, { type: 'page' }> => p.type === 'page')
    expect(pages.map((p) => p.inserted)).toEqual(pages.map((_, i) => Math.min(EVENTS, (i + 1) * 100)))
    expect((await value('verifyArchive')).intact).toBe(true)
    // A second sync finds every event already stored: the cursor went with each page.
    progress.length = 0
    await value('startSync', { names: ['hub'] })
    await until(ended, 'the end of the second sync')
    expect(progress.at(-1)).toMatchObject({ type: 'done', summary: { status: 'ok', inserted: 0 } })
  } finally {
    stop()
    if (lockHolder.inTransaction) lockHolder.prepare('ROLLBACK').run()
    lockHolder.close()
  }
}, 120_000)

it('closing the core ends the page writer thread', async () => {
  const writer = rig.runtime.pageWriter
  expect(writer.threadId).toBeDefined()
  await rig.runtime.close()
  expect(writer.threadId).toBeUndefined()
  await expect(writer.write(1, 'audit', [], null)).rejects.toMatchObject({ code: 'CANCELLED' })
})

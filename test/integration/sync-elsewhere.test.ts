import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  contract,
  type AccountSyncState,
  type ContractResult,
  type MethodName,
  type SyncElsewhere,
  type SyncRunSummary
} from '../../src/shared/contract'
import type { Result } from '../../src/shared/errors'
import { INTERRUPTED_RUN_MESSAGE } from '../../src/shared/sync'
import { createContractHandlers, dispatchCall, type ContractHandlers } from '../../src/main/core/api-handlers'
import { CoreRuntime } from '../../src/main/core/core-runtime'
import { AppError } from '../../src/main/core/errors'
import { SYNC_LOCK_STALE_MS } from '../../src/main/core/db/sync-lock'
import { envVarName, KEYCHAIN_SERVICE, TokenStore } from '../../src/main/core/secrets/token-store'
import { startDockerHubSim, type DockerHubSim } from '../sim/dockerhub'
import { BIN, cleanEnv, killChildren, REPO_ROOT, runCli } from './cli-helpers'

/**
 * sync:status tells the sync panel who runs an account's last run still recorded as 'running':
 * this process, another live process holding the account's sync lock (here a real
 * `registry-audit sync` child, stalled on a page of the simulator), or nobody, because that
 * process was killed with SIGKILL; and the panel's wording follows (interrupted, never "running").
 */

const ACCOUNT = 'hub'
/** Longer than any test here: a stalled page answers only when the simulator closes. */
const STALL_MS = 10 * 60_000

let sim: DockerHubSim
let dataDir: string
let runtime: CoreRuntime
let handlers: ContractHandlers
const children: ChildProcess[] = []

beforeEach(async () => {
  sim = await startDockerHubSim({ events: 300, seed: 23, maxPageSize: 100 })
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'sync-elsewhere-'))
  runtime = new CoreRuntime({
    dataDir,
    // The token from the environment: nothing is written to a keychain.
    tokenStore: new TokenStore({ service: `${KEYCHAIN_SERVICE}-elsewhere-${process.pid}`, env: { [envVarName(ACCOUNT)]: sim.secret } }),
    version: '0.0.0-test',
    transport: 'browser',
    autoSync: false
  })
  runtime.service.addAccount({ name: ACCOUNT, kind: 'dockerhub', url: sim.url, options: { org: sim.org, username: sim.identifier } })
  handlers = createContractHandlers(runtime, {
    runExport: () => Promise.reject(new AppError('INTERNAL', 'no exports in this test'))
  })
})

afterEach(async () => {
  await killChildren(children)
  await runtime.close()
  await sim.close()
  rmSync(dataDir, { recursive: true, force: true })
})

async function value<M extends MethodName>(method: M, input?: unknown): Promise<ContractResult<M>> {
  const result = (await dispatchCall(handlers, contract[method].channel, input)) as Result<ContractResult<M>>
  if (!result.ok) throw new Error(`${method} failed: ${result.error.code} ${result.error.message}`)
  return result.value
}

async function hubState(): Promise<AccountSyncState> {
  const state = (await value('syncStatus')).find((entry) => entry.account === ACCOUNT)
  if (state === undefined) throw new Error('sync:status has no state for the account')
  return state
}

/**
 * The sync card's wording (src/renderer/src/lib/last-sync-text.ts). The renderer is type-checked
 * in its own project (tsconfig.web.json), which this file is not part of, so the module is loaded
 * by URL and its signature restated; a drift fails these tests when they run.
 */
type LastSyncText = (
  run: SyncRunSummary | null,
  runner: { here: boolean; elsewhere: SyncElsewhere | null | undefined },
  now: number
) => string
const LAST_SYNC_TEXT = new URL('../../src/renderer/src/lib/last-sync-text.ts', import.meta.url).href
const { lastSyncText } = (await import(LAST_SYNC_TEXT)) as { lastSyncText: LastSyncText }

/** What the sync card's "Last sync" line says for this state. */
function cardText(state: AccountSyncState, now: number): string {
  return lastSyncText(state.lastRun, { here: state.running, elsewhere: state.elsewhere }, now)
}

async function until(ready: () => boolean, what: string, detail: () => string = () => '', timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${detail()}`)
    await delay(20)
  }
}

const pageRequests = (page: number): number =>
  sim.requests.filter((request) => request.route === 'auditlogs' && request.query['page'] === String(page)).length

/** Every run of the account, oldest first, read through a connection of our own. */
function recordedRuns(): Array<{ status: string; error_message: string | null }> {
  const db = new Database(path.join(dataDir, 'archive.sqlite'), { readonly: true, timeout: 5000 })
  try {
    return db.prepare('SELECT status, error_message FROM sync_runs ORDER BY id').all() as Array<{ status: string; error_message: string | null }>
  } finally {
    db.close()
  }
}

/** The pid in the account's lock row, whether that process lives or not. */
function lockHolderPid(): number | undefined {
  const db = new Database(path.join(dataDir, 'archive.sqlite'), { readonly: true, timeout: 5000 })
  try {
    return db.prepare('SELECT pid FROM sync_locks').pluck().get() as number | undefined
  } finally {
    db.close()
  }
}

/** Writes the account's lock row as another process would have left it. */
function writeLockRow(row: { pid: number; host: string; acquiredAt: number; heartbeatAt: number }): void {
  const db = new Database(path.join(dataDir, 'archive.sqlite'), { timeout: 5000 })
  try {
    const id = db.prepare('SELECT id FROM accounts WHERE name = ?').pluck().get(ACCOUNT) as number
    db.prepare(
      `INSERT INTO sync_locks (account_id, pid, host, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (account_id) DO UPDATE SET pid = excluded.pid, host = excluded.host,
         acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at`
    ).run(id, row.pid, row.host, row.acquiredAt, row.heartbeatAt)
  } finally {
    db.close()
  }
}

describe('a last run still recorded as running', () => {
  it('is reported running in the CLI process that holds the lock, then interrupted once that process is killed', async () => {
    // The CLI's walk stops on page 2, after page 1 is written: it holds the lock and its run is open.
    sim.inject({ kind: 'slow', delayMs: STALL_MS }, { page: 2, times: Infinity })
    const spawnedAt = Date.now()
    const child = spawn(process.execPath, [BIN, '--data-dir', dataDir, 'sync', ACCOUNT], {
      cwd: REPO_ROOT,
      env: cleanEnv({ [envVarName(ACCOUNT)]: sim.secret }),
      stdio: ['ignore', 'pipe', 'pipe']
    })
    children.push(child)
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.stdout.resume()
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)))
    await until(
      () => pageRequests(2) > 0 || child.exitCode !== null,
      'the CLI to ask for page 2',
      () => `; CLI stderr: ${stderr}`
    )
    expect(child.exitCode, stderr).toBeNull()

    const busy = await hubState()
    const readAt = Date.now()
    expect(busy).toMatchObject({ running: false, lastRun: { status: 'running', finished_at: null } })
    expect(busy.elsewhere).toEqual({
      pid: child.pid,
      host: os.hostname(),
      sameHost: true,
      since: expect.any(Number),
      heartbeatAt: expect.any(Number)
    })
    expect(busy.elsewhere!.since).toBeGreaterThanOrEqual(spawnedAt)
    expect(busy.elsewhere!.heartbeatAt).toBeGreaterThanOrEqual(busy.elsewhere!.since)
    expect(busy.elsewhere!.heartbeatAt).toBeLessThanOrEqual(readAt)
    expect(cardText(busy, readAt)).toBe(`just now · running in another process (pid ${child.pid})`)
    // The CLI's account list, from a third process, says the same.
    const listed = await runCli(['--data-dir', dataDir, 'account', 'list'], { env: cleanEnv({}) })
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stdout).toMatch(new RegExp(`${ACCOUNT}\\s.*running in another process \\(pid ${child.pid}\\)`))

    // kill -9: the lock row and the open run stay behind, held by a pid that no longer exists.
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    expect(lockHolderPid()).toBe(child.pid)

    const dead = await hubState()
    expect(dead).toMatchObject({ running: false, elsewhere: null, lastRun: { status: 'running', finished_at: null } })
    const text = cardText(dead, Date.now())
    expect(text).toBe(`just now · ${INTERRUPTED_RUN_MESSAGE}`)
    expect(text).not.toContain('running')
    const relisted = await runCli(['--data-dir', dataDir, 'account', 'list'], { env: cleanEnv({}) })
    expect(relisted.stdout).toContain(INTERRUPTED_RUN_MESSAGE)
    expect(relisted.stdout).not.toMatch(/running in another process/)

    // The panel's words are the archive's: the next run takes the dead holder's lock and closes
    // its run with them. While this process runs it, the line says "running" and nothing is elsewhere.
    sim.clearFaults()
    sim.inject({ kind: 'slow', delayMs: STALL_MS }, { page: 2 })
    const stalledBefore = pageRequests(2)
    expect(await value('startSync', { names: [ACCOUNT] })).toEqual({ started: [ACCOUNT], alreadyRunning: [] })
    await until(() => pageRequests(2) > stalledBefore, 'this process to ask for page 2')
    const here = await hubState()
    expect(here).toMatchObject({ running: true, elsewhere: null, lastRun: { status: 'running' } })
    expect(cardText(here, Date.now())).toBe('just now · running')
    expect(recordedRuns()).toEqual([
      { status: 'failed', error_message: INTERRUPTED_RUN_MESSAGE },
      { status: 'running', error_message: null }
    ])
    await runtime.syncs.stop(ACCOUNT)
    expect((await hubState()).lastRun).toMatchObject({ status: 'cancelled' })
  }, 120_000)

  it('counts a holder on another host as alive until its heartbeat is older than the lock’s stale limit', async () => {
    const now = Date.now()
    writeLockRow({ pid: 777, host: 'build-box', acquiredAt: now - 120_000, heartbeatAt: now - 60_000 })
    const fresh = await hubState()
    expect(fresh.elsewhere).toEqual({ pid: 777, host: 'build-box', sameHost: false, since: now - 120_000, heartbeatAt: now - 60_000 })
    expect(cardText({ ...fresh, lastRun: { started_at: now, finished_at: null, status: 'running', pages: 0, inserted: 0, duplicates: 0, error: null } }, now)).toBe(
      'just now · running in another process (pid 777 on build-box)'
    )

    writeLockRow({ pid: 777, host: 'build-box', acquiredAt: now - 120_000, heartbeatAt: Date.now() - SYNC_LOCK_STALE_MS - 1000 })
    expect((await hubState()).elsewhere).toBeNull()
  })

  it('never reports this process, nor an earlier one that had its pid, as elsewhere', async () => {
    // A lock row with this pid that this process did not take: left by a process that died and
    // whose pid was given again (after a reboot). Acquiring would take it over; status agrees.
    writeLockRow({ pid: process.pid, host: os.hostname(), acquiredAt: Date.now(), heartbeatAt: Date.now() })
    expect((await hubState()).elsewhere).toBeNull()
  })
})

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import Database from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type AccountSyncState, type ContractResult, type MethodName } from '../../src/shared/contract'
import { RENDERER_DIR_ENV } from '../../src/main/cli/serve-command'
import { Archive } from '../../src/main/core/db/archive'
import { envVarName } from '../../src/main/core/secrets/token-store'
import { startDockerHubSim, type DockerHubSim } from '../sim/dockerhub'
import { BIN, cleanEnv, runCli, type CliRun } from './cli-helpers'
import { expectedSourceIds, sorted } from './fixtures/sync-expectations'
import { REPO_ROOT } from './fixtures/tsx-process'
import { callApi } from './browser-api'

/**
 * Issue 6 §3: browser mode (`registry-audit serve`, its own process) and the CLI syncing the same
 * archive, and two CLI syncs of one account at once. One sync of an account runs at a time across
 * processes (DESIGN.md §5): the other is refused with SYNC_BUSY — one line from the CLI, an error
 * in the sync panel's state from browser mode — or runs after it. Either way the archive ends with
 * exactly the source's events, and the recorded runs of the account never overlap in time.
 */

const ACCOUNT = 'hub'
let sim: DockerHubSim
let rendererDir: string
let root: string
let dataDir: string
let serve: Served | undefined

interface Served {
  child: ChildProcess
  port: number
  token: string
  exited: Promise<number | null>
}

beforeAll(async () => {
  // Slow enough pages that a run lasts a few seconds: longer than a CLI process takes to start under load.
  sim = await startDockerHubSim({ events: 900, seed: 31, pageDelayMs: 400, maxPageSize: 100 })
  root = mkdtempSync(path.join(os.tmpdir(), 'concurrency-'))
  rendererDir = path.join(root, 'renderer')
  mkdirSync(rendererDir)
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Registry Audit Viewer</title>')
})

afterAll(async () => {
  await sim?.close()
  rmSync(root, { recursive: true, force: true })
})

afterEach(async () => {
  if (serve !== undefined && serve.child.exitCode === null) {
    serve.child.kill('SIGTERM')
    await serve.exited
  }
  serve = undefined
})

const env = (): Record<string, string> => ({ [envVarName(ACCOUNT)]: sim.secret })

function freshDataDir(name: string): string {
  dataDir = path.join(root, name)
  mkdirSync(dataDir)
  const archive = Archive.open(path.join(dataDir, 'archive.sqlite'))
  archive.addAccount({ name: ACCOUNT, kind: 'dockerhub', url: sim.url, options: { org: sim.org, username: sim.identifier } })
  archive.close()
  return dataDir
}

function startServe(): Promise<Served> {
  const child = spawn(process.execPath, [BIN, '--data-dir', dataDir, 'serve', '--no-open', '--no-auto-sync', '--port', '0'], {
    cwd: REPO_ROOT,
    env: cleanEnv({ ...env(), [RENDERER_DIR_ENV]: rendererDir }),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    const look = (): void => {
      const match = /Open (http:\/\/\S+)/.exec(stdout)
      if (match === null) return
      const url = new URL(match[1]!)
      resolve({ child, port: Number(url.port), token: new URLSearchParams(url.hash.slice(1)).get('token') ?? '', exited })
    }
    child.stdout.on('data', look)
    void exited.then((code) => reject(new Error(`serve exited (${code}) before printing its URL: ${stderr}`)))
  })
}

function call<M extends MethodName>(served: Served, method: M, input: unknown = {}): Promise<ContractResult<M>> {
  return callApi(served, method, input)
}

async function until<T>(probe: () => T | Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (accept(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await delay(10)
  }
}

/** The pid holding the account's sync lock now, read through a connection of our own. */
function lockHolder(): number | undefined {
  const db = new Database(path.join(dataDir, 'archive.sqlite'), { timeout: 5000 })
  try {
    return (db.prepare('SELECT pid FROM sync_locks').pluck().get() as number | undefined) ?? undefined
  } finally {
    db.close()
  }
}

function hubState(states: AccountSyncState[]): AccountSyncState {
  return states.find((state) => state.account === ACCOUNT)!
}

/** Exactly the source, each event once; and the account's finished runs never overlapped. */
function expectExactAndSerialised(): void {
  const db = new Database(path.join(dataDir, 'archive.sqlite'), { timeout: 5000 })
  try {
    const ids = db.prepare('SELECT source_event_id FROM events').pluck().all() as string[]
    expect(new Set(ids).size).toBe(ids.length)
    expect(sorted(ids)).toEqual(sorted(expectedSourceIds(sim.events)))
    const runs = db.prepare("SELECT started_at, finished_at, status FROM sync_runs WHERE status = 'ok' ORDER BY started_at").all() as Array<{
      started_at: number
      finished_at: number
    }>
    expect(runs.length).toBeGreaterThan(0)
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.started_at).toBeGreaterThanOrEqual(runs[i - 1]!.finished_at)
    expect(db.prepare('SELECT count(*) FROM sync_locks').pluck().get()).toBe(0)
  } finally {
    db.close()
  }
}

function expectBusyLine(run: CliRun): void {
  expect(run.code).toBe(1)
  const lines = run.stderr.split('\n').filter((line) => line !== '')
  expect(lines, run.stderr).toHaveLength(1)
  expect(lines[0]).toMatch(new RegExp(`^registry-audit: ${ACCOUNT}: a sync of ${ACCOUNT} is already running \\(pid \\d+\\)$`))
  expect(run.stderr).not.toContain(sim.secret)
}

const cli = (...args: string[]): Promise<CliRun> => runCli(['--data-dir', dataDir, ...args], { env: env() })

describe('browser mode and the CLI on one archive', () => {
  it('browser mode syncing: the CLI is refused with SYNC_BUSY in one line, runs fine after; exact data', async () => {
    freshDataDir('serve-first')
    serve = await startServe()
    expect(await call(serve, 'startSync', { names: [ACCOUNT] })).toEqual({ started: [ACCOUNT], alreadyRunning: [] })
    await until(lockHolder, (pid) => pid === serve!.child.pid, 'browser mode to hold the lock')
    expectBusyLine(await cli('sync', ACCOUNT))
    const done = await until(
      () => call(serve!, 'syncStatus'),
      (states) => !hubState(states).running,
      'the browser-mode sync to finish'
    )
    expect(hubState(done).progress).toMatchObject({ type: 'done' })
    const again = await cli('sync', ACCOUNT)
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toMatch(new RegExp(`^${ACCOUNT}: 0 new`))
    expectExactAndSerialised()
  })

  it('the CLI syncing: browser mode reports SYNC_BUSY for the account, naming the other process', async () => {
    freshDataDir('cli-first')
    serve = await startServe()
    const running = cli('sync', ACCOUNT)
    await until(lockHolder, (pid) => pid !== undefined && pid !== serve!.child.pid, 'the CLI to hold the lock')
    await call(serve, 'startSync', { names: [ACCOUNT] })
    const refused = await until(
      () => call(serve!, 'syncStatus'),
      (states) => !hubState(states).running && hubState(states).progress?.type === 'error',
      'browser mode to report the refusal'
    )
    const progress = hubState(refused).progress
    expect(progress?.type === 'error' ? progress.error : undefined).toMatchObject({
      code: 'SYNC_BUSY',
      message: expect.stringMatching(new RegExp(`a sync of ${ACCOUNT} is already running \\(pid \\d+\\)`))
    })
    const run = await running
    expect(run.code, run.stderr).toBe(0)
    expectExactAndSerialised()
  })

  it('both asked at the same moment: one runs, the other is refused or goes after; never both at once', async () => {
    freshDataDir('same-moment')
    serve = await startServe()
    const [started, run] = await Promise.all([call(serve, 'startSync', { names: [ACCOUNT] }), cli('sync', ACCOUNT)])
    expect(started.started).toEqual([ACCOUNT])
    const states = await until(() => call(serve!, 'syncStatus'), (s) => !hubState(s).running, 'the browser-mode sync to end')
    const browserOk = hubState(states).progress?.type === 'done'
    const cliOk = run.code === 0
    if (!cliOk) expectBusyLine(run)
    if (!browserOk) expect(hubState(states).progress).toMatchObject({ type: 'error', error: { code: 'SYNC_BUSY' } })
    expect(browserOk || cliOk).toBe(true)
    console.info(`same moment: browser mode ${browserOk ? 'synced' : 'refused'}, CLI ${cliOk ? 'synced' : 'refused'}`)
    expectExactAndSerialised()
  })
})

describe('two CLI syncs of one account', () => {
  it('at once: one syncs, the other is refused in one line or runs after it; exact data', async () => {
    freshDataDir('two-cli')
    const runs = await Promise.all([cli('sync', ACCOUNT), cli('sync', ACCOUNT)])
    const ok = runs.filter((run) => run.code === 0)
    expect(ok.length).toBeGreaterThanOrEqual(1)
    for (const run of runs) if (run.code !== 0) expectBusyLine(run)
    console.info(`two CLI syncs at once: ${ok.length} synced, ${runs.length - ok.length} refused`)
    expectExactAndSerialised()
  })
})

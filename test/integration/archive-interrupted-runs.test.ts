import Database from 'better-sqlite3'
import { spawnSync } from 'node:child_process'
import { hostname } from 'node:os'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Archive, INTERRUPTED_RUN_MESSAGE } from '../../src/main/core/db/archive'
import { SYNC_LOCK_STALE_MS } from '../../src/main/core/db/sync-lock'
import { envVarName } from '../../src/main/core/secrets/token-store'
import { startDockerHubSim, type DockerHubSim } from '../sim/dockerhub'
import { tempArchivePath, type TempDir } from './archive-fixtures'
import { fixturePath, jsonLines, spawnTsx } from './fixtures/tsx-process'

/**
 * A sync process that dies leaves its run 'running' in sync_runs. Whoever takes over its lock
 * closes those runs as failed, so the run history and the account's status stop saying "running"
 * for a sync that will never finish.
 */

let temp: TempDir
let archive: Archive
const cleanups: Array<() => Promise<void> | void> = []
const me = { pid: process.pid, host: hostname() }
const hub = { name: 'hub', kind: 'dockerhub' as const, url: 'https://hub.docker.com', options: {} }

beforeEach(() => {
  temp = tempArchivePath()
  archive = Archive.open(temp.file)
})
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  archive.close()
  temp.remove()
})

/** The account's runs as stored, oldest first. */
function runs(accountId: number): Array<{ status: string; finished_at: number | null; started_at: number; error_code: string | null; error_message: string | null }> {
  const db = new Database(temp.file, { readonly: true })
  try {
    return db.prepare('SELECT * FROM sync_runs WHERE account_id = ? ORDER BY id').all(accountId) as never
  } finally {
    db.close()
  }
}

function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid as number
}

describe('runs left running by a sync process that ended', () => {
  it('are closed as failed when a real sync killed with SIGKILL has its lock taken over', async () => {
    const sim: DockerHubSim = await startDockerHubSim({ events: 600, seed: 7, pageDelayMs: 200, maxPageSize: 100 })
    cleanups.push(() => sim.close())
    const account = archive.addAccount({ name: 'hub', kind: 'dockerhub', url: sim.url, options: { org: sim.org, username: sim.identifier } })
    const child = spawnTsx(fixturePath('sync-child.ts'), [temp.file, sim.url, 'hub', sim.org, sim.identifier], {
      ...process.env,
      [envVarName('hub')]: sim.secret
    })
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    })
    const out = jsonLines(child)
    await out.waitFor((line) => (line as { type?: string }).type === 'page')
    child.kill('SIGKILL')
    expect((await out.exited).signal).toBe('SIGKILL')

    expect(runs(account.id)).toMatchObject([{ status: 'running', finished_at: null }])
    expect(archive.acquireSyncLock(account.id, me)).toBe(true)
    const [run] = runs(account.id)
    expect(run).toMatchObject({ status: 'failed', error_code: 'INTERNAL', error_message: INTERRUPTED_RUN_MESSAGE })
    expect(run!.finished_at).toBeGreaterThanOrEqual(run!.started_at)
    expect(archive.lastSyncRun(account.id)?.status).toBe('failed')
    archive.releaseSyncLock(account.id, me)
  })

  it('are left alone while the holder is alive, and only the taken-over account is touched', () => {
    const mine = archive.addAccount(hub)
    const other = archive.addAccount({ ...hub, name: 'other' })
    // The parent of this test process: alive, on this host.
    const live = { pid: process.ppid, host: me.host }
    expect(archive.acquireSyncLock(mine.id, live)).toBe(true)
    const liveRun = archive.startSyncRun(mine.id)
    expect(archive.acquireSyncLock(mine.id, me)).toBe(false)
    expect(runs(mine.id)).toMatchObject([{ status: 'running' }])

    const dead = { pid: deadPid(), host: me.host }
    expect(archive.acquireSyncLock(other.id, dead)).toBe(true)
    archive.startSyncRun(other.id)
    expect(archive.acquireSyncLock(other.id, me)).toBe(true)
    expect(runs(other.id)).toMatchObject([{ status: 'failed', error_message: INTERRUPTED_RUN_MESSAGE }])
    expect(runs(mine.id)).toMatchObject([{ status: 'running' }])
    archive.finishSyncRun(liveRun.id, { status: 'ok', pages: 1, inserted: 1, duplicates: 0, error_code: null, error_message: null })
    expect(runs(mine.id)).toMatchObject([{ status: 'ok' }])
  })

  it('keeps finished runs as they were, and closes the runs of a stale holder on another host', () => {
    const account = archive.addAccount(hub)
    const remote = { pid: 4242, host: 'build-server-7' }
    expect(archive.acquireSyncLock(account.id, remote)).toBe(true)
    const done = archive.startSyncRun(account.id)
    archive.finishSyncRun(done.id, { status: 'ok', pages: 3, inserted: 250, duplicates: 0, error_code: null, error_message: null })
    const cancelled = archive.startSyncRun(account.id)
    archive.finishSyncRun(cancelled.id, { status: 'cancelled', pages: 0, inserted: 0, duplicates: 0, error_code: 'CANCELLED', error_message: 'cancelled' })
    archive.startSyncRun(account.id)
    const before = runs(account.id)

    // Fresh heartbeat: still busy, nothing closed.
    expect(archive.acquireSyncLock(account.id, me)).toBe(false)
    expect(runs(account.id)).toEqual(before)

    const heartbeat = Date.now() - SYNC_LOCK_STALE_MS - 1000
    const db = new Database(temp.file)
    db.prepare('UPDATE sync_locks SET heartbeat_at = ?').run(heartbeat)
    db.close()
    expect(archive.acquireSyncLock(account.id, me)).toBe(true)
    const after = runs(account.id)
    expect(after.slice(0, 2)).toEqual(before.slice(0, 2))
    expect(after[2]).toMatchObject({ status: 'failed', error_code: 'INTERNAL', error_message: INTERRUPTED_RUN_MESSAGE })
    // Ended at the holder's last sign of life, never before the run started.
    expect(after[2]!.finished_at).toBe(Math.max(after[2]!.started_at, heartbeat))
  })
})

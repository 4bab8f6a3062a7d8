import { execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { listDamagedBackups } from '../../src/main/core/db/archive-backup'
import { AppError } from '../../src/main/core/errors'
import { envVarName, TokenStore } from '../../src/main/core/secrets/token-store'
import { AuditService } from '../../src/main/core/service'
import { startDockerHubSim, type DockerHubSim } from '../sim/dockerhub'
import { generateDockerHubEvents } from '../sim/dockerhub-events'
import { snapshotArchive } from './fixtures/archive-snapshot'
import { buildHealthyArchive, fileHash } from './fixtures/damaged-archives'

/**
 * Issue 6 §4, the file system's side: a read-only archive file, a read-only data folder, a full
 * disk. Each is refused with one IO line naming the file (or folder) and the fix, the archive is
 * left byte-for-byte as it was (a full disk: exactly as before the failed sync, as SQLite's
 * rollback leaves it), and the app works again once the cause is gone.
 *
 * Root ignores permission bits, so as root the read-only cases use what root cannot write
 * through: an immutable file (chattr +i) and a read-only bind mount; without root, chmod. The
 * full disk is a small tmpfs, which needs root (mount); without it those cases are skipped and
 * say so.
 */

const isRoot = process.getuid?.() === 0
let canMount = false
const mounts: string[] = []
const immutable: string[] = []
const services: AuditService[] = []
let dir: string | undefined
let sim: DockerHubSim | undefined

beforeAll(() => {
  if (!isRoot) return
  const probe = mkdtempSync(path.join(os.tmpdir(), 'mount-probe-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' })
    execFileSync('umount', [probe], { stdio: 'ignore' })
    canMount = true
  } catch {
    canMount = false
  } finally {
    rmSync(probe, { recursive: true, force: true })
  }
  if (!canMount) console.info('damaged-archive-disk: cannot mount a tmpfs here; the full-disk cases are skipped')
})

afterEach(async () => {
  for (const service of services.splice(0)) service.close()
  for (const file of immutable.splice(0)) execFileSync('chattr', ['-i', file])
  for (const mount of mounts.splice(0).reverse()) execFileSync('umount', [mount])
  await sim?.close()
  sim = undefined
  if (dir !== undefined) {
    chmodRecursive(dir)
    rmSync(dir, { recursive: true, force: true })
  }
  dir = undefined
})

function chmodRecursive(folder: string): void {
  try {
    chmodSync(folder, 0o700)
    for (const name of readdirSync(folder)) {
      const child = path.join(folder, name)
      if (statSync(child).isDirectory()) chmodRecursive(child)
      else chmodSync(child, 0o600)
    }
  } catch {
    // Best effort before removal.
  }
}

function serviceFor(dataDir: string, env: NodeJS.ProcessEnv = {}): AuditService {
  const service = new AuditService({ dataDir, tokenStore: new TokenStore({ service: 'registry-audit-viewer-disk-test', env }) })
  services.push(service)
  return service
}

function failure(work: () => unknown): AppError {
  try {
    work()
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }
  throw new Error('expected the call to fail')
}

function healthyDataFolder(): { dataDir: string; file: string } {
  dir = mkdtempSync(path.join(os.tmpdir(), 'disk-'))
  const dataDir = path.join(dir, 'data')
  mkdirSync(dataDir)
  const file = path.join(dataDir, 'archive.sqlite')
  buildHealthyArchive(file, 300)
  return { dataDir, file }
}

function makeFileReadOnly(file: string): void {
  if (isRoot) {
    execFileSync('chattr', ['+i', file])
    immutable.push(file)
  } else chmodSync(file, 0o444)
}

function makeFolderReadOnly(folder: string): void {
  if (isRoot) {
    execFileSync('mount', ['--bind', folder, folder])
    mounts.push(folder)
    execFileSync('mount', ['-o', 'remount,ro,bind', folder])
  } else chmodSync(folder, 0o555)
}

function mountTmpfs(folder: string, size: string): void {
  mkdirSync(folder, { recursive: true })
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', folder])
  mounts.push(folder)
}

/** Fills the file system holding `folder`, leaving `spare` bytes. */
function fillDisk(folder: string, spare: number): string {
  const free = Number(execFileSync('df', ['--output=avail', '-B1', folder]).toString().trim().split('\n')[1])
  const filler = path.join(folder, 'filler')
  writeFileSync(filler, Buffer.alloc(Math.max(0, free - spare)))
  return filler
}

describe('a read-only archive', () => {
  it('a read-only file: IO naming the file and the fix, nothing written, works once writable again', () => {
    const { dataDir, file } = healthyDataFolder()
    const before = fileHash(file)
    makeFileReadOnly(file)
    const error = failure(() => serviceFor(dataDir).listAccounts())
    expect(error.code).toBe('IO')
    expect(error.message).toMatch(new RegExp(`^Archive ${file} is read-only \\((EPERM|EACCES)\\): make it writable for this user`))
    expect(error.message).toContain('--data-dir')
    expect(error.message).not.toMatch(/[\r\n]/)
    expect(readdirSync(dataDir)).toEqual(['archive.sqlite'])
    expect(fileHash(file)).toBe(before)
    if (isRoot) execFileSync('chattr', ['-i', immutable.pop()!])
    else chmodSync(file, 0o600)
    expect(serviceFor(dataDir).listAccounts().map((account) => account.name)).toEqual(['hub'])
  })

  it('a read-only data folder: IO naming the folder and why it must be writable', () => {
    const { dataDir, file } = healthyDataFolder()
    const before = fileHash(file)
    makeFolderReadOnly(dataDir)
    const error = failure(() => serviceFor(dataDir).listAccounts())
    expect(error.code).toBe('IO')
    expect(error.message).toMatch(new RegExp(`^The folder ${dataDir} holding the archive is read-only \\((EROFS|EACCES)\\): the archive needs to create its -wal and -shm files there`))
    expect(error.message).not.toMatch(/[\r\n]/)
    expect(readdirSync(dataDir)).toEqual(['archive.sqlite'])
    expect(fileHash(file)).toBe(before)
  })

  it('a damaged archive in a read-only folder: refused as damaged, saying no copy could be kept', () => {
    const { dataDir, file } = healthyDataFolder()
    writeFileSync(file, 'not a database at all')
    const before = fileHash(file)
    makeFolderReadOnly(dataDir)
    const error = failure(() => serviceFor(dataDir).listAccounts())
    expect(error.code).toBe('ARCHIVE_DAMAGED')
    expect(error.message).toMatch(/No copy could be kept \(could not copy .* \(the folder is read-only\)\): copy .* somewhere safe before anything else/)
    expect(readdirSync(dataDir)).toEqual(['archive.sqlite'])
    expect(fileHash(file)).toBe(before)
  })
})

describe('a full disk', () => {
  it.skipIf(!isRoot)('a sync on a full disk fails with IO saying so; the archive stays as before; freed, the next sync completes', async () => {
    if (!canMount) return
    dir = mkdtempSync(path.join(os.tmpdir(), 'disk-full-'))
    const dataDir = path.join(dir, 'data')
    mountTmpfs(dataDir, '16m')
    sim = await startDockerHubSim({ events: 200, seed: 3 })
    const env = { [envVarName('hub')]: sim.secret }
    const first = serviceFor(dataDir, env)
    first.addAccount({ name: 'hub', kind: 'dockerhub', url: sim.url, options: { org: sim.org, username: sim.identifier } })
    expect((await first.sync(['hub']))[0]).toMatchObject({ ok: true })
    first.close()
    const file = path.join(dataDir, 'archive.sqlite')
    const before = snapshotArchive(file)
    expect(before.events).toHaveLength(200)

    // Room for the run's bookkeeping, not for a page of events.
    const filler = fillDisk(dataDir, 96 * 1024)
    // New events an hour old: past the connector's settling margin, newer than what is stored.
    sim.addEvents(generateDockerHubEvents(600, 99, { org: sim.org, endTime: Date.now() - 3_600_000 }))
    const service = serviceFor(dataDir, env)
    const [result] = await service.sync(['hub'])
    expect(result?.ok).toBe(false)
    const error = result?.ok === false ? result.error : undefined
    expect(error?.code).toBe('IO')
    expect(error?.message).toMatch(new RegExp(`Archive ${file}: the disk is full \\(while .*\\); nothing of that step was stored and the archive is as it was\\. Free some space`))
    console.info(`full disk: the sync stopped with "${error?.message.replace(/^.*\(while (.*?)\).*$/, '$1')}"`)
    service.close()
    expect(snapshotArchive(file)).toEqual(before)

    rmSync(filler)
    const after = serviceFor(dataDir, env)
    const [resumed] = await after.sync(['hub'])
    expect(resumed, JSON.stringify(resumed)).toMatchObject({ ok: true })
    expect(after.countEvents({ includePull: true }).count).toBe(800)
  })

  it.skipIf(!isRoot)('a damaged archive on a full disk: refused as damaged, no half-written copy left behind', () => {
    if (!canMount) return
    dir = mkdtempSync(path.join(os.tmpdir(), 'disk-full-'))
    const dataDir = path.join(dir, 'data')
    mountTmpfs(dataDir, '2m')
    const file = path.join(dataDir, 'archive.sqlite')
    const healthy = path.join(dir, 'healthy.sqlite')
    buildHealthyArchive(healthy, 600)
    copyFileSync(healthy, file)
    // Damaged: cut to two thirds, so it is larger than the space left for a copy.
    execFileSync('truncate', ['-s', String(Math.floor(statSync(file).size * 0.66)), file])
    const before = fileHash(file)
    fillDisk(dataDir, 4096)
    const error = failure(() => serviceFor(dataDir).listAccounts())
    expect(error.code).toBe('ARCHIVE_DAMAGED')
    expect(error.message).toMatch(/No copy could be kept \(could not copy .* \(the disk is full\)\)/)
    expect(listDamagedBackups(file)).toEqual([])
    expect(existsSync(`${file}-wal`)).toBe(false)
    expect(fileHash(file)).toBe(before)
  })
})

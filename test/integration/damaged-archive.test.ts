import Database from 'better-sqlite3'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { backupDamagedArchive, damagedBackupName, listDamagedBackups } from '../../src/main/core/db/archive-backup'
import { checkArchiveFile } from '../../src/main/core/db/archive-check'
import { recoverArchive } from '../../src/main/core/db/archive-recovery'
import { LATEST_SCHEMA_VERSION } from '../../src/main/core/db/migrations'
import { AppError } from '../../src/main/core/errors'
import { TokenStore } from '../../src/main/core/secrets/token-store'
import { AuditService } from '../../src/main/core/service'
import { buildHealthyArchive, fileHash, overwriteEventPages, truncateArchive, type HealthyArchive } from './fixtures/damaged-archives'

/**
 * Issue 6 §4 through the core the app and the CLI use (AuditService → openArchiveGuarded): each
 * kind of damaged or unusable archive is refused with one typed, one-line message naming the file
 * and what to do; a damaged one is copied aside first (never over an existing copy); the archive
 * itself stays byte-for-byte as it was; and recovery copies out what is readable, counting what
 * was lost against the archive's own chain heads.
 */

const EVENTS = 3000
let healthyDir: string
let healthyFile: string
let healthy: HealthyArchive
let dir: string
const services: AuditService[] = []

beforeAll(() => {
  healthyDir = mkdtempSync(path.join(os.tmpdir(), 'damaged-healthy-'))
  healthyFile = path.join(healthyDir, 'archive.sqlite')
  healthy = buildHealthyArchive(healthyFile, EVENTS)
})
afterAll(() => rmSync(healthyDir, { recursive: true, force: true }))
afterEach(() => {
  for (const service of services.splice(0)) service.close()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

/** A data folder whose archive.sqlite is a copy of the healthy archive, damaged by `damage`. */
function dataFolder(damage: (file: string) => void = () => {}): { dataDir: string; file: string } {
  dir = mkdtempSync(path.join(os.tmpdir(), 'damaged-'))
  const dataDir = path.join(dir, 'data')
  mkdirSync(dataDir)
  const file = path.join(dataDir, 'archive.sqlite')
  copyFileSync(healthyFile, file)
  damage(file)
  return { dataDir, file }
}

function serviceFor(dataDir: string): AuditService {
  const service = new AuditService({ dataDir, tokenStore: new TokenStore({ service: 'registry-audit-viewer-damaged-test', env: {} }) })
  services.push(service)
  return service
}

async function failure(work: () => unknown): Promise<AppError> {
  try {
    await work()
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }
  throw new Error('expected the call to fail')
}

/** One line, naming the file, and nothing that reads like a stack. */
function expectOneLine(error: AppError, file: string): void {
  expect(error.message).not.toMatch(/[\r\n]/)
  expect(error.message).toContain(file)
  expect(error.message).not.toMatch(/\bat .*\.ts:\d+/)
}

const otherFiles = (file: string): string[] =>
  readdirSync(path.dirname(file))
    .filter((name) => name !== path.basename(file))
    .sort()

describe('a damaged archive is refused, kept aside, never changed', () => {
  it('a truncated file: ARCHIVE_DAMAGED before SQLite opens it, one backup however often it is opened', async () => {
    const { dataDir, file } = dataFolder((f) => truncateArchive(f, 0.6))
    const before = fileHash(file)
    const error = await failure(() => serviceFor(dataDir).listAccounts())
    expect(error.code).toBe('ARCHIVE_DAMAGED')
    expectOneLine(error, file)
    expect(error.message).toMatch(/is damaged: it is cut short: its header counts \d+ pages/)
    expect(error.message).toContain('registry-audit archive check')
    expect(error.message).toContain('registry-audit archive recover --out NEW_FILE')
    expect(error.message).toContain('The archive was not changed, deleted or rebuilt')
    const backups = listDamagedBackups(file)
    expect(backups).toHaveLength(1)
    expect(error.message).toContain(`A copy is kept as ${backups[0]}`)
    expect(fileHash(backups[0]!)).toBe(before)
    // Screened from its header: SQLite never opened it, so not even a -wal or -shm appeared.
    expect(otherFiles(file)).toEqual([path.basename(backups[0]!)])
    expect(fileHash(file)).toBe(before)

    // Opening again (a second app start, a cron run) names the same copy instead of making another.
    const again = await failure(() => serviceFor(dataDir).queryEvents({ query: {} }))
    expect(again.message).toBe(error.message)
    expect(listDamagedBackups(file)).toEqual(backups)
    expect(fileHash(file)).toBe(before)
  })

  it('overwritten pages found mid-query: the copy is made at once, then every call refuses', async () => {
    const { dataDir, file } = dataFolder((f) => overwriteEventPages(f, 3, 7))
    const before = fileHash(file)
    const service = serviceFor(dataDir)
    // The damage is inside the events table: opening and the account list still work.
    expect(service.listAccounts().map((account) => account.name)).toEqual(['hub'])
    expect(listDamagedBackups(file)).toEqual([])
    const error = await failure(async () => {
      for await (const event of service.iterateEvents({ includePull: true })) void event
    })
    expect(error.code).toBe('ARCHIVE_DAMAGED')
    expectOneLine(error, file)
    expect(error.message).toMatch(/is damaged: database disk image is malformed; found while/)
    const backups = listDamagedBackups(file)
    expect(backups).toHaveLength(1)
    expect(fileHash(backups[0]!)).toBe(before)
    // Latched: nothing else reads or writes a file known to be damaged, not even what worked before.
    const later = await failure(() => service.listAccounts())
    expect(later.message).toBe(error.message)
    service.close()
    expect(fileHash(file)).toBe(before)
  })

  it('a file that is not SQLite: ARCHIVE_DAMAGED, kept aside, untouched', async () => {
    const { dataDir, file } = dataFolder((f) => writeFileSync(f, 'timestamp,action\n2025-01-01,push\n'.repeat(200)))
    const before = fileHash(file)
    const error = await failure(() => serviceFor(dataDir).listAccounts())
    expect(error.code).toBe('ARCHIVE_DAMAGED')
    expectOneLine(error, file)
    expect(error.message).toContain('it is not an SQLite database')
    expect(listDamagedBackups(file)).toHaveLength(1)
    expect(fileHash(file)).toBe(before)
    expect(checkArchiveFile(file)).toMatchObject({ kind: 'not-sqlite', ok: false })
  })

  it("another application's SQLite database: INVALID_INPUT, no copy needed, untouched", async () => {
    const { dataDir, file } = dataFolder((f) => {
      rmSync(f)
      const db = new Database(f)
      db.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('not yours')")
      db.close()
    })
    const before = fileHash(file)
    const error = await failure(() => serviceFor(dataDir).listAccounts())
    expect(error.code).toBe('INVALID_INPUT')
    expectOneLine(error, file)
    expect(error.message).toMatch(/another application.*left untouched\. Choose another file or data folder/)
    expect(listDamagedBackups(file)).toEqual([])
    expect(fileHash(file)).toBe(before)
    expect(checkArchiveFile(file)).toMatchObject({ kind: 'foreign', ok: false })
    const recover = await failure(() => recoverArchive(file, path.join(dir, 'out.sqlite')))
    expect(recover.code).toBe('INVALID_INPUT')
    expect(existsSync(path.join(dir, 'out.sqlite'))).toBe(false)
  })

  it('an archive of a newer schema: SCHEMA_TOO_NEW saying to update, untouched', async () => {
    const { dataDir, file } = dataFolder((f) => {
      const db = new Database(f)
      db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`)
      db.close()
    })
    const before = fileHash(file)
    const error = await failure(() => serviceFor(dataDir).listAccounts())
    expect(error.code).toBe('SCHEMA_TOO_NEW')
    expectOneLine(error, file)
    expect(error.message).toMatch(/newer version .*Update the application; the archive was left untouched/)
    expect(listDamagedBackups(file)).toEqual([])
    expect(fileHash(file)).toBe(before)
    expect(checkArchiveFile(file)).toMatchObject({ kind: 'newer-schema', ok: false })
    expect((await failure(() => recoverArchive(file, path.join(dir, 'out.sqlite')))).code).toBe('SCHEMA_TOO_NEW')
  })
})

describe('what is not damage', () => {
  it('a crash in the middle of a checkpoint (page 1 copied, the file not yet grown) opens whole', async () => {
    const { file } = dataFolder()
    // A writer commits a lot into the log without checkpointing; a copy taken then is what a
    // crash leaves. Into that copy goes what a checkpoint writes first: page 1, with the new,
    // larger page count, before the pages that would grow the file.
    const writer = new Database(file)
    writer.pragma('wal_autocheckpoint = 0')
    writer.prepare('UPDATE events SET label = label || ?').run(' (relabelled)')
    const crashed = path.join(dir, 'crashed')
    mkdirSync(crashed)
    const copy = path.join(crashed, 'archive.sqlite')
    copyFileSync(file, copy)
    copyFileSync(`${file}-wal`, `${copy}-wal`)
    writer.close()
    const pageSize = readFileSync(copy).readUInt16BE(16)
    const wal = readFileSync(`${copy}-wal`)
    let page1: Buffer | undefined
    for (let offset = 32; offset + 24 + pageSize <= wal.length; offset += 24 + pageSize) {
      if (wal.readUInt32BE(offset) === 1) page1 = wal.subarray(offset + 24, offset + 24 + pageSize)
    }
    expect(page1).toBeDefined()
    const main = readFileSync(copy)
    page1!.copy(main, 0)
    writeFileSync(copy, main)
    expect(page1!.readUInt32BE(28) * pageSize).toBeGreaterThan(main.length)

    const service = serviceFor(crashed)
    expect(service.countEvents({ includePull: true }).count).toBe(EVENTS)
    expect(service.queryEvents({ query: { includePull: true }, limit: 1 }).rows[0]?.label).toMatch(/\(relabelled\)$/)
    expect(listDamagedBackups(copy)).toEqual([])
  })
})

describe('backups', () => {
  it('never write over an existing file: a taken name gets the next number', () => {
    const { file } = dataFolder((f) => truncateArchive(f, 0.5))
    const at = Date.parse('2026-03-04T05:06:07.890Z')
    const first = damagedBackupName(file, at)
    expect(path.basename(first)).toBe('archive.sqlite.damaged-20260304T050607Z')
    // Someone else's file under that name (different bytes) must survive.
    writeFileSync(first, 'an unrelated file')
    const backup = backupDamagedArchive(file, { now: () => at })
    expect(backup).toEqual({ file: `${first}-2`, reused: false })
    expect(readdirSync(path.dirname(file))).toContain('archive.sqlite.damaged-20260304T050607Z')
    expect(fileHash(first)).toBe(fileHash(writeFileSyncHash('an unrelated file')))
    expect(fileHash(backup.file)).toBe(fileHash(file))
    // The same damaged bytes again: the existing copy is named, none added.
    expect(backupDamagedArchive(file, { now: () => at + 60_000 })).toEqual({ file: `${first}-2`, reused: true })
    expect(listDamagedBackups(file)).toEqual([first, `${first}-2`])
  })

  it('keep the -wal with the file, under the name SQLite looks for', () => {
    const { file } = dataFolder()
    // A writer that has committed into the WAL and not checkpointed: the copy must carry the log.
    const writer = new Database(file)
    writer.pragma('wal_autocheckpoint = 0')
    writer.prepare("UPDATE accounts SET url = 'https://changed.example' WHERE id = 1").run()
    const backup = backupDamagedArchive(file)
    expect(backup.wal).toBe(`${backup.file}-wal`)
    expect(fileHash(backup.wal!)).toBe(fileHash(`${file}-wal`))
    writer.close()
    const copy = new Database(backup.file, { readonly: true })
    expect(copy.prepare('SELECT url FROM accounts WHERE id = 1').pluck().get()).toBe('https://changed.example')
    copy.close()
  })
})

describe('check and recover', () => {
  it('check reports an intact archive as intact, and never writes it', () => {
    const { file } = dataFolder()
    const before = fileHash(file)
    const report = checkArchiveFile(file)
    expect(report).toMatchObject({ kind: 'archive', ok: true, problems: [], schemaVersion: LATEST_SCHEMA_VERSION })
    expect(report.tables.find((table) => table.name === 'events')).toEqual({ name: 'events', rows: EVENTS })
    expect(fileHash(file)).toBe(before)
  })

  it('recovers what a truncated archive still holds; recovered + lost = held, every row as it was', () => {
    const { file } = dataFolder((f) => truncateArchive(f, 0.6))
    const before = fileHash(file)
    const check = checkArchiveFile(file)
    expect(check.ok).toBe(false)
    expect(check.problems[0]).toMatch(/it is cut short/)
    const out = path.join(dir, 'recovered.sqlite')
    const report = recoverArchive(file, out)
    expect(fileHash(file)).toBe(before)
    expect(report.readFrom).toBe(report.backup?.file)
    expect(report.events.expected).toBe(EVENTS)
    expect(report.events.recovered).toBeGreaterThan(EVENTS / 4)
    expect(report.events.recovered).toBeLessThan(EVENTS)
    expect(report.events.lost).toBe(EVENTS - report.events.recovered)
    expectRecoveredRowsExact(out, report.events.recovered)
    console.info(`truncated to 60%: ${report.events.recovered} of ${EVENTS} events recovered, ${report.events.lost} lost`)
  })

  it('recovers around overwritten pages, losing only the rows on them', () => {
    const { file } = dataFolder((f) => overwriteEventPages(f, 3, 11))
    const before = fileHash(file)
    const out = path.join(dir, 'recovered.sqlite')
    const report = recoverArchive(file, out)
    expect(fileHash(file)).toBe(before)
    const events = report.tables.find((table) => table.name === 'events')!
    expect(events.unreadable.length).toBeGreaterThanOrEqual(1)
    expect(events.unreadable.length).toBeLessThanOrEqual(3)
    // Three pages of ~1 KB records: a few dozen events at most.
    expect(report.events.lost).toBeGreaterThan(0)
    expect(report.events.lost).toBeLessThan(60)
    expect(report.events.recovered + report.events.lost!).toBe(EVENTS)
    expectRecoveredRowsExact(out, report.events.recovered)
    // Every lost id lies in a reported unreadable range.
    const kept = new Set(readIds(out))
    const missing = healthy.rows.map((row) => row['id'] as number).filter((id) => !kept.has(id))
    for (const id of missing) {
      expect(events.unreadable.some((range) => id >= range.from && (range.to === null || id <= range.to)), `id ${id}`).toBe(true)
    }
    console.info(`3 overwritten pages: ${report.events.recovered} of ${EVENTS} events recovered, ${report.events.lost} lost`)
  })

  it('the recovered archive opens in the app, its chain shows where events are missing, and sync starts over', async () => {
    const { file } = dataFolder((f) => overwriteEventPages(f, 2, 5))
    const out = path.join(dir, 'recovered', 'archive.sqlite')
    mkdirSync(path.dirname(out))
    const report = recoverArchive(file, out)
    const service = serviceFor(path.dirname(out))
    expect(service.listAccounts().map((account) => account.name)).toEqual(['hub'])
    expect(service.countEvents({ includePull: true }).count).toBe(report.events.recovered)
    const verification = service.investigation.verify()
    expect(verification.intact).toBe(false)
    const db = new Database(out, { readonly: true })
    expect(db.prepare('SELECT count(*) FROM sync_cursors').pluck().get()).toBe(0)
    db.close()
  })

  it('never writes over an existing file, nor into the damaged archive itself', async () => {
    const { file } = dataFolder((f) => truncateArchive(f, 0.5))
    const taken = path.join(dir, 'taken.sqlite')
    writeFileSync(taken, 'mine')
    expect((await failure(() => recoverArchive(file, taken))).code).toBe('CONFLICT')
    expect(fileHash(taken)).toBe(fileHash(writeFileSyncHash('mine')))
    expect((await failure(() => recoverArchive(file, file))).code).toBe('INVALID_INPUT')
  })
})

/** Every recovered event row equals the healthy archive's row with the same id. */
function expectRecoveredRowsExact(out: string, recovered: number): void {
  const db = new Database(out, { readonly: true })
  try {
    const rows = db.prepare('SELECT id, account_id, source_event_id, occurred_at, raw, chain_hash FROM events ORDER BY id').all() as Array<
      Record<string, unknown>
    >
    expect(rows).toHaveLength(recovered)
    const original = new Map(healthy.rows.map((row) => [row['id'], row]))
    for (const row of rows) expect(row).toEqual(original.get(row['id']))
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
  } finally {
    db.close()
  }
}

function readIds(file: string): number[] {
  const db = new Database(file, { readonly: true })
  try {
    return db.prepare('SELECT id FROM events').pluck().all() as number[]
  } finally {
    db.close()
  }
}

/** A file holding `text`, for comparing hashes of small files. */
function writeFileSyncHash(text: string): string {
  const file = path.join(dir, `text-${Math.random().toString(36).slice(2)}`)
  writeFileSync(file, text)
  return file
}

import Database from 'better-sqlite3'
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { sha256Hex } from '../../src/main/core/canonical'
import { Archive } from '../../src/main/core/db/archive'
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src/main/core/db/migrations'
import {
  ARCHIVE_APPLICATION_ID,
  openArchiveDatabase,
  readSchemaState
} from '../../src/main/core/db/schema-migrations'
import { AppError } from '../../src/main/core/errors'
import { ingestEvent, tempArchivePath, type TempDir } from './archive-fixtures'

let temp: TempDir
afterEach(() => temp?.remove())

/** Every file in the folder with a hash of its bytes: "left untouched" means this is unchanged. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((name) => [name, sha256Hex(readFileSync(join(dir, name), 'latin1'))]))
}

function openError(file: string, options = {}): AppError {
  try {
    Archive.open(file, options).close()
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }
  throw new Error('Archive.open was expected to refuse the file')
}

function createArchive(file: string): void {
  const archive = Archive.open(file)
  const account = archive.addAccount({ name: 'hub', kind: 'dockerhub', url: 'https://hub.docker.com', options: {} })
  archive.writePage(account.id, 'auditlog', [ingestEvent({ n: 1 })], { page: 1 })
  archive.close()
}

describe('Archive.open: creating and migrating', () => {
  it('creates an archive in WAL mode with our application id, user_version and recorded migrations', () => {
    temp = tempArchivePath()
    createArchive(temp.file)
    const db = new Database(temp.file, { readonly: true })
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('application_id', { simple: true })).toBe(ARCHIVE_APPLICATION_ID)
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION)
    const recorded = db.prepare('SELECT version, name, sha256 FROM schema_migrations ORDER BY version').all()
    expect(recorded).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name, sha256: sha256Hex(m.sql) })))
    const strict = db.prepare("SELECT name FROM pragma_table_list WHERE strict = 1 AND schema = 'main'").pluck().all()
    expect(strict).toEqual(
      expect.arrayContaining(['accounts', 'events', 'sync_cursors', 'sync_runs', 'sync_locks', 'chain_heads', 'schema_migrations'])
    )
    db.close()
  })

  it('reopens an up-to-date archive without applying anything again', () => {
    temp = tempArchivePath()
    createArchive(temp.file)
    const archive = Archive.open(temp.file)
    expect(archive.listAccounts().map((a) => a.name)).toEqual(['hub'])
    archive.close()
    const db = new Database(temp.file, { readonly: true })
    expect(db.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(MIGRATIONS.length)
    db.close()
  })

  it('turns on foreign keys and FULL synchronous on its connection', () => {
    temp = tempArchivePath()
    const archive = Archive.open(temp.file)
    // Reach the private connection only to read its per-connection settings.
    const db = (archive as unknown as { db: Database.Database }).db
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(db.pragma('synchronous', { simple: true })).toBe(2)
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000)
    archive.close()
  })

  it('opens an empty (zero-byte) file as a new archive', () => {
    temp = tempArchivePath()
    writeFileSync(temp.file, '')
    const archive = Archive.open(temp.file)
    expect(archive.listAccounts()).toEqual([])
    archive.close()
  })

  it('applies a later migration in its own transaction and records it; a failing one changes nothing', () => {
    temp = tempArchivePath()
    createArchive(temp.file)
    const next = LATEST_SCHEMA_VERSION + 1
    const second = { version: next, name: 'notes', sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY) STRICT;' }
    const broken = { version: next + 1, name: 'broken', sql: 'CREATE TABLE half (id INTEGER) STRICT; SELECT nope FROM missing;' }
    expect(() => openArchiveDatabase(temp.file, { migrations: [...MIGRATIONS, second, broken] })).toThrow(AppError)
    const db = new Database(temp.file, { readonly: true })
    expect(db.pragma('user_version', { simple: true })).toBe(next)
    expect(db.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(next)
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()
    expect(tables).toContain('notes')
    expect(tables).not.toContain('half')
    db.close()
    const upgraded = openArchiveDatabase(temp.file, { migrations: [...MIGRATIONS, second] })
    expect(readSchemaState(upgraded, temp.file, [...MIGRATIONS, second])).toMatchObject({ version: next, pending: [] })
    upgraded.close()
    // This build does not know that migration, so the archive is now too new for it.
    expect(openError(temp.file).code).toBe('SCHEMA_TOO_NEW')
  })
})

describe('Archive.open: refusing files it must not touch', () => {
  it('refuses an archive whose applied migration changed (MIGRATION_CHANGED), leaving it byte-identical', () => {
    temp = tempArchivePath()
    createArchive(temp.file)
    const db = new Database(temp.file)
    db.prepare("UPDATE schema_migrations SET sha256 = 'feed' WHERE version = 1").run()
    db.close()
    const before = snapshot(temp.dir)
    const error = openError(temp.file)
    expect(error.code).toBe('MIGRATION_CHANGED')
    expect(error.message).toContain('migration 1')
    expect(snapshot(temp.dir)).toEqual(before)
  })

  it('refuses an archive of a newer schema version (SCHEMA_TOO_NEW) with both versions named, byte-identical', () => {
    temp = tempArchivePath()
    createArchive(temp.file)
    const db = new Database(temp.file)
    db.prepare("INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (7, 'future', 'x', 0)").run()
    db.pragma('user_version = 7')
    db.close()
    const before = snapshot(temp.dir)
    const error = openError(temp.file)
    expect(error.code).toBe('SCHEMA_TOO_NEW')
    expect(error.message).toContain('schema version 7')
    expect(error.message).toContain(`up to ${LATEST_SCHEMA_VERSION}`)
    expect(snapshot(temp.dir)).toEqual(before)
    // A read-only connection cannot remove the -wal/-shm files SQLite makes to read a WAL
    // database, but the database file itself stays byte-identical.
    expect(openError(temp.file, { readonly: true }).code).toBe('SCHEMA_TOO_NEW')
    expect(snapshot(temp.dir)['archive.db']).toBe(before['archive.db'])
  })

  it('refuses a newer archive left with a WAL full of frames (a crashed writer) without checkpointing it', () => {
    temp = tempArchivePath()
    createArchive(temp.file)
    const writer = new Database(temp.file)
    writer.pragma('user_version = 9')
    writer.prepare("INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (9, 'future', 'x', 0)").run()
    // Copy the files while the writer is open: the copy is what a crash leaves behind, the newer
    // schema living only in the -wal file.
    const crashed = join(temp.dir, 'crashed')
    mkdirSync(crashed)
    for (const suffix of ['', '-wal']) copyFileSync(`${temp.file}${suffix}`, join(crashed, `archive.db${suffix}`))
    writer.close()
    expect(statSync(join(crashed, 'archive.db-wal')).size).toBeGreaterThan(0)
    const before = snapshot(crashed)
    const error = openError(join(crashed, 'archive.db'))
    expect(error.code).toBe('SCHEMA_TOO_NEW')
    const after = snapshot(crashed)
    expect(after['archive.db']).toBe(before['archive.db'])
    expect(after['archive.db-wal']).toBe(before['archive.db-wal'])
  })

  it('refuses a newer user_version even without a newer migration row', () => {
    temp = tempArchivePath()
    createArchive(temp.file)
    const db = new Database(temp.file)
    db.pragma('user_version = 42')
    db.close()
    const before = snapshot(temp.dir)
    expect(openError(temp.file).code).toBe('SCHEMA_TOO_NEW')
    expect(snapshot(temp.dir)).toEqual(before)
  })

  it('refuses a file that is not SQLite (ARCHIVE_DAMAGED), unaltered', () => {
    temp = tempArchivePath()
    writeFileSync(temp.file, 'name,value\nthis is a CSV file, not a database\n'.repeat(50))
    const before = snapshot(temp.dir)
    const error = openError(temp.file)
    expect(error.code).toBe('ARCHIVE_DAMAGED')
    expect(error.message).toContain('not an SQLite database')
    expect(snapshot(temp.dir)).toEqual(before)
  })

  it('refuses a file with an SQLite header but garbage after it (ARCHIVE_DAMAGED), unaltered', () => {
    temp = tempArchivePath()
    const garbage = Buffer.alloc(8192, 0xa5)
    Buffer.from('SQLite format 3\0', 'latin1').copy(garbage)
    writeFileSync(temp.file, garbage)
    const before = snapshot(temp.dir)
    expect(openError(temp.file).code).toBe('ARCHIVE_DAMAGED')
    expect(snapshot(temp.dir)).toEqual(before)
  })

  it("refuses another application's SQLite database (INVALID_INPUT), unaltered", () => {
    temp = tempArchivePath()
    const db = new Database(temp.file)
    db.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')")
    db.close()
    const before = snapshot(temp.dir)
    const error = openError(temp.file)
    expect(error.code).toBe('INVALID_INPUT')
    expect(error.message).toContain('another application')
    expect(snapshot(temp.dir)).toEqual(before)
  })

  it('refuses an empty SQLite database that carries another application id, unaltered', () => {
    temp = tempArchivePath()
    const db = new Database(temp.file)
    db.pragma('application_id = 1234')
    db.close()
    const before = snapshot(temp.dir)
    expect(openError(temp.file).code).toBe('INVALID_INPUT')
    expect(snapshot(temp.dir)).toEqual(before)
  })

  it('refuses a directory in place of the file', () => {
    temp = tempArchivePath()
    expect(openError(temp.dir).code).toBe('INVALID_INPUT')
  })
})

describe('Archive.open readonly', () => {
  it('reads an existing archive, refuses writes and a missing file', () => {
    temp = tempArchivePath()
    expect(openError(temp.file, { readonly: true }).code).toBe('NOT_FOUND')
    expect(readdirSync(temp.dir)).toEqual([])
    createArchive(temp.file)
    const archive = Archive.open(temp.file, { readonly: true })
    expect(archive.queryEvents({ query: { includePull: true } }).rows).toHaveLength(1)
    const error = (() => {
      try {
        archive.addAccount({ name: 'other', kind: 'dockerhub', url: 'https://hub.docker.com', options: {} })
      } catch (e) {
        return e as AppError
      }
      return undefined
    })()
    expect(error?.code).toBe('IO')
    archive.close()
  })
})

import Database from 'better-sqlite3'
import { openSync, readSync, closeSync, statSync } from 'node:fs'
import { sha256Hex } from '../canonical'
import { AppError } from '../errors'
import { MIGRATIONS, type Migration } from './migrations'
import { toArchiveError } from './sqlite-errors'

/**
 * `PRAGMA application_id` of every archive ("RAUV"). It tells our file apart from any other
 * SQLite database before we write anything into it.
 */
export const ARCHIVE_APPLICATION_ID = 0x52415556

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1')

export type ArchiveFileState =
  /** No file, or an empty one: the archive will be created. */
  | { kind: 'new' }
  /** One of ours; `pending` lists the migrations this build still has to apply. */
  | { kind: 'ours'; version: number; pending: Migration[] }

interface AppliedMigration {
  version: number
  name: string
  sha256: string
}

/**
 * Looks at a file before anything is written to it and says whether it may be opened read-write.
 * It opens the file read-only, so a refused file (not SQLite, another application's database, a
 * newer schema, an edited migration) is left byte-for-byte as it was: no WAL switch, no
 * checkpoint, no migration. Throws AppError for every refusal.
 */
export function inspectArchiveFile(
  file: string,
  migrations: readonly Migration[] = MIGRATIONS,
  nativeBinding?: string
): ArchiveFileState {
  let size: number
  try {
    const stat = statSync(file)
    if (!stat.isFile()) throw new AppError('INVALID_INPUT', `Archive ${file} is not a regular file.`)
    size = stat.size
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'new' }
    if (error instanceof AppError) throw error
    throw new AppError('IO', `Archive ${file} cannot be read: ${(error as Error).message}`, { cause: error })
  }
  if (size === 0) return { kind: 'new' }
  if (!hasSqliteHeader(file)) {
    throw new AppError(
      'ARCHIVE_DAMAGED',
      `Archive ${file} is not an SQLite database (its header is wrong); it was left untouched. ` +
        'Move it aside or choose another data folder.'
    )
  }

  let db: Database.Database | undefined
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, nativeBinding })
    const applicationId = db.pragma('application_id', { simple: true }) as number
    const userVersion = db.pragma('user_version', { simple: true }) as number
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .pluck()
      .all() as string[]
    if (applicationId !== ARCHIVE_APPLICATION_ID) {
      if (applicationId === 0 && tables.length === 0) return { kind: 'new' }
      throw new AppError(
        'INVALID_INPUT',
        `${file} is an SQLite database of another application` +
          (applicationId === 0 ? '' : ` (application id ${applicationId})`) +
          '; it was left untouched. Choose another file or data folder.'
      )
    }
    const applied: AppliedMigration[] = tables.includes('schema_migrations')
      ? (db.prepare('SELECT version, name, sha256 FROM schema_migrations ORDER BY version').all() as AppliedMigration[])
      : []
    const version = applied.reduce((max, m) => Math.max(max, m.version), userVersion)
    const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0)
    if (version > latest) {
      throw new AppError(
        'SCHEMA_TOO_NEW',
        `Archive ${file} was written by a newer version of Registry Audit Viewer (schema version ${version}; ` +
          `this version reads up to ${latest}). Update the application; the archive was left untouched.`
      )
    }
    checkAppliedHashes(file, applied, migrations)
    const done = new Set(applied.map((m) => m.version))
    return { kind: 'ours', version, pending: migrations.filter((m) => !done.has(m.version)) }
  } catch (error) {
    throw toArchiveError(error, file, 'reading its schema')
  } finally {
    db?.close()
  }
}

function hasSqliteHeader(file: string): boolean {
  const fd = openSync(file, 'r')
  try {
    const header = Buffer.alloc(SQLITE_HEADER.length)
    const read = readSync(fd, header, 0, header.length, 0)
    return read === header.length && header.equals(SQLITE_HEADER)
  } finally {
    closeSync(fd)
  }
}

function checkAppliedHashes(file: string, applied: AppliedMigration[], migrations: readonly Migration[]): void {
  for (const row of applied) {
    const known = migrations.find((m) => m.version === row.version)
    if (known === undefined || sha256Hex(known.sql) !== row.sha256) {
      throw new AppError(
        'MIGRATION_CHANGED',
        `Archive ${file} records migration ${row.version} (${row.name}) with different SQL than this build ` +
          'has; a shipped migration was changed. The archive was left untouched.'
      )
    }
  }
}

/**
 * Applies pending migrations, each in its own IMMEDIATE transaction together with its
 * `schema_migrations` row, `user_version` and `application_id`, so a crash leaves the archive at a
 * whole version. Re-reads inside each transaction, because another process may be migrating the
 * same file at the same moment.
 */
export function applyMigrations(
  db: Database.Database,
  file: string,
  pending: readonly Migration[],
  migrations: readonly Migration[] = MIGRATIONS
): void {
  for (const migration of pending) {
    const apply = db.transaction(() => {
      const applicationId = db.pragma('application_id', { simple: true }) as number
      if (applicationId !== ARCHIVE_APPLICATION_ID) {
        const tables = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'").pluck().get() as number
        if (applicationId !== 0 || tables > 0) {
          throw new AppError('INVALID_INPUT', `${file} is an SQLite database of another application; it was left untouched.`)
        }
      }
      db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        applied_at INTEGER NOT NULL
      ) STRICT`)
      const applied = db.prepare('SELECT version, name, sha256 FROM schema_migrations').all() as AppliedMigration[]
      const newest = applied.reduce((max, m) => Math.max(max, m.version), 0)
      const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0)
      if (newest > latest) {
        throw new AppError(
          'SCHEMA_TOO_NEW',
          `Archive ${file} was upgraded to schema version ${newest} by a newer version of Registry Audit Viewer ` +
            `(this version reads up to ${latest}).`
        )
      }
      checkAppliedHashes(file, applied, migrations)
      if (applied.some((m) => m.version === migration.version)) return
      db.exec(migration.sql)
      db.prepare('INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (?, ?, ?, ?)').run(
        migration.version,
        migration.name,
        sha256Hex(migration.sql),
        Date.now()
      )
      db.pragma(`application_id = ${ARCHIVE_APPLICATION_ID}`)
      db.pragma(`user_version = ${migration.version}`)
    })
    try {
      apply.immediate()
    } catch (error) {
      throw toArchiveError(error, file, `applying migration ${migration.version} (${migration.name})`)
    }
  }
}


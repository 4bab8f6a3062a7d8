import Database from 'better-sqlite3'
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { sha256Hex } from '../canonical'
import { AppError } from '../errors'
import { MIGRATIONS, type Migration } from './migrations'
import { toArchiveError } from './sqlite-errors'

/**
 * `PRAGMA application_id` of every archive ("RAUV"). It tells our file apart from any other
 * SQLite database before we write anything into it.
 */
export const ARCHIVE_APPLICATION_ID = 0x52415556

/** How long a statement waits for another process's lock before failing with ARCHIVE_LOCKED. */
export const BUSY_TIMEOUT_MS = 5_000

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1')

export type ArchiveSchemaState =
  /** An empty database: the archive will be created in it. */
  | { kind: 'new'; version: 0; pending: readonly Migration[] }
  /** One of ours; `pending` lists the migrations this build still has to apply. */
  | { kind: 'ours'; version: number; pending: readonly Migration[] }

interface AppliedMigration {
  version: number
  name: string
  sha256: string
}

export interface OpenDatabaseOptions {
  nativeBinding?: string
  readonly?: boolean
  /** The migrations this build knows; tests pass longer lists. */
  migrations?: readonly Migration[]
}

/**
 * Opens the archive's SQLite file and brings it to the current schema, refusing, before anything
 * is written and leaving the file byte-for-byte as it was: a file that is not SQLite
 * (ARCHIVE_DAMAGED), another application's database (INVALID_INPUT), an archive of a newer
 * schema (SCHEMA_TOO_NEW), an archive whose applied migration differs from this build's
 * (MIGRATION_CHANGED).
 *
 * The checks read through the same read-write connection that will be kept: reading writes
 * nothing, and if the check fails, closing that last connection removes the -wal/-shm files
 * that reading a WAL database creates. The one exception is a WAL file that already holds frames
 * (a writer crashed or is running): closing a read-write connection would checkpoint those frames
 * into the main file, so that case is checked through a separate read-only connection first.
 */
export function openArchiveDatabase(file: string, options: OpenDatabaseOptions = {}): Database.Database {
  const migrations = options.migrations ?? MIGRATIONS
  const exists = checkFileKind(file)
  if (options.readonly === true && !exists) throw new AppError('NOT_FOUND', `Archive ${file} does not exist yet.`)
  const connect = (readonly: boolean): Database.Database => {
    try {
      return new Database(file, {
        readonly,
        fileMustExist: readonly,
        timeout: BUSY_TIMEOUT_MS,
        nativeBinding: options.nativeBinding
      })
    } catch (error) {
      throw toArchiveError(error, file, readonly ? 'opening it read-only' : 'opening it')
    }
  }

  if (options.readonly === true) {
    const db = connect(true)
    try {
      const state = readSchemaState(db, file, migrations)
      if (state.pending.length > 0) {
        throw new AppError(
          'INVALID_INPUT',
          `Archive ${file} has schema version ${state.version} and this version needs ` +
            `${latestVersion(migrations)}; open it once read-write to upgrade it.`
        )
      }
      return db
    } catch (error) {
      db.close()
      throw toArchiveError(error, file, 'reading its schema')
    }
  }

  if (exists && walHasFrames(file)) {
    const probe = connect(true)
    try {
      readSchemaState(probe, file, migrations)
    } catch (error) {
      throw toArchiveError(error, file, 'reading its schema')
    } finally {
      probe.close()
    }
  }

  const db = connect(false)
  try {
    const state = readSchemaState(db, file, migrations)
    // WAL: readers (the app's table) never block the writer (a cron sync) and vice versa.
    db.pragma('journal_mode = WAL')
    // FULL, not NORMAL: the archive is evidence and may hold events the source has already
    // expired, so a committed page must survive a power cut, not only a crash. The price is one
    // WAL fsync per transaction (about 2.6 ms measured on the build machine), i.e. per page of
    // events, small beside the network round trip that fetched the page.
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    applyMigrations(db, file, state.pending, migrations)
    return db
  } catch (error) {
    db.close()
    throw toArchiveError(error, file, 'opening it')
  }
}

/** False when there is no file yet (or an empty one); throws for anything that is not SQLite. */
function checkFileKind(file: string): boolean {
  let size: number
  try {
    const stat = statSync(file)
    if (!stat.isFile()) throw new AppError('INVALID_INPUT', `Archive ${file} is not a regular file.`)
    size = stat.size
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    if (error instanceof AppError) throw error
    throw new AppError('IO', `Archive ${file} cannot be read: ${(error as Error).message}`, { cause: error })
  }
  if (size === 0) return false
  const fd = openSync(file, 'r')
  let header: Buffer
  try {
    header = Buffer.alloc(SQLITE_HEADER.length)
    header = header.subarray(0, readSync(fd, header, 0, header.length, 0))
  } finally {
    closeSync(fd)
  }
  if (!header.equals(SQLITE_HEADER)) {
    throw new AppError(
      'ARCHIVE_DAMAGED',
      `Archive ${file} is not an SQLite database (its header is wrong); it was left untouched. ` +
        'Move it aside or choose another data folder.'
    )
  }
  return true
}

function walHasFrames(file: string): boolean {
  try {
    return statSync(`${file}-wal`).size > 0
  } catch {
    return false
  }
}

function latestVersion(migrations: readonly Migration[]): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0)
}

/** Reads (never writes) what the database is and which migrations it still needs. */
export function readSchemaState(
  db: Database.Database,
  file: string,
  migrations: readonly Migration[] = MIGRATIONS
): ArchiveSchemaState {
  const applicationId = db.pragma('application_id', { simple: true }) as number
  const userVersion = db.pragma('user_version', { simple: true }) as number
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]
  if (applicationId !== ARCHIVE_APPLICATION_ID) {
    if (applicationId === 0 && tables.length === 0 && userVersion === 0) {
      return { kind: 'new', version: 0, pending: migrations }
    }
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
  const latest = latestVersion(migrations)
  if (version > latest) {
    throw new AppError(
      'SCHEMA_TOO_NEW',
      `Archive ${file} was written by a newer version of Registry Audit Viewer (schema version ${version}; ` +
        `this version reads up to ${latest}). Update the application; the archive was left untouched.`
    )
  }
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
  const done = new Set(applied.map((m) => m.version))
  return { kind: 'ours', version, pending: migrations.filter((m) => !done.has(m.version)) }
}

/**
 * Applies pending migrations, each in its own IMMEDIATE transaction together with its
 * `schema_migrations` row, `user_version` and `application_id`, so a crash leaves the archive at a
 * whole version. The state is read again inside each transaction, because another process may be
 * migrating the same file at the same moment.
 */
export function applyMigrations(
  db: Database.Database,
  file: string,
  pending: readonly Migration[],
  migrations: readonly Migration[] = MIGRATIONS
): void {
  for (const migration of pending) {
    const apply = db.transaction(() => {
      const state = readSchemaState(db, file, migrations)
      if (!state.pending.some((m) => m.version === migration.version)) return
      db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        applied_at INTEGER NOT NULL
      ) STRICT`)
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
  if (pending.length > 0) {
    try {
      // The planner's statistics tables, created now while the file is small: created later by
      // `PRAGMA optimize`, their schema entries would land on a page at the end of a large file,
      // where a truncated archive loses them, and with them the map that recovery reads.
      db.exec('ANALYZE sqlite_schema')
    } catch (error) {
      throw toArchiveError(error, file, 'creating the planner statistics tables')
    }
  }
}

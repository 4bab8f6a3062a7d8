import Database from 'better-sqlite3'
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { AppError } from '../errors'
import { listDamagedBackups } from './archive-backup'
import { LATEST_SCHEMA_VERSION } from './migrations'
import { ARCHIVE_APPLICATION_ID } from './schema-migrations'

/**
 * Looking at an archive file without changing it: a screen of its first 100 bytes that needs no
 * SQLite (is it SQLite at all, is it shorter than its header says), and a full integrity check
 * through a read-only connection. Neither ever writes the archive; the check's connection may
 * create the -shm index SQLite needs to read a WAL database, nothing else.
 */

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1')
const HEADER_BYTES = 100
const MAX_PROBLEMS = 50

/** Why a file cannot be an intact archive, judged from its header and size alone; undefined when it may be. */
export function screenArchiveFile(file: string): string | undefined {
  let size: number
  try {
    const stat = statSync(file)
    if (!stat.isFile()) return undefined
    size = stat.size
  } catch {
    return undefined
  }
  if (size === 0) return undefined
  const header = Buffer.alloc(HEADER_BYTES)
  let read: number
  try {
    const fd = openSync(file, 'r')
    try {
      read = readSync(fd, header, 0, HEADER_BYTES, 0)
    } finally {
      closeSync(fd)
    }
  } catch {
    // Unreadable is a permission matter, reported by the open itself.
    return undefined
  }
  if (read < SQLITE_MAGIC.length || !header.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    return 'it is not an SQLite database: its header is wrong'
  }
  if (read < HEADER_BYTES) return `it is cut short: ${size} bytes, less than an SQLite header`
  const rawPageSize = header.readUInt16BE(16)
  const pageSize = rawPageSize === 1 ? 65_536 : rawPageSize
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) return `its header is damaged (page size ${rawPageSize})`
  // The page count in the header is valid only when "version-valid-for" matches the change
  // counter (SQLite file format §1.3.7); then the file must hold at least that many pages —
  // unless a write-ahead log holds frames: a checkpoint writes page 1 (with the new count) before
  // the pages that extend the file, so a crash in the middle of one leaves a short file whose
  // missing pages are still in the log. SQLite itself judges that case.
  const changeCounter = header.readUInt32BE(24)
  const pages = header.readUInt32BE(28)
  const validFor = header.readUInt32BE(92)
  if (validFor === changeCounter && pages > 0 && pages * pageSize > size && !walHasFrames(file)) {
    return `it is cut short: its header counts ${pages} pages of ${pageSize} bytes (${pages * pageSize} bytes) but the file has ${size}`
  }
  return undefined
}

function walHasFrames(file: string): boolean {
  try {
    return statSync(`${file}-wal`).size > 32
  } catch {
    return false
  }
}

export type ArchiveFileKind =
  | 'archive'
  /** No file, or an empty one: a new archive would be created there. */
  | 'missing'
  | 'not-sqlite'
  /** An SQLite database of another application. */
  | 'foreign'
  /** Written by a newer version of this application. */
  | 'newer-schema'
  /** So damaged that not even its schema can be read. */
  | 'unreadable'

export interface ArchiveCheckReport {
  file: string
  kind: ArchiveFileKind
  /** True when SQLite's integrity check passed and every table could be read. */
  ok: boolean
  schemaVersion: number | null
  /** What is wrong, in SQLite's words where it has them; at most 50. */
  problems: string[]
  /** Rows per table; null where the table could not be read to its end. */
  tables: Array<{ name: string; rows: number | null }>
  /** Copies of this archive kept aside as damaged (archive-backup.ts). */
  backups: string[]
}

/**
 * The integrity check behind `registry-audit archive check`: reads the whole file through a
 * read-only connection (SQLite's integrity_check, then a count of every table) and reports what
 * it found. Never changes the archive. Throws only for a file it cannot open at all for reading
 * (permissions): every kind of damage is reported, not thrown.
 */
export function checkArchiveFile(file: string, options: { nativeBinding?: string } = {}): ArchiveCheckReport {
  const report: ArchiveCheckReport = { file, kind: 'archive', ok: false, schemaVersion: null, problems: [], tables: [], backups: listDamagedBackups(file) }
  const problem = (text: string): void => {
    if (report.problems.length < MAX_PROBLEMS) report.problems.push(text)
  }
  let size: number
  try {
    const stat = statSync(file)
    if (!stat.isFile()) throw new AppError('INVALID_INPUT', `${file} is not a regular file.`)
    size = stat.size
  } catch (error) {
    if (error instanceof AppError) throw error
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ...report, kind: 'missing', problems: [`${file} does not exist`] }
    throw new AppError('IO', `${file} cannot be read: ${(error as Error).message}`, { cause: error })
  }
  if (size === 0) return { ...report, kind: 'missing', problems: [`${file} is empty`] }
  const screened = screenArchiveFile(file)
  if (screened?.startsWith('it is not an SQLite database')) return { ...report, kind: 'not-sqlite', problems: [screened] }
  if (screened !== undefined) problem(screened)

  let db: Database.Database
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, nativeBinding: options.nativeBinding })
  } catch (error) {
    throw new AppError('IO', `${file} cannot be opened for reading: ${(error as Error).message}`, { cause: error })
  }
  try {
    // Defensive mode forbids writable_schema; on a read-only connection it only lets SQLite skip
    // schema rows it cannot make sense of instead of refusing the whole file.
    db.unsafeMode(true)
    let schemaRead = tryRead(() => db.prepare("SELECT count(*) FROM sqlite_master").pluck().get())
    if (!schemaRead.ok) {
      problem(`its schema cannot be read as it is (${schemaRead.error}); reading past the damaged entries`)
      db.pragma('writable_schema = ON')
      schemaRead = tryRead(() => db.prepare("SELECT count(*) FROM sqlite_master").pluck().get())
      if (!schemaRead.ok) {
        problem(`its schema cannot be read at all (${schemaRead.error})`)
        return { ...report, kind: 'unreadable' }
      }
    }
    // Read after the schema: SQLite loads the schema before answering any pragma.
    const applicationId = readPragma(db, 'application_id')
    const userVersion = readPragma(db, 'user_version')
    report.schemaVersion = userVersion ?? null
    const tables = (
      tryRead(() => db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid").pluck().all() as string[])
    )
    const names = tables.ok ? tables.value : []
    if (applicationId !== ARCHIVE_APPLICATION_ID) {
      report.kind = applicationId === 0 && names.length === 0 ? 'missing' : 'foreign'
      if (report.kind === 'foreign') problem(`it is an SQLite database of another application (application id ${applicationId ?? 'unreadable'})`)
    } else if (userVersion !== undefined && userVersion > LATEST_SCHEMA_VERSION) {
      report.kind = 'newer-schema'
      problem(`it was written by a newer version (schema ${userVersion}; this version reads up to ${LATEST_SCHEMA_VERSION}): update the application`)
    }

    const integrity = tryRead(() => db.pragma(`integrity_check(${MAX_PROBLEMS})`, { simple: false }) as Array<{ integrity_check: string }>)
    if (!integrity.ok) problem(`SQLite's integrity check stopped: ${integrity.error}`)
    else {
      for (const row of integrity.value) {
        for (const line of row.integrity_check.split('\n')) {
          const text = line.trim()
          if (text !== '' && text !== 'ok' && !text.startsWith('*** in database')) problem(text)
        }
      }
    }
    for (const name of names) {
      // FTS5's shadow tables are rebuilt from the events; their own counts say nothing more.
      if (/^events_fts_/.test(name)) continue
      const count = tryRead(() => db.prepare(`SELECT count(*) FROM "${name.replace(/"/g, '""')}"`).pluck().get() as number)
      report.tables.push({ name, rows: count.ok ? count.value : null })
      if (!count.ok) problem(`table ${name} cannot be read to its end (${count.error})`)
    }
    report.ok = report.problems.length === 0 && report.kind === 'archive'
    return report
  } finally {
    db.close()
  }
}

function readPragma(db: Database.Database, name: string): number | undefined {
  const result = tryRead(() => db.pragma(name, { simple: true }) as number)
  return result.ok ? result.value : undefined
}

type Read<T> = { ok: true; value: T } | { ok: false; error: string }

function tryRead<T>(read: () => T): Read<T> {
  try {
    return { ok: true, value: read() }
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) }
  }
}

import Database from 'better-sqlite3'
import { linkSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { AppError } from '../errors'
import { Archive } from './archive'
import { backupDamagedArchive, type ArchiveBackup } from './archive-backup'
import { LATEST_SCHEMA_VERSION } from './migrations'
import { ARCHIVE_APPLICATION_ID } from './schema-migrations'

/**
 * `registry-audit archive recover --out FILE`: copies whatever can still be read from a damaged
 * archive into a new archive file, and says how much that was. The damaged archive is never
 * written: recovery first keeps a backup of it (archive-backup.ts) and reads that copy, through a
 * read-only connection that tolerates a partly unreadable schema.
 *
 * Rows are read table by table in rowid order. Where a read fails (a damaged page), the next
 * readable rowid is searched for (exponentially, then by halving), the skipped rowid range is
 * reported, and reading goes on — so one bad page costs the rows on it, not the rest of the table.
 * Rows keep their ids, hashes and times, so the integrity chain of the new archive shows exactly
 * where events are missing. Sync cursors are not copied: the next sync reads every account from
 * the start, bringing back what the source still holds, and the archive's identity rule
 * (account, source event id) keeps what was recovered from being stored twice.
 *
 * The new archive is built under a temporary name and linked to `out` only when complete (a
 * link never replaces an existing file), so `out` is either absent or whole.
 */

export interface RecoveredTable {
  name: string
  /** Rows copied into the new archive. */
  recovered: number
  /** Rowid ranges that could not be read (`to` null: to the end of the table). */
  unreadable: Array<{ from: number; to: number | null }>
  /** Rows read but refused by the new archive (a value damaged past its type), or dropped as orphans. */
  rejected: number
}

export interface RecoveryReport {
  /** The damaged archive (never written). */
  source: string
  /** The copy actually read (the backup), or the archive itself when no copy could be kept. */
  readFrom: string
  backup: ArchiveBackup | null
  out: string
  tables: RecoveredTable[]
  events: {
    recovered: number
    /** What the archive should hold by its chain heads (less pruned events); null when unreadable. */
    expected: number | null
    /** expected − recovered; null when expected is unknown. */
    lost: number | null
  }
  /** Accounts whose row was lost while some of their events survived: recreated as removed placeholders. */
  placeholderAccounts: number[]
  problems: string[]
}

/** Tables never copied: SQLite's own, the migration record (the new file has its own), live sync state. */
const SKIPPED_TABLES = new Set(['schema_migrations', 'sync_locks', 'sync_cursors', 'sqlite_sequence', 'sqlite_stat1', 'sqlite_stat4'])
const BATCH = 500
const MAX_ROWID = Number.MAX_SAFE_INTEGER
const MIN_ROWID = Number.MIN_SAFE_INTEGER

export interface RecoverOptions {
  nativeBinding?: string
  now?: () => number
}

export function recoverArchive(file: string, out: string, options: RecoverOptions = {}): RecoveryReport {
  const source = path.resolve(file)
  const target = path.resolve(out)
  if (source === target) throw new AppError('INVALID_INPUT', 'The recovered archive must be a new file, not the damaged archive itself.')
  if (exists(target)) throw new AppError('CONFLICT', `${target} already exists; recovery writes only to a new file. Choose another name.`)
  if (!exists(source)) throw new AppError('NOT_FOUND', `Archive ${source} does not exist.`)

  const problems: string[] = []
  let backup: ArchiveBackup | null = null
  try {
    backup = backupDamagedArchive(source, { now: options.now })
  } catch (error) {
    problems.push(`no backup could be kept (${(error as Error).message}); the archive itself was read, read-only`)
  }
  const readFrom = backup?.file ?? source

  let db: Database.Database
  try {
    db = new Database(readFrom, { readonly: true, fileMustExist: true, nativeBinding: options.nativeBinding })
  } catch (error) {
    throw new AppError('IO', `${readFrom} cannot be opened for reading: ${(error as Error).message}`, { cause: error })
  }
  const temp = `${target}.recovering-${process.pid}`
  removeQuietly(temp)
  let outDb: Database.Database | undefined
  try {
    db.unsafeMode(true)
    checkReadable(db, readFrom, problems)
    // A fresh archive of this build's schema, then a raw connection to fill it.
    Archive.open(temp, { nativeBinding: options.nativeBinding }).close()
    outDb = new Database(temp, { nativeBinding: options.nativeBinding })
    outDb.pragma('foreign_keys = OFF')
    outDb.pragma('synchronous = OFF')

    const sourceTables = new Set(
      readOr(() => db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[], [] as string[])
    )
    const order = tablesToCopy(outDb)
    const tables: RecoveredTable[] = []
    for (const name of order) {
      if (!sourceTables.has(name)) continue
      tables.push(copyTable(db, outDb, name, problems))
    }
    const placeholderAccounts = addPlaceholderAccounts(outDb, options.now ?? Date.now)
    dropOrphans(outDb, tables, problems)

    // quick_check: the structure of every table and index; the full check would also re-verify
    // the text index just built, which costs minutes on a large archive and proves nothing new.
    const integrity = outDb.pragma('quick_check', { simple: true })
    if (integrity !== 'ok') throw new AppError('INTERNAL', `the recovered archive failed its own integrity check: ${String(integrity)}`)
    outDb.close()
    outDb = undefined
    // The new file must open as an archive before it gets its name.
    Archive.open(temp, { nativeBinding: options.nativeBinding }).close()
    try {
      linkSync(temp, target)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new AppError('CONFLICT', `${target} appeared while recovering; the recovered archive was not put there.`)
      }
      throw new AppError('IO', `could not write ${target}: ${(error as Error).message}`, { cause: error })
    }

    const events = tables.find((table) => table.name === 'events')?.recovered ?? 0
    const expected = expectedEvents(db)
    if (expected === null) problems.push('how many events the archive held cannot be told: its chain heads are unreadable')
    return {
      source,
      readFrom,
      backup,
      out: target,
      tables,
      events: { recovered: events, expected, lost: expected === null ? null : Math.max(0, expected - events) },
      placeholderAccounts,
      problems
    }
  } finally {
    outDb?.close()
    db.close()
    for (const suffix of ['', '-wal', '-shm']) removeQuietly(`${temp}${suffix}`)
  }
}

function checkReadable(db: Database.Database, file: string, problems: string[]): void {
  const schema = (): number => db.prepare('SELECT count(*) FROM sqlite_master').pluck().get() as number
  try {
    schema()
  } catch (error) {
    problems.push(`the schema could not be read as it is (${(error as Error).message}); damaged schema entries were skipped`)
    db.pragma('writable_schema = ON')
    try {
      schema()
    } catch (again) {
      throw new AppError(
        'ARCHIVE_DAMAGED',
        `${file} is too damaged to recover with this tool: its schema cannot be read (${(again as Error).message}). ` +
          "The sqlite3 shell's .recover command may still get rows out of this copy.",
        { cause: again }
      )
    }
  }
  const applicationId = readOr(() => db.pragma('application_id', { simple: true }) as number, -1)
  if (applicationId !== ARCHIVE_APPLICATION_ID) {
    throw new AppError('INVALID_INPUT', `${file} is not a Registry Audit Viewer archive (application id ${applicationId}); nothing was recovered.`)
  }
  const version = readOr(() => db.pragma('user_version', { simple: true }) as number, 0)
  if (version > LATEST_SCHEMA_VERSION) {
    throw new AppError(
      'SCHEMA_TOO_NEW',
      `${file} was written by a newer version (schema ${version}; this version reads up to ${LATEST_SCHEMA_VERSION}): ` +
        'recover it with that version, or columns it added would be lost.'
    )
  }
}

/** The new archive's tables worth copying, accounts first (everything refers to them), then events. */
function tablesToCopy(outDb: Database.Database): string[] {
  const names = (
    outDb.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY rowid").pluck().all() as string[]
  ).filter((name) => !SKIPPED_TABLES.has(name) && !name.startsWith('sqlite_') && !/_fts_(data|idx|config|docsize|content)$/.test(name))
  const first = ['accounts', 'events'].filter((name) => names.includes(name))
  return [...first, ...names.filter((name) => !first.includes(name))]
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`

function columnsOf(db: Database.Database, table: string): string[] {
  return (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[])
}

function copyTable(db: Database.Database, outDb: Database.Database, name: string, problems: string[]): RecoveredTable {
  const result: RecoveredTable = { name, recovered: 0, unreadable: [], rejected: 0 }
  let sourceColumns: string[]
  try {
    sourceColumns = columnsOf(db, name)
  } catch (error) {
    problems.push(`table ${name}: its definition cannot be read (${(error as Error).message})`)
    result.unreadable.push({ from: MIN_ROWID, to: null })
    return result
  }
  const columns = columnsOf(outDb, name).filter((column) => sourceColumns.includes(column))
  if (columns.length === 0) return result
  const list = columns.map(quote).join(', ')
  const insert = outDb.prepare(`INSERT OR IGNORE INTO ${quote(name)} (${list}) VALUES (${columns.map(() => '?').join(', ')})`)
  let select: Database.Statement
  let probe: Database.Statement
  try {
    select = db.prepare(`SELECT rowid AS "__rowid", ${list} FROM ${quote(name)} WHERE rowid >= ? ORDER BY rowid LIMIT ${BATCH}`)
    probe = db.prepare(`SELECT rowid FROM ${quote(name)} WHERE rowid >= ? ORDER BY rowid LIMIT 1`)
  } catch (error) {
    problems.push(`table ${name} cannot be read (${(error as Error).message})`)
    result.unreadable.push({ from: MIN_ROWID, to: null })
    return result
  }
  const store = outDb.transaction((rows: Array<Record<string, unknown>>) => {
    for (const row of rows) {
      const damage = name === 'events' ? eventRowDamage(row) : undefined
      if (damage !== undefined) {
        result.rejected++
        if (result.rejected <= 3) problems.push(`table ${name}: row ${String(row['__rowid'])} was read but is damaged (${damage})`)
        continue
      }
      try {
        if (insert.run(...columns.map((column) => row[column])).changes === 1) result.recovered++
        else result.rejected++
      } catch (error) {
        result.rejected++
        if (result.rejected <= 3) problems.push(`table ${name}: row ${String(row['__rowid'])} was read but refused (${(error as Error).message})`)
      }
    }
  })
  const readable = (start: number): boolean => {
    try {
      probe.get(start)
      return true
    } catch {
      return false
    }
  }

  let from = MIN_ROWID
  for (;;) {
    const rows: Array<Record<string, unknown>> = []
    let failed: string | undefined
    try {
      for (const row of select.iterate(from) as IterableIterator<Record<string, unknown>>) rows.push(row)
    } catch (error) {
      failed = (error as Error).message
    }
    store(rows)
    const last = rows.at(-1)?.['__rowid']
    if (typeof last === 'number') from = last + 1
    if (failed === undefined) {
      if (rows.length < BATCH) break
      continue
    }
    // `from` cannot be read past: find the first rowid after it from which reading works again.
    const next = nextReadable(from, readable)
    result.unreadable.push({ from, to: next === undefined ? null : next - 1 })
    if (result.unreadable.length <= 3) {
      const start = from === MIN_ROWID ? 'the start' : `id ${from}`
      problems.push(`table ${name}: rows from ${start} ${next === undefined ? 'to the end' : `to id ${next - 1}`} could not be read (${failed})`)
    }
    if (next === undefined) break
    from = next
  }
  return result
}

const CHAIN_HASH = /^[0-9a-f]{64}$/

/**
 * A page cut short can still be read, its missing bytes as filler: an event that comes back that
 * way must not enter the new archive looking whole. Every event's raw record is JSON and its chain
 * hash a SHA-256, so a row that breaks either was not read as it was written.
 */
function eventRowDamage(row: Record<string, unknown>): string | undefined {
  if (typeof row['chain_hash'] === 'string' && !CHAIN_HASH.test(row['chain_hash'])) return 'its chain hash is not a SHA-256'
  if (typeof row['source_event_id'] === 'string' && row['source_event_id'].trim() === '') return 'its source id is empty'
  if (typeof row['raw'] === 'string') {
    try {
      JSON.parse(row['raw'])
    } catch {
      return 'its raw record is not JSON'
    }
  }
  return undefined
}

/** The smallest start after `floor` from which a read works; undefined when none does. */
function nextReadable(floor: number, readable: (start: number) => boolean): number | undefined {
  let bad = floor
  let good = floor
  for (let step = 1; ; step *= 2) {
    const start = floor + step
    if (start > MAX_ROWID || start < floor) return undefined
    if (readable(start)) {
      good = start
      break
    }
    bad = start
  }
  while (good - bad > 1) {
    const middle: number = bad + Math.floor((good - bad) / 2)
    if (readable(middle)) good = middle
    else bad = middle
  }
  return good
}

/**
 * Events (and runs, heads) of an account whose own row was lost keep a removed placeholder
 * account, so they stay queryable and no sync ever starts for it.
 */
function addPlaceholderAccounts(outDb: Database.Database, now: () => number): number[] {
  const referring = (outDb.prepare("SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table' AND c.name = 'account_id'").pluck().all() as string[])
  const ids = new Set<number>()
  for (const table of referring) {
    for (const id of outDb.prepare(`SELECT DISTINCT account_id FROM ${quote(table)} WHERE account_id NOT IN (SELECT id FROM accounts)`).pluck().all() as number[]) {
      ids.add(id)
    }
  }
  const insert = outDb.prepare(
    "INSERT INTO accounts (id, name, kind, url, options, created_at, updated_at, removed_at) VALUES (?, ?, 'file', 'file:recovered', '{}', ?, ?, ?)"
  )
  const at = now()
  for (const id of ids) insert.run(id, `recovered-account-${id}`, at, at, at)
  return [...ids].sort((a, b) => a - b)
}

/** Rows pointing at something lost (a pin of an unreadable event): dropped and counted. */
function dropOrphans(outDb: Database.Database, tables: RecoveredTable[], problems: string[]): void {
  const violations = outDb.pragma('foreign_key_check') as Array<{ table: string; rowid: number }>
  for (const violation of violations) {
    outDb.prepare(`DELETE FROM ${quote(violation.table)} WHERE rowid = ?`).run(violation.rowid)
    const table = tables.find((t) => t.name === violation.table)
    if (table !== undefined) {
      table.recovered--
      table.rejected++
    }
  }
  if (violations.length > 0) problems.push(`${violations.length} rows referred to rows that were lost and were left out`)
}

/** Events held by the chain heads, less those pruned on purpose; null when the heads are unreadable. */
function expectedEvents(db: Database.Database): number | null {
  const heads = readOr(() => db.prepare('SELECT coalesce(sum(count), 0) FROM chain_heads').pluck().get() as number, null)
  if (heads === null) return null
  const pruned = readOr(() => db.prepare('SELECT coalesce(sum(count), 0) FROM chain_checkpoints').pluck().get() as number, 0)
  return heads - pruned
}

function readOr<T, F>(read: () => T, fallback: F): T | F {
  try {
    return read()
  } catch {
    return fallback
  }
}

function exists(file: string): boolean {
  try {
    statSync(file)
    return true
  } catch {
    return false
  }
}

function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true })
  } catch {
    // A leftover temporary file is harmless and named as such.
  }
}

import Database from 'better-sqlite3'
import type { AuditEvent, SourceKind } from '../../../shared/event'
import { EVENT_SELECT, toAuditEvent, type EventRow } from '../db/event-row'
import { BUSY_TIMEOUT_MS } from '../db/schema-migrations'
import { toArchiveError } from '../db/sqlite-errors'
import { AppError } from '../errors'

/** An account row as the investigation features need it (removed accounts included). */
export interface InvestigatedAccount {
  id: number
  name: string
  kind: SourceKind
  url: string
  removed: boolean
}

/**
 * The investigation features' own connection to the archive file (as ArchiveExtras has one for
 * the UI's reads): opened after the service has opened and migrated the archive, so archive.ts
 * stays the one place that creates or upgrades a file. WAL lets it read while a sync writes; its
 * writes (saved queries, cases, local retention) are short IMMEDIATE transactions.
 */
export class InvestigationDb {
  readonly file: string
  readonly db: Database.Database
  private readonly statements = new Map<string, Database.Statement>()

  private constructor(db: Database.Database, file: string) {
    this.db = db
    this.file = file
  }

  static open(file: string, options: { nativeBinding?: string } = {}): InvestigationDb {
    let db: Database.Database
    try {
      db = new Database(file, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS, nativeBinding: options.nativeBinding })
    } catch (error) {
      throw toArchiveError(error, file, 'opening it')
    }
    return new InvestigationDb(db, file)
  }

  /** A statement prepared once per SQL text (the texts are fixed strings in this folder). */
  prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql)
    if (statement === undefined) {
      statement = this.db.prepare(sql)
      this.statements.set(sql, statement)
    }
    return statement
  }

  /** Runs `work`, turning SQLite's errors into AppErrors that say what was being done. */
  guard<T>(doing: string, work: () => T): T {
    try {
      return work()
    } catch (error) {
      throw toArchiveError(error, this.file, doing)
    }
  }

  /** Every account, removed ones too (their events stay and are investigated like the rest). */
  accounts(): InvestigatedAccount[] {
    const rows = this.prepare('SELECT id, name, kind, url, removed_at FROM accounts ORDER BY name').all() as Array<{
      id: number
      name: string
      kind: SourceKind
      url: string
      removed_at: number | null
    }>
    return rows.map((row) => ({ id: row.id, name: row.name, kind: row.kind, url: row.url, removed: row.removed_at !== null }))
  }

  /** The account of that name (removed ones too), or NOT_FOUND. */
  requireAccount(name: string): InvestigatedAccount {
    const account = this.accounts().find((a) => a.name === name)
    if (account === undefined) throw new AppError('NOT_FOUND', `there is no account named ${name}`, { account: name })
    return account
  }

  accountNames(): Map<number, string> {
    const rows = this.prepare('SELECT id, name FROM accounts').all() as Array<{ id: number; name: string }>
    return new Map(rows.map((r) => [r.id, r.name]))
  }

  /** Events matching a WHERE clause (fixed SQL, bound values), in the order given. */
  events(where: string, params: unknown[], order = 'occurred_at, id', limit?: number): AuditEvent[] {
    const names = this.accountNames()
    const sql = `SELECT ${EVENT_SELECT} FROM events WHERE ${where} ORDER BY ${order}${limit === undefined ? '' : ' LIMIT ?'}`
    const rows = this.prepare(sql).all(...params, ...(limit === undefined ? [] : [limit])) as EventRow[]
    return rows.map((row) => toAuditEvent(row, names))
  }

  event(id: number): AuditEvent | undefined {
    return this.events('id = ?', [id])[0]
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}

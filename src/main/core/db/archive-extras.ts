import Database from 'better-sqlite3'
import type { AccountView, Histogram, RelatedEvents } from '../../../shared/contract'
import type { EventQuery } from '../../../shared/query'
import type { AuditService } from '../service'
import { eventHistogram } from './event-histogram'
import type { WhereOptions } from './event-query-sql'
import { relatedEvents } from './related-events'
import { toArchiveError } from './sqlite-errors'
import { UiSettingsStore } from './ui-settings-store'

/**
 * The reads and settings only the UI needs (histogram, related events, what each account holds,
 * settings and schedules), over the archive a service has open. They use a connection of their
 * own to the same file (WAL lets it read while a sync writes), opened after the service has
 * opened and migrated the archive, so the archive's own code stays the one place that creates
 * or upgrades a file.
 */
export class ArchiveExtras {
  readonly settings: UiSettingsStore
  private readonly where: WhereOptions
  private readonly heldStatement: Database.Statement<[number], { count: number; oldest: number | null; newest: number | null }>

  private constructor(
    private readonly db: Database.Database,
    private readonly service: AuditService,
    now: () => number
  ) {
    this.settings = new UiSettingsStore(db, now)
    const accountIds = db.prepare('SELECT id FROM accounts WHERE name = ?').pluck()
    this.where = { accountIds: (names) => names.flatMap((name) => accountIds.all(name) as number[]) }
    this.heldStatement = db.prepare(
      'SELECT count(*) AS count, min(occurred_at) AS oldest, max(occurred_at) AS newest FROM events WHERE account_id = ?'
    )
  }

  static open(service: AuditService, options: { nativeBinding?: string; now?: () => number } = {}): ArchiveExtras {
    // Any call makes the service open (create, migrate) the archive first.
    service.listAccounts()
    let db: Database.Database
    try {
      db = new Database(service.archiveFile, { fileMustExist: true, nativeBinding: options.nativeBinding })
      db.pragma('busy_timeout = 5000')
    } catch (error) {
      throw toArchiveError(error, service.archiveFile, 'opening it')
    }
    return new ArchiveExtras(db, service, options.now ?? Date.now)
  }

  /** How many events the archive holds for the account, and the oldest and newest times. */
  heldRange(accountId: number): AccountView['held'] {
    const row = this.heldStatement.get(accountId)
    return { count: row?.count ?? 0, oldest: row?.oldest ?? null, newest: row?.newest ?? null }
  }

  histogram(query: EventQuery, buckets?: number): Histogram {
    return eventHistogram(this.db, query, this.where, buckets)
  }

  relatedEvents(id: number, options: { limit?: number; includePull?: boolean }): RelatedEvents {
    const event = this.service.getEvent(id)
    return relatedEvents(this.db, event, (other) => this.service.getEvent(other), options)
  }

  close(): void {
    this.db.close()
  }
}

import type { CaseDetail, CasePin, CaseSummary } from '../../../shared/investigation'
import type { AuditEvent } from '../../../shared/event'
import { AppError } from '../errors'
import type { InvestigationDb } from './investigation-db'
import { checkInvestigationName } from './query-store'

/** Longest note kept with a pin. */
export const MAX_NOTE = 10_000

interface CaseRow {
  id: number
  name: string
  description: string
  created_at: number
  updated_at: number
  pins: number
}

/**
 * Cases: events pinned to an investigation with a note (issue 7 §5). A pin keeps a copy of its
 * event, so the case still shows and exports it after local retention (or a purge) removed it
 * from the archive; the copy is checked against the live row by account and source id, because
 * SQLite may give a removed event's id to a later one.
 */
export class CaseStore {
  constructor(
    private readonly db: InvestigationDb,
    private readonly now: () => number
  ) {}

  list(): CaseSummary[] {
    return this.db.guard('listing cases', () =>
      (this.db
        .prepare(
          `SELECT c.id, c.name, c.description, c.created_at, c.updated_at,
             (SELECT count(*) FROM case_pins p WHERE p.case_id = c.id) AS pins
           FROM cases c ORDER BY c.name`
        )
        .all() as CaseRow[]).map(summary)
    )
  }

  create(name: string, description = ''): CaseSummary {
    checkInvestigationName(name, 'case')
    if (description.length > MAX_NOTE) throw new AppError('INVALID_INPUT', `a case description is at most ${MAX_NOTE} characters`)
    const now = this.now()
    return this.db.guard('creating a case', () =>
      this.db.db
        .transaction(() => {
          if (this.db.prepare('SELECT 1 FROM cases WHERE name = ?').get(name) !== undefined) {
            throw new AppError('CONFLICT', `a case named ${name} already exists`)
          }
          this.db.prepare('INSERT INTO cases (name, description, created_at, updated_at) VALUES (?, ?, ?, ?)').run(name, description, now, now)
          return summary(this.row(name))
        })
        .immediate()
    )
  }

  get(name: string): CaseDetail {
    return this.db.guard('reading a case', () => {
      const row = this.row(name)
      const pins = this.db
        .prepare('SELECT event_id, note, pinned_at, event FROM case_pins WHERE case_id = ? ORDER BY pinned_at, event_id')
        .all(row.id) as Array<{ event_id: number; note: string; pinned_at: number; event: string }>
      const pins_list: CasePin[] = pins.map((pin) => {
        const copy = JSON.parse(pin.event) as AuditEvent
        const live = this.db.event(pin.event_id)
        const held = live !== undefined && live.account_id === copy.account_id && live.source_event_id === copy.source_event_id
        return { eventId: pin.event_id, note: pin.note, pinned_at: pin.pinned_at, event: held ? live : copy, held }
      })
      return { ...summary(row), pins_list }
    })
  }

  /** Pins an event to a case with a note; pinning it again replaces the note. */
  pin(name: string, eventId: number, note = ''): CasePin {
    if (note.length > MAX_NOTE) throw new AppError('INVALID_INPUT', `a note is at most ${MAX_NOTE} characters`)
    const now = this.now()
    return this.db.guard('pinning an event', () =>
      this.db.db
        .transaction(() => {
          const row = this.row(name)
          const event = Number.isSafeInteger(eventId) ? this.db.event(eventId) : undefined
          if (event === undefined) throw new AppError('NOT_FOUND', `there is no event with id ${String(eventId)}`)
          this.db
            .prepare(
              `INSERT INTO case_pins (case_id, event_id, note, pinned_at, event) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (case_id, event_id) DO UPDATE SET note = excluded.note`
            )
            .run(row.id, event.id, note, now, JSON.stringify(event))
          this.db.prepare('UPDATE cases SET updated_at = ? WHERE id = ?').run(now, row.id)
          const pinned = this.db
            .prepare('SELECT pinned_at FROM case_pins WHERE case_id = ? AND event_id = ?')
            .pluck()
            .get(row.id, event.id) as number
          return { eventId: event.id, note, pinned_at: pinned, event, held: true }
        })
        .immediate()
    )
  }

  unpin(name: string, eventId: number): void {
    this.db.guard('unpinning an event', () =>
      this.db.db
        .transaction(() => {
          const row = this.row(name)
          const changes = this.db.prepare('DELETE FROM case_pins WHERE case_id = ? AND event_id = ?').run(row.id, eventId).changes
          if (changes === 0) throw new AppError('NOT_FOUND', `event ${eventId} is not pinned to the case ${name}`)
          this.db.prepare('UPDATE cases SET updated_at = ? WHERE id = ?').run(this.now(), row.id)
        })
        .immediate()
    )
  }

  /** Deletes the case and its pins (the events stay in the archive). */
  delete(name: string): void {
    this.db.guard('deleting a case', () =>
      this.db.db
        .transaction(() => {
          const row = this.row(name)
          this.db.prepare('DELETE FROM case_pins WHERE case_id = ?').run(row.id)
          this.db.prepare('DELETE FROM cases WHERE id = ?').run(row.id)
        })
        .immediate()
    )
  }

  private row(name: string): CaseRow {
    const row = this.db
      .prepare(
        `SELECT c.id, c.name, c.description, c.created_at, c.updated_at,
           (SELECT count(*) FROM case_pins p WHERE p.case_id = c.id) AS pins
         FROM cases c WHERE c.name = ?`
      )
      .get(name) as CaseRow | undefined
    if (row === undefined) throw new AppError('NOT_FOUND', `there is no case named ${name}`)
    return row
  }
}

function summary(row: CaseRow): CaseSummary {
  return { name: row.name, description: row.description, created_at: row.created_at, updated_at: row.updated_at, pins: row.pins }
}

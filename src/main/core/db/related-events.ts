import type Database from 'better-sqlite3'
import type { RelatedEvents, Relation } from '../../../shared/contract'
import type { AuditEvent } from '../../../shared/event'

export const DEFAULT_RELATED_LIMIT = 200

/**
 * The history of an image around one event: every event, across accounts, with the same digest
 * or the same repository:tag, oldest first. When there are more than `limit`, the ones nearest
 * the event in time are kept (half before it, half after), so the event itself is always in view.
 * Pulls are left out unless asked for (a busy tag is pulled thousands of times), but the event
 * itself is always there.
 */
export function relatedEvents(
  db: Database.Database,
  event: AuditEvent,
  getEvent: (id: number) => AuditEvent,
  options: { limit?: number; includePull?: boolean } = {}
): RelatedEvents {
  const limit = options.limit ?? DEFAULT_RELATED_LIMIT
  const matches: string[] = []
  const params: unknown[] = []
  // Stored absent values are '' (never NULL); a missing digest or tag relates nothing.
  if (event.digest !== null && event.digest !== '') {
    matches.push('digest = ?')
    params.push(event.digest)
  }
  if (event.tag !== null && event.tag !== '' && event.repository !== null && event.repository !== '') {
    matches.push('(repository = ? AND tag = ?)')
    params.push(event.repository, event.tag)
  }
  const base = { id: event.id, digest: event.digest, repository: event.repository, tag: event.tag }
  if (matches.length === 0) {
    return { ...base, events: [{ ...event, relations: [] }], truncated: false }
  }

  const pull = options.includePull === true ? '' : "AND activity <> 'pull'"
  const related = `(${matches.join(' OR ')}) ${pull}`
  // Two walks outwards from the event along (occurred_at, id), one per direction, each up to the
  // whole limit: where one side has fewer than half, the other may fill the rest.
  const older = db
    .prepare(
      `SELECT id FROM events WHERE ${related} AND (occurred_at, id) < (?, ?) ORDER BY occurred_at DESC, id DESC LIMIT ?`
    )
    .pluck()
    .all(...params, event.occurred_at, event.id, limit) as number[]
  const newer = db
    .prepare(
      `SELECT id FROM events WHERE ${related} AND (occurred_at, id) > (?, ?) ORDER BY occurred_at ASC, id ASC LIMIT ?`
    )
    .pluck()
    .all(...params, event.occurred_at, event.id, limit) as number[]

  const room = limit - 1
  let keepOlder = Math.min(older.length, Math.floor(room / 2))
  const keepNewer = Math.min(newer.length, room - keepOlder)
  keepOlder = Math.min(older.length, room - keepNewer)
  const truncated = older.length > keepOlder || newer.length > keepNewer
  const ids = [...older.slice(0, keepOlder).reverse(), event.id, ...newer.slice(0, keepNewer)]

  const events = ids.map((id) => {
    const row = id === event.id ? event : getEvent(id)
    return { ...row, relations: relationsOf(row, event) }
  })
  return { ...base, events, truncated }
}

function relationsOf(row: AuditEvent, event: AuditEvent): Relation[] {
  const relations: Relation[] = []
  if (event.digest !== null && event.digest !== '' && row.digest === event.digest) relations.push('digest')
  if (event.tag !== null && event.tag !== '' && row.repository === event.repository && row.tag === event.tag) {
    relations.push('tag')
  }
  return relations
}

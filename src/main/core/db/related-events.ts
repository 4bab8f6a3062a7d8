import type Database from 'better-sqlite3'
import type { RelatedEvents, Relation } from '../../../shared/contract'
import type { AuditEvent } from '../../../shared/event'

export const DEFAULT_RELATED_LIMIT = 200

interface Position {
  id: number
  occurred_at: number
}

type Direction = 'older' | 'newer'

/**
 * The history of an image around one event: every event, across accounts, with the same digest
 * or the same repository:tag, oldest first. When there are more than `limit`, the ones nearest
 * the event in time are kept (half before it, half after, the rest to whichever side has more),
 * so the event itself is always in view. Pulls are left out unless asked for (a busy tag is
 * pulled thousands of times), but the event itself is always there.
 *
 * Each relation is walked outwards from the event along its own index ((digest, occurred_at) and
 * (repository, tag, occurred_at)), at most `limit` rows per walk, and the walks are merged here:
 * the cost follows the limit, not how many events share a busy tag.
 */
export function relatedEvents(
  db: Database.Database,
  event: AuditEvent,
  getEvent: (id: number) => AuditEvent,
  options: { limit?: number; includePull?: boolean } = {}
): RelatedEvents {
  const limit = options.limit ?? DEFAULT_RELATED_LIMIT
  const pull = options.includePull === true ? '' : "AND activity <> 'pull'"
  // Stored absent values are '' (never NULL); a missing digest or tag relates nothing.
  const relations: Array<{ sql: string; params: unknown[] }> = []
  if (event.digest !== null && event.digest !== '') relations.push({ sql: 'digest = ?', params: [event.digest] })
  if (event.tag !== null && event.tag !== '' && event.repository !== null && event.repository !== '') {
    relations.push({ sql: 'repository = ? AND tag = ?', params: [event.repository, event.tag] })
  }

  const walk = (direction: Direction): Position[] => {
    const [compare, order] = direction === 'older' ? ['<', 'DESC'] : ['>', 'ASC']
    const found = new Map<number, Position>()
    for (const relation of relations) {
      const rows = db
        .prepare(
          `SELECT id, occurred_at FROM events WHERE ${relation.sql} ${pull} AND (occurred_at, id) ${compare} (?, ?)
           ORDER BY occurred_at ${order}, id ${order} LIMIT ?`
        )
        .all(...relation.params, event.occurred_at, event.id, limit) as Position[]
      for (const row of rows) found.set(row.id, row)
    }
    const sign = direction === 'older' ? -1 : 1
    return [...found.values()].sort((a, b) => sign * (a.occurred_at - b.occurred_at || a.id - b.id))
  }

  const older = relations.length === 0 ? [] : walk('older')
  const newer = relations.length === 0 ? [] : walk('newer')
  const room = limit - 1
  let keepOlder = Math.min(older.length, Math.floor(room / 2))
  const keepNewer = Math.min(newer.length, room - keepOlder)
  keepOlder = Math.min(older.length, room - keepNewer)
  const ids = [...older.slice(0, keepOlder).map((p) => p.id).reverse(), event.id, ...newer.slice(0, keepNewer).map((p) => p.id)]

  return {
    id: event.id,
    digest: event.digest,
    repository: event.repository,
    tag: event.tag,
    events: ids.map((id) => {
      const row = id === event.id ? event : getEvent(id)
      return { ...row, relations: relationsOf(row, event) }
    }),
    truncated: older.length > keepOlder || newer.length > keepNewer
  }
}

function relationsOf(row: AuditEvent, event: AuditEvent): Relation[] {
  const relations: Relation[] = []
  if (event.digest !== null && event.digest !== '' && row.digest === event.digest) relations.push('digest')
  if (event.tag !== null && event.tag !== '' && row.repository === event.repository && row.tag === event.tag) {
    relations.push('tag')
  }
  return relations
}

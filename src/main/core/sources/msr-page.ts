import { quoteForMessage } from '../../../shared/time'
import { AppError } from '../errors'
import { parseTimestamp } from './dockerhub-page'

/**
 * Reading one answer of DTR/MSR `GET /api/v0/events` (sources/2-msr-dtr.md): `{ "events":
 * [schema.Event] }`, where an Event is `{ id, publishedAt, actor, type, object: {id, type, name?,
 * content?}, target? }` in DTR 2.3's Swagger, the only machine-readable schema there is. Later
 * versions are documented in prose only, so parsing is tolerant: every field the archive does not
 * need may be missing or carry more, and unknown fields stay in the raw record. Refused, with
 * BAD_RESPONSE naming the record: an event without an id (the archive's identity) or without a
 * readable `publishedAt`, and fields of a type the schema rules out.
 */

/** Most events accepted in one answer (we ask for at most a few hundred). */
export const MAX_EVENTS_PER_PAGE = 10_000

export interface MsrEventRecord {
  id: string
  /** `publishedAt` in ms since the epoch. */
  at: number
  raw: Record<string, unknown>
}

export interface MsrPagePlace {
  account: string
  host: string
}

export function parseMsrEventsPage(body: unknown, place: MsrPagePlace): MsrEventRecord[] {
  const bad = (text: string): AppError =>
    new AppError('BAD_RESPONSE', `${place.account}: bad response from ${place.host} for the events API: ${text}`, {
      account: place.account
    })
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('expected a JSON object with "events"')
  const events = (body as Record<string, unknown>)['events']
  if (!Array.isArray(events)) throw bad(events === undefined ? 'the answer has no "events"' : '"events" is not a list')
  if (events.length > MAX_EVENTS_PER_PAGE) throw bad(`${events.length} events in one answer is more than ${MAX_EVENTS_PER_PAGE}`)
  return events.map((value, index) => parseEvent(value, index, bad))
}

function parseEvent(value: unknown, index: number, bad: (text: string) => AppError): MsrEventRecord {
  const where = `event ${index + 1}`
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(`${where} is not an object`)
  const raw = value as Record<string, unknown>
  const id = raw['id']
  let idText: string
  if (typeof id === 'string' && id.trim() !== '') idText = id
  else if (typeof id === 'number' && Number.isSafeInteger(id)) idText = String(id)
  else throw bad(`${where} has no id`)
  // The id is the server's text: quoted, cut and escaped before it goes into a message.
  const shownId = quoteForMessage(idText)
  const published = raw['publishedAt']
  if (typeof published !== 'string') throw bad(`${where} (id ${shownId}) has no publishedAt string`)
  const at = parseTimestamp(published)
  if (at === undefined) throw bad(`${where} (id ${shownId}) has an unreadable publishedAt`)
  for (const field of ['type', 'actor']) {
    const text = raw[field]
    if (text !== undefined && text !== null && typeof text !== 'string') throw bad(`${where} (id ${shownId}) has a ${field} that is not a string`)
  }
  for (const field of ['object', 'target']) {
    const object = raw[field]
    if (object === undefined || object === null) continue
    if (typeof object !== 'object' || Array.isArray(object)) throw bad(`${where} (id ${shownId}) has an ${field} that is not an object`)
    for (const [key, inner] of Object.entries(object as Record<string, unknown>)) {
      // `content` is left free: the Activity tab shows it for promotion policies too, whose shape is undocumented.
      if (['id', 'type', 'name'].includes(key) && inner !== null && typeof inner !== 'string') {
        throw bad(`${where} (id ${shownId}) has ${field}.${key} that is not a string`)
      }
    }
  }
  return { id: idText, at, raw }
}

import { parseInstant, quoteForMessage, TimeSyntaxError } from '../../../shared/time'
import { parseBoundedJson } from '../bounded-json'
import { canonicalJson, sha256Hex } from '../canonical'
import { AppError } from '../errors'

/**
 * One IBM activity tracking event (CADF, sources/4-ibm-activity-tracker.md) as records carry it:
 * finding the event inside a record, reading its time, and its identity.
 *
 * Records come in three shapes, all read by the same functions:
 * - the event itself (what a Cloud Logs result's `user_data` decodes to, and what the contract
 *   says an Activity Tracker export line is);
 * - an export line whose event fields sit beside `_`-prefixed export metadata (`_ts`, `_host`, …),
 *   or whose event is a JSON string in `_line` (the export line format is [U] in the contract;
 *   both forms are accepted so that such files import rather than fail);
 * - a saved Cloud Logs result (`{metadata, labels, user_data: "<JSON string>"}`).
 */

export type IbmEvent = Record<string, unknown>

/** Where a record came from, for messages: "line 12", "slice 2025-05-12T00:00Z…", … */
export interface IbmRecordPlace {
  account?: string
  where?: string
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function looksLikeEvent(value: Record<string, unknown>): boolean {
  return 'action' in value || 'eventTime' in value
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed = parseBoundedJson(text)
    return isObject(parsed) ? parsed : undefined
  } catch {
    return undefined
  }
}

function prefix(place: IbmRecordPlace): string {
  return `${place.account ? `${place.account}: ` : ''}${place.where ? `${place.where}: ` : ''}`
}

function bad(place: IbmRecordPlace, why: string): AppError {
  return new AppError('BAD_RESPONSE', `${prefix(place)}${why}`, { account: place.account })
}

/**
 * The CADF event inside a record, without export metadata (top-level keys starting with `_`, which
 * no CADF field does). Throws BAD_RESPONSE for a record holding no event.
 */
export function extractIbmEvent(record: unknown, place: IbmRecordPlace = {}): IbmEvent {
  if (!isObject(record)) throw bad(place, 'the record is not a JSON object')
  if (typeof record['user_data'] === 'string' && !looksLikeEvent(record)) {
    const inner = parseJsonObject(record['user_data'])
    if (!inner) throw bad(place, 'user_data is not a JSON object encoded as a string')
    return extractIbmEvent(inner, place)
  }
  if (!looksLikeEvent(record) && typeof record['_line'] === 'string') {
    const inner = parseJsonObject(record['_line'])
    if (inner && looksLikeEvent(inner)) return inner
  }
  if (!looksLikeEvent(record)) throw bad(place, 'the record has no action and no eventTime: it is not an activity tracking event')
  if (!Object.keys(record).some((key) => key.startsWith('_'))) return record
  return Object.fromEntries(Object.entries(record).filter(([key]) => !key.startsWith('_')))
}

/** The event's `action`; throws BAD_RESPONSE when it is missing or not a string. */
export function ibmEventAction(event: IbmEvent, place: IbmRecordPlace = {}): string {
  const action = event['action']
  if (typeof action !== 'string' || action.trim() === '') throw bad(place, 'the event has no action')
  return action.trim()
}

const DATE_TIME_START = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/

/**
 * Reads `eventTime` tolerantly: IBM writes `2017-10-19T19:07:50.32+0000` (two fractional digits,
 * an offset without a colon); RFC 3339 forms (`Z`, `+00:00`), any number of fractional digits and
 * a space for the T are read too. A time without an offset is taken as UTC. Returns ms since the
 * epoch; throws BAD_RESPONSE when it is missing or unreadable.
 */
export function parseIbmEventTime(value: unknown, place: IbmRecordPlace = {}): number {
  if (typeof value !== 'string') {
    throw bad(place, value === undefined ? 'the event has no eventTime' : `eventTime is a ${typeof value}, not a date-time string`)
  }
  const text = value.trim()
  // parseInstant also reads relative forms ("7d", "now"); an event time must be a date-time.
  if (DATE_TIME_START.test(text)) {
    try {
      return parseInstant(text, { now: 0, bound: 'since', timeZone: 'UTC' })
    } catch (error) {
      if (!(error instanceof TimeSyntaxError)) throw error
    }
  }
  throw bad(place, `eventTime ${quoteForMessage(text)} is not a readable date-time`)
}

/**
 * The identity an event is stored under: the SHA-256 of its canonical JSON. The contract documents
 * no event id (`correlationId` ties related events together and is not unique), and Cloud Logs'
 * result metadata key names are unknown; the event itself is the same whether it came from a
 * Cloud Logs query or an export file, so both dedup against each other. Two distinct events cannot
 * collide in practice: each request has its own correlationId and eventTime is kept to 10 ms.
 */
export function ibmEventId(event: IbmEvent): string {
  return sha256Hex(canonicalJson(event))
}

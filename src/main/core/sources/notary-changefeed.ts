import { z } from 'zod'
import { quoteForMessage } from '../../../shared/time'
import { AppError } from '../errors'
import { hostOf, type HttpResponse } from '../net/http-client'
import { parseJsonBody } from '../net/json-body'
import { parseTimestamp } from './dockerhub-page'

/**
 * Reading notary-server's trust changefeed (sources/3-notary.md), shared by the `notary` connector
 * and the `trust` stream of an `msr` account.
 *
 * Wire quirks handled here:
 * - `records` is required (its absence is a 400), so every request sends it; the first request
 *   sends `change_id=0`, the one value every backend reads as "from the beginning" (an empty
 *   change_id is a 500 on RethinkDB, and `1` is not "latest" whatever DTR's docs say).
 * - IDs are opaque strings: decimal integers on SQL and memory stores, UUIDs on RethinkDB
 *   (DTR/MSR); they are never compared or computed with, only sent back as `change_id`.
 * - The record keys are Go field names without JSON tags: `ID`, `CreatedAt`, `GUN`, `Version`,
 *   `SHA256`, `Category`. Keys in another case are read too, should a proxy rewrite them.
 * - The empty answer is `{"count":0,"records":null}`; notary-server sends JSON as `text/plain`
 *   (Go's content sniffing, as it sets no type), which is read as JSON here.
 */

export const CHANGEFEED_FIRST_CHANGE_ID = '0'

/** Most changes accepted in one answer (we ask for a few hundred), as for every source's pages. */
export const MAX_CHANGES_PER_PAGE = 10_000

/** The path of the global feed, or of one GUN's feed (each path segment escaped, `:` kept for host:port). */
export function changefeedPath(gun?: string): string {
  if (gun === undefined) return '/v2/_trust/changefeed'
  const segments = gun.split('/').map((segment) => encodeURIComponent(segment).replace(/%3A/gi, ':'))
  return `/v2/${segments.join('/')}/_trust/changefeed`
}

/** The token scope each feed needs (server/server.go). */
export function changefeedScope(gun?: string): string {
  return gun === undefined ? 'registry:catalog:*' : `repository:${gun}:pull`
}

/** One change as received, with its ID read out. */
export interface ChangeRecord {
  id: string
  raw: Record<string, unknown>
}

export interface ChangefeedPage {
  /** `count` as the server said it (records in this answer). */
  count: number | undefined
  records: ChangeRecord[]
}

/** Reads a field by its Go name, or in any other case (`id`, `createdAt`, `created_at`…). */
export function changeField(raw: Record<string, unknown>, name: string): unknown {
  if (name in raw) return raw[name]
  const wanted = name.toLowerCase()
  for (const [key, value] of Object.entries(raw)) {
    if (key.toLowerCase().replace(/_/g, '') === wanted) return value
  }
  return undefined
}

/** Parses the body as JSON also when it came as text/plain (notary-server's own content type). */
export function parseChangefeedJson(response: HttpResponse, account: string): unknown {
  const type = (response.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type === 'text/plain') {
    return parseJsonBody({ ...response, headers: { ...response.headers, 'content-type': 'application/json' } }, account)
  }
  return parseJsonBody(response, account)
}

export interface FeedPlace {
  account: string
  /** "the changefeed" or "the changefeed of <gun>", for messages. */
  feed: string
  host: string
}

const pageSchema = z.object({ count: z.number().int().nonnegative().nullish(), records: z.array(z.unknown()).nullish() }).loose()

/**
 * Checks one changefeed answer. Tolerant where it costs nothing (unknown fields, lower-case keys,
 * numeric IDs), strict where the archive needs the value: an ID, a readable CreatedAt, a GUN
 * and a Category; Version and SHA256, when present, of their documented types.
 */
export function parseChangefeedPage(body: unknown, place: FeedPlace): ChangefeedPage {
  const bad = (text: string): AppError =>
    new AppError('BAD_RESPONSE', `${place.account}: bad response from ${place.host} for ${place.feed}: ${text}`, {
      account: place.account
    })
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('expected a JSON object with "records"')
  const parsed = pageSchema.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw bad(`"${issue?.path.join('.') || 'records'}" ${issue?.code === 'invalid_type' ? 'has the wrong type' : 'is invalid'}`)
  }
  if (!('records' in body)) throw bad('the answer has no "records"')
  const rawRecords = parsed.data.records ?? []
  if (rawRecords.length > MAX_CHANGES_PER_PAGE) throw bad(`${rawRecords.length} records in one answer is more than ${MAX_CHANGES_PER_PAGE}`)
  const records = rawRecords.map((value, index) => parseChange(value, index, bad))
  return { count: parsed.data.count ?? undefined, records }
}

function parseChange(value: unknown, index: number, bad: (text: string) => AppError): ChangeRecord {
  const where = `record ${index + 1}`
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(`${where} is not an object`)
  const raw = value as Record<string, unknown>
  const id = changeField(raw, 'ID')
  let idText: string
  if (typeof id === 'string' && id.trim() !== '') idText = id
  else if (typeof id === 'number' && Number.isSafeInteger(id)) idText = String(id)
  else throw bad(`${where} has no ID`)
  // The id is the server's text: quoted, cut and escaped before it goes into a message.
  const shownId = quoteForMessage(idText)
  const createdAt = changeField(raw, 'CreatedAt')
  if (typeof createdAt !== 'string') throw bad(`${where} (ID ${shownId}) has no CreatedAt string`)
  if (parseTimestamp(createdAt) === undefined) throw bad(`${where} (ID ${shownId}) has an unreadable CreatedAt`)
  const gun = changeField(raw, 'GUN')
  if (typeof gun !== 'string' || gun.trim() === '') throw bad(`${where} (ID ${shownId}) has no GUN`)
  const category = changeField(raw, 'Category')
  if (typeof category !== 'string' || category.trim() === '') throw bad(`${where} (ID ${shownId}) has no Category`)
  const version = changeField(raw, 'Version')
  if (version !== undefined && version !== null && !(typeof version === 'number' && Number.isInteger(version))) {
    throw bad(`${where} (ID ${shownId}) has a Version that is not an integer`)
  }
  const sha = changeField(raw, 'SHA256')
  if (sha !== undefined && sha !== null && typeof sha !== 'string') throw bad(`${where} (ID ${shownId}) has a SHA256 that is not a string`)
  return { id: idText, raw }
}

export interface ChangefeedWalkOptions {
  /** GETs one page (`change_id`, `records`) and returns its parsed JSON body. */
  fetch: (changeId: string, records: number) => Promise<unknown>
  /** The last ID already stored; null starts from the beginning. */
  after: string | null
  pageSize: number
  place: FeedPlace
}

export interface ChangefeedStep {
  records: ChangeRecord[]
  /** The ID to continue after: the last record of this page. */
  lastId: string
}

/**
 * Walks a feed from `after` to its end, oldest to newest: each page starts after the last ID of
 * the one before, until a page comes back short (or empty / `null`). A full page whose last ID is
 * the one it was asked to start after is refused rather than looped on.
 */
export async function* walkChangefeed(options: ChangefeedWalkOptions): AsyncGenerator<ChangefeedStep> {
  const { pageSize, place } = options
  let changeId = options.after ?? CHANGEFEED_FIRST_CHANGE_ID
  for (;;) {
    const page = parseChangefeedPage(await options.fetch(changeId, pageSize), place)
    const last = page.records.at(-1)
    if (last === undefined) return
    if (last.id === changeId) {
      throw new AppError(
        'BAD_RESPONSE',
        `${place.account}: bad response from ${place.host} for ${place.feed}: asked for the changes after ${quoteForMessage(changeId)}, it answered with that change again`,
        { account: place.account }
      )
    }
    yield { records: page.records, lastId: last.id }
    if (page.records.length < pageSize) return
    changeId = last.id
  }
}

/** "the changefeed of <gun> at <host>" — the place for messages. */
export function feedPlace(account: string, url: URL, gun?: string): FeedPlace {
  return { account, host: hostOf(url), feed: gun === undefined ? 'the trust changefeed' : `the trust changefeed of ${gun}` }
}

import { z } from 'zod'
import { ACTIVITIES, ACTOR_KINDS, OUTCOMES, VERBS, type NormalisedEvent } from '../../../shared/event'
import { parseInstant, TimeSyntaxError } from '../../../shared/time'
import { isRecordObject, rowReason, zodProblem, type ImportSource, type SourceRecordReader } from './import-source'

/**
 * Rows of registry-audit's own event export (export-events.ts: NDJSON, one `eventToJsonLine` per
 * line; `events --format json` writes the same objects as an array). Each carries the event's
 * `source_event_id`, its `raw` record exactly as stored and its normalised fields, so importing the
 * export into an account of the same kind restores the events exactly: the same identity, raw
 * record and columns. The columns are taken as carried (checked), not derived again, because a
 * connector may normalise with what it knew at sync time and a file does not say (the Quay
 * repository whose log a record came from); the raw record is still checked to be one of the
 * account's source, read by its normaliser, with the id that source gives it, so an export of
 * another kind's events is refused row by row. `id`, `account_id` and `account` belong to the
 * archive the export came from and are ignored.
 */

const nullableText = z.string().nullable()

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/

/**
 * The time of an exported event (export writes `toISOString()`), in ms; undefined unless it is an
 * ISO 8601 date-time in the years 0000–9999. Date.parse alone would take `-271821-04-20T00:00Z`,
 * `2024-02-30` or "Jan 1" (in the local zone): an event stored with such a time could never be
 * exported again.
 */
function exportedTime(text: string): number | undefined {
  if (!ISO_DATE_TIME.test(text)) return undefined
  try {
    return parseInstant(text, { now: 0, bound: 'since', timeZone: 'UTC' })
  } catch (error) {
    if (error instanceof TimeSyntaxError) return undefined
    throw error
  }
}

export const exportedEventSchema = z
  .object({
    id: z.number().int().optional(),
    occurred_at: z.string().refine((text) => exportedTime(text) !== undefined, 'not an ISO 8601 date-time in the years 0000–9999'),
    account_id: z.number().int().optional(),
    account: z.string().optional(),
    label: z.string(),
    verb: z.enum(VERBS),
    activity: z.enum(ACTIVITIES),
    action: z.string(),
    outcome: z.enum(OUTCOMES),
    actor: nullableText,
    actor_kind: z.enum(ACTOR_KINDS),
    namespace: nullableText,
    repository: nullableText,
    tag: nullableText,
    digest: nullableText,
    target: nullableText,
    client_ip: nullableText,
    user_agent: nullableText,
    source_event_id: z.string().min(1, 'empty'),
    raw: z.custom<unknown>((value) => value !== undefined && value !== null, 'missing')
  })
  .loose()

/** Whether a row is one of registry-audit's exported events (rather than a source's own record). */
export function isExportedEvent(value: unknown): boolean {
  return (
    isRecordObject(value) &&
    typeof value['source_event_id'] === 'string' &&
    'raw' in value &&
    typeof value['verb'] === 'string' &&
    typeof value['activity'] === 'string'
  )
}

/**
 * A reader of exported events. `sourceOf` picks the source whose normaliser and identity the raw
 * record is checked against (the account's kind; for a `file` account, the one it looks like).
 */
export function exportedEventReader(sourceOf: (raw: unknown) => ImportSource | undefined): SourceRecordReader {
  return (value) => {
    const parsed = exportedEventSchema.safeParse(value)
    if (!parsed.success) throw new Error(`not an exported event: ${zodProblem(parsed.error)}`)
    const { raw, source_event_id: sourceEventId } = parsed.data
    const source = sourceOf(raw)
    if (source === undefined) throw new Error('its raw record is not a record of any source registry-audit reads')
    try {
      source.checkExported(raw, sourceEventId)
    } catch (error) {
      throw new Error(`its raw record is not one of ${source.title}'s records (${rowReason(error)})`)
    }
    const { occurred_at: time, actor, actor_kind, action, verb, activity, outcome, label } = parsed.data
    const { namespace, repository, tag, digest, target, client_ip, user_agent } = parsed.data
    const normalised: NormalisedEvent = {
      occurred_at: exportedTime(time)!,
      action,
      verb,
      activity,
      outcome,
      actor,
      actor_kind,
      namespace,
      repository,
      tag,
      digest,
      target,
      client_ip,
      user_agent,
      label
    }
    return { kind: 'event', event: { sourceEventId, raw, normalised } }
  }
}

import { z } from 'zod'
import type { Account } from '../../../shared/account'
import { ACTIVITIES, ACTOR_KINDS, OUTCOMES, VERBS, type SourceKind } from '../../../shared/event'
import type { IngestEvent } from '../db/archive-types'
import type { CsvShape } from './csv-records'

/**
 * What the import engine needs to know about one source kind: how to read its records from a file
 * (identity and normalisation exactly as its connector does, so a sync and an import dedup
 * against each other), and how to check an event of registry-audit's own export against it.
 *
 * Readers and `checkExported` reject a row by throwing; the error's message is the reason reported.
 */

export type RecordOutcome =
  | { kind: 'event'; event: IngestEvent }
  /** A readable record that is not for this account (another IBM service's event): counted. */
  | { kind: 'skip' }
  /** Not a row at all (an export's end marker): not counted. */
  | { kind: 'ignore' }

/** Reads the records of one file in order; made per file, since an id may depend on neighbours. */
export type SourceRecordReader = (raw: unknown) => RecordOutcome

export type ImportSourceKind = Exclude<SourceKind, 'file'>

export interface ImportSource {
  kind: ImportSourceKind
  /** For messages: "Docker Hub". */
  title: string
  /**
   * A new reader of the source's own records (API page items or its export's rows), normalising
   * them as the account's connector does (some use the account's settings, such as Quay's
   * organisation; a `file` account has none).
   */
  records(account: Account): SourceRecordReader
  /** How a CSV of the source's records reads; absent where the source's records are not flat enough. */
  csv?: CsvShape
  /** Whether a value looks like one of the source's records (to tell sources apart in a `file` account). */
  looksLike(raw: unknown): boolean
  /**
   * Checks an event of registry-audit's export before it is restored into an account of this kind:
   * its raw record must be one of this source's (its normaliser reads it) and the carried id one
   * this source gives that record. Throws the reason when not.
   */
  checkExported(raw: unknown, sourceEventId: string): void
}

export function isRecordObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const nullableText = z.string().nullable()

/** The normalised fields as the archive accepts them; every event is checked before it is written. */
export const normalisedEventSchema = z.object({
  occurred_at: z.number().int().refine(Number.isSafeInteger, 'not a time in whole milliseconds'),
  action: z.string(),
  verb: z.enum(VERBS),
  activity: z.enum(ACTIVITIES),
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
  label: z.string()
})

/** The first problem zod found, as `field "verb": …`. */
export function zodProblem(error: z.ZodError): string {
  const issue = error.issues[0]
  if (issue === undefined) return 'invalid'
  const where = issue.path.length > 0 ? `field "${issue.path.map(String).join('.')}": ` : ''
  return `${where}${issue.message}`
}

/**
 * The reason part of a connector's error for an import report: the "bad response from docker hub:
 * a record" framing fits a sync, not a row of a file.
 */
export function rowReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.replace(/^bad response from [^:]+: (a record )?/, '')
}

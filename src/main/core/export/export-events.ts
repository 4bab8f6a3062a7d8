import { createWriteStream } from 'node:fs'
import { rename, unlink } from 'node:fs/promises'
import type { AuditEvent } from '../../../shared/event'
import { instantFormatter, TimeSyntaxError } from '../../../shared/time'
import { AppError } from '../errors'
import { csvRow, neutraliseCell } from './csv'

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

export interface ExportOptions {
  format: ExportFormat
  /** Zone the CSV's `occurred_at` column is written in: `UTC`, `local` or an IANA name. NDJSON is always UTC. */
  timeZone: string
}

/** The CSV columns, in order; `occurred_at` is followed by the zone in the header row. */
export const CSV_COLUMNS = [
  'id',
  'occurred_at',
  'account',
  'label',
  'verb',
  'activity',
  'action',
  'outcome',
  'actor',
  'actor_kind',
  'namespace',
  'repository',
  'tag',
  'digest',
  'target',
  'client_ip',
  'user_agent',
  'source_event_id'
] as const

/** An event as JSON output shows it: AuditEvent's fields, `occurred_at` as ISO 8601 UTC, `raw` parsed. */
export type EventJson = Omit<AuditEvent, 'occurred_at' | 'raw'> & { occurred_at: string; raw: unknown }

/** Text is gathered into chunks of about this size before each write: fewer, larger writes, flat memory. */
const CHUNK_CHARS = 64 * 1024

/**
 * The JSON object for one event, for the CLI's `json` output and the desktop's "copy as JSON".
 * Note that parsing `raw` turns integers beyond 2^53 into approximations; {@link eventToJsonLine}
 * keeps the stored text exactly and is what NDJSON export writes.
 * @throws AppError ARCHIVE_DAMAGED when the stored time or raw record is unreadable.
 */
export function eventToJson(event: AuditEvent): EventJson {
  return { ...jsonFields(event), raw: parseRaw(event) }
}

/**
 * One event as a single line of JSON (no trailing newline): the fields of {@link eventToJson}, with
 * the stored raw record spliced in as it is, so no number or escape in it is rewritten.
 * @throws AppError ARCHIVE_DAMAGED when the stored time or raw record is unreadable.
 */
export function eventToJsonLine(event: AuditEvent): string {
  parseRaw(event)
  const fields = JSON.stringify(jsonFields(event))
  // Valid JSON has no raw CR or LF inside strings, so any in the stored text are whitespace between tokens.
  const raw = event.raw.includes('\n') || event.raw.includes('\r') ? event.raw.replace(/[\r\n]+/g, ' ') : event.raw
  return `${fields.slice(0, -1)},"raw":${raw}}`
}

function jsonFields(event: AuditEvent): Omit<EventJson, 'raw'> {
  return {
    id: event.id,
    occurred_at: new Date(checkedTime(event)).toISOString(),
    account_id: event.account_id,
    account: event.account,
    label: event.label,
    verb: event.verb,
    activity: event.activity,
    action: event.action,
    outcome: event.outcome,
    actor: event.actor,
    actor_kind: event.actor_kind,
    namespace: event.namespace,
    repository: event.repository,
    tag: event.tag,
    digest: event.digest,
    target: event.target,
    client_ip: event.client_ip,
    user_agent: event.user_agent,
    source_event_id: event.source_event_id
  }
}

function parseRaw(event: AuditEvent): unknown {
  try {
    return JSON.parse(event.raw)
  } catch (error) {
    throw new AppError('ARCHIVE_DAMAGED', `Event ${event.id}'s stored source record is not valid JSON.`, {
      cause: error
    })
  }
}

/** Years 0000–9999, the range ISO 8601 prints without a sign. */
function checkedTime(event: AuditEvent): number {
  const ms = event.occurred_at
  if (!Number.isSafeInteger(ms) || ms < -62_167_219_200_000 || ms > 253_402_300_799_999) {
    throw new AppError('ARCHIVE_DAMAGED', `Event ${event.id} has an impossible time (${String(ms)}).`)
  }
  return ms
}

/**
 * Writes events as CSV (RFC 4180, header row, source text neutralised against spreadsheet
 * formulas) or NDJSON, streamed: rows are written in small chunks and the writer waits for 'drain',
 * so memory stays flat however many events there are.
 *
 * `out` is a stream, which is left open for the caller to end (it may be stdout), or a file path:
 * the file is written as `path.partial` and renamed over `path` only once complete and flushed,
 * so a failed export never leaves a file that looks complete and never replaces an existing one.
 *
 * @throws AppError INVALID_INPUT for an unknown format or zone (before anything is written),
 *   IO when writing fails, ARCHIVE_DAMAGED for an unreadable stored event; errors from `events`
 *   pass through.
 */
export async function exportEvents(
  events: Iterable<AuditEvent> | AsyncIterable<AuditEvent>,
  out: NodeJS.WritableStream | string,
  options: ExportOptions
): Promise<{ rows: number }> {
  const encode = rowEncoder(options)
  if (typeof out !== 'string') return writeRows(events, out, encode, 'the output stream')

  const target = out
  const partial = `${target}.partial`
  // flush: the data reaches the disk before the rename makes the file look complete.
  // A buffer larger than a chunk lets rows be encoded while the previous chunk is being written.
  const file = createWriteStream(partial, { flush: true, highWaterMark: 1024 * 1024 })
  // Kept for the file's whole life: an error after the last write must still stop the rename.
  let fileError: unknown
  file.on('error', (error: unknown) => {
    fileError ??= error
  })
  try {
    const result = await writeRows(events, file, encode, target)
    await new Promise<void>((resolve) => {
      if (file.closed) return resolve()
      file.once('close', resolve)
      file.end()
    })
    if (fileError !== undefined) throw ioError(`Could not write the export to ${target}`, fileError)
    await rename(partial, target).catch((error: unknown) => {
      throw ioError(`Could not move the finished export into place at ${target}`, error)
    })
    return result
  } catch (error) {
    // Destroying waits for a pending open, so the file exists (or never will) once 'close' fires;
    // unlinking before that could race the open and leave a .partial behind.
    await new Promise<void>((resolve) => {
      if (file.closed) return resolve()
      file.once('close', () => resolve())
      file.destroy()
    })
    // The partial file may not exist (the folder is missing) or may already be gone.
    await unlink(partial).catch(() => undefined)
    throw error
  }
}

/** The text of an export, row by row: the header (CSV) and one encoded event at a time. */
export type RowEncoder = { header: string; encode(event: AuditEvent): string }

/**
 * The encoder {@link exportEvents} writes with, for writers that produce several files in one pass
 * (evidence export). @throws AppError INVALID_INPUT for an unknown format or zone.
 */
export function rowEncoder(options: ExportOptions): RowEncoder {
  if (options.format === 'ndjson') return { header: '', encode: (event) => `${eventToJsonLine(event)}\n` }
  if (options.format !== 'csv') {
    throw new AppError('INVALID_INPUT', `Unknown export format "${String(options.format)}": expected csv or ndjson.`)
  }
  let formatter: ReturnType<typeof instantFormatter>
  try {
    formatter = instantFormatter(options.timeZone)
  } catch (error) {
    if (error instanceof TimeSyntaxError) throw new AppError('INVALID_INPUT', error.message, { cause: error })
    throw error
  }
  const header = csvRow(CSV_COLUMNS.map((name) => (name === 'occurred_at' ? `occurred_at (${formatter.zone})` : name)))
  const text = (value: string | null): string | null => (value === null ? null : neutraliseCell(value))
  return {
    header,
    encode: (event) =>
      csvRow([
        event.id,
        formatter.format(checkedTime(event)),
        text(event.account),
        text(event.label),
        text(event.verb),
        text(event.activity),
        text(event.action),
        text(event.outcome),
        text(event.actor),
        text(event.actor_kind),
        text(event.namespace),
        text(event.repository),
        text(event.tag),
        text(event.digest),
        text(event.target),
        text(event.client_ip),
        text(event.user_agent),
        text(event.source_event_id)
      ])
  }
}

async function writeRows(
  events: Iterable<AuditEvent> | AsyncIterable<AuditEvent>,
  out: NodeJS.WritableStream,
  encoder: RowEncoder,
  where: string
): Promise<{ rows: number }> {
  // A stream can fail between our writes; remember it and stop at the next one, instead of letting
  // an unheard 'error' event take the process down.
  let streamError: unknown
  const onError = (error: unknown): void => {
    streamError ??= error
  }
  out.on('error', onError)

  let chunk = encoder.header
  let rows = 0
  const flush = async (): Promise<void> => {
    if (streamError !== undefined) throw ioError(`Could not write the export to ${where}`, streamError)
    if (chunk === '') return
    const ready = out.write(chunk)
    chunk = ''
    if (!ready) await drained(out, where)
  }

  try {
    if (Symbol.asyncIterator in events) {
      for await (const event of events) {
        chunk += encoder.encode(event)
        rows += 1
        if (chunk.length >= CHUNK_CHARS) await flush()
      }
    } else {
      // Plain for-of, so a synchronous database cursor is read without a promise per row; leaving
      // the loop early (a failed write) still closes the cursor.
      for (const event of events) {
        chunk += encoder.encode(event)
        rows += 1
        if (chunk.length >= CHUNK_CHARS) await flush()
      }
    }
    await flush()
    return { rows }
  } finally {
    out.removeListener('error', onError)
  }
}

function drained(out: NodeJS.WritableStream, where: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: unknown): void => {
      out.removeListener('drain', onDrain)
      out.removeListener('error', onError)
      out.removeListener('close', onClose)
      if (error === undefined) resolve()
      else reject(ioError(`Could not write the export to ${where}`, error))
    }
    const onDrain = (): void => done()
    const onError = (error: unknown): void => done(error)
    const onClose = (): void => done(new Error('the stream was closed before the export finished'))
    out.on('drain', onDrain)
    out.on('error', onError)
    out.on('close', onClose)
  })
}

function ioError(context: string, error: unknown): AppError {
  const reason =
    error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error)
  return new AppError('IO', `${context}: ${reason}.`, { cause: error })
}

import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { createInterface } from 'node:readline'
import type { ArchiveApi, IngestEvent, StoredAccount } from '../db/archive-types'
import { AppError, isAppError } from '../errors'
import { extractIbmEvent, ibmEventAction, ibmEventId } from '../sources/ibm-event'
import { IBM_ACTION_PREFIX, normaliseIbmRecord } from '../sources/ibm-normalise'

/**
 * Imports an IBM Cloud Activity Tracker export file into an `ibm` account's history. The service
 * ended on 2025-03-30 and its exports are what many admins hold (sources/4, path B).
 *
 * The file is JSON lines of activity tracking events (the words; the export line format is
 * [U] in the contract, so lines carrying `_`-prefixed export metadata beside the event, or the
 * event as a JSON string in `_line`, are read too — see ibm-event.ts). A JSON array of events, and
 * a document `{"lines": [...]}` (the export v2 page shape the contract infers), are accepted as
 * well. Every row is checked and normalised with the IBM connector's own normaliser; events of
 * other IBM services (an account-wide export holds them) are skipped and counted; rows that are
 * not readable events are rejected with their line number and the reason, and the rest imports.
 *
 * Events are identified by the hash of the event, as the Cloud Logs connector does, so importing a
 * file twice, overlapping exports, and a file overlapping what a sync already read all dedup.
 * Batches are written with the archive's idempotent writePage under their own stream, so the
 * Cloud Logs cursor is never touched.
 */

/** The stream import batches are written under (the Cloud Logs connector's is `events`). */
export const ACTIVITY_TRACKER_IMPORT_STREAM = 'activity-tracker-import'

export interface ImportRejection {
  /** Line of the file (JSON lines), or item of the array (JSON array / document). */
  line: number
  reason: string
}

export interface ActivityTrackerImportReport {
  file: string
  format: 'json-lines' | 'json-array' | 'json-document'
  /** Rows read: non-blank lines, or array items. */
  rows: number
  /** Events newly stored. */
  imported: number
  /** Events the archive already held (or the file held twice). */
  duplicates: number
  /** Events of other IBM services, left out. */
  skipped: number
  rejected: number
  /** The first rejections (at most `MAX_REJECTIONS_LISTED`), in file order. */
  rejections: ImportRejection[]
}

export const MAX_REJECTIONS_LISTED = 100
/** Largest JSON array or document read whole; JSON lines are streamed and have no limit. */
export const MAX_WHOLE_DOCUMENT_BYTES = 512 * 1024 * 1024

export interface ImportOptions {
  archive: ArchiveApi
  /** The account's name; it must be an `ibm` account. */
  account: string
  file: string
  signal?: AbortSignal
  /** Events per transaction; default 1000. */
  batchSize?: number
  /** Called after each batch with the counts so far. */
  onProgress?: (report: ActivityTrackerImportReport) => void
}

function ioError(file: string, error: unknown): AppError {
  const code = (error as { code?: string }).code ?? 'unreadable'
  return new AppError('IO', `cannot read ${file} (${code})`, { cause: error })
}

/** Reads the file and imports its events. Throws NOT_FOUND, INVALID_INPUT, IO or CANCELLED. */
export async function importActivityTrackerFile(options: ImportOptions): Promise<ActivityTrackerImportReport> {
  const { archive, file } = options
  const account = archive.getAccount(options.account)
  if (account === undefined) {
    throw new AppError('NOT_FOUND', `there is no account named "${options.account}"`, { account: options.account })
  }
  if (account.kind !== 'ibm') {
    throw new AppError(
      'INVALID_INPUT',
      `${account.name} is a ${account.kind} account; Activity Tracker export files import into an ibm account`,
      { account: account.name }
    )
  }
  let size: number
  try {
    const info = await stat(file)
    if (!info.isFile()) throw new AppError('INVALID_INPUT', `${file} is not a file`, { account: account.name })
    size = info.size
  } catch (error) {
    throw isAppError(error) ? error : ioError(file, error)
  }

  const report: ActivityTrackerImportReport = {
    file,
    format: 'json-lines',
    rows: 0,
    imported: 0,
    duplicates: 0,
    skipped: 0,
    rejected: 0,
    rejections: []
  }
  const importer = new BatchImporter(archive, account, report, options)
  const first = await firstLine(file)
  if (first.startsWith('[') || (first.startsWith('{') && !parses(first))) {
    const whole = await readWhole(file, size, account.name)
    if (whole !== undefined) {
      const items = Array.isArray(whole) ? whole : itemsOfDocument(whole)
      if (items !== undefined) {
        report.format = Array.isArray(whole) ? 'json-array' : 'json-document'
        for (let i = 0; i < items.length; i++) {
          await importer.add(items[i], i + 1)
        }
        await importer.flush()
        return report
      }
    } else if (first.startsWith('[')) {
      throw new AppError('INVALID_INPUT', `${file} starts like a JSON array but is not valid JSON`, { account: account.name })
    }
  }

  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity })
  let number = 0
  try {
    for await (const line of lines) {
      number++
      const text = number === 1 ? line.replace(/^\uFEFF/, '') : line
      if (text.trim() === '') continue
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch {
        importer.reject(number, 'not valid JSON')
        continue
      }
      await importer.add(value, number)
    }
  } catch (error) {
    throw isAppError(error) ? error : ioError(file, error)
  } finally {
    lines.close()
  }
  await importer.flush()
  return report
}

function parses(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/** The first non-blank line's text, trimmed (BOM removed); '' for an empty file. */
async function firstLine(file: string): Promise<string> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity })
  try {
    for await (const line of lines) {
      const text = line.replace(/^\uFEFF/, '').trim()
      if (text !== '') return text
    }
    return ''
  } catch (error) {
    throw ioError(file, error)
  } finally {
    lines.close()
  }
}

/** The whole file parsed as one JSON value, or undefined when it is not one. */
async function readWhole(file: string, size: number, account: string): Promise<unknown> {
  if (size > MAX_WHOLE_DOCUMENT_BYTES) {
    throw new AppError(
      'INVALID_INPUT',
      `${file} is a single JSON document of ${Math.round(size / 1024 / 1024)} MiB, more than the ` +
        `${MAX_WHOLE_DOCUMENT_BYTES / 1024 / 1024} MiB read at once; convert it to JSON lines (one event per line)`,
      { account }
    )
  }
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw ioError(file, error)
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, '')) as unknown
  } catch {
    return undefined
  }
}

/** The rows of a single-document export: `{lines: [...]}`, or one event on its own. */
function itemsOfDocument(value: unknown): unknown[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const lines = (value as Record<string, unknown>)['lines']
  if (Array.isArray(lines)) return lines
  return [value]
}

/** Collects checked events and writes them in batches, keeping the report's counts. */
class BatchImporter {
  private batch: IngestEvent[] = []
  private lastRow = 0
  private readonly batchSize: number

  constructor(
    private readonly archive: ArchiveApi,
    private readonly account: StoredAccount,
    private readonly report: ActivityTrackerImportReport,
    private readonly options: ImportOptions
  ) {
    this.batchSize = Math.max(1, options.batchSize ?? 1000)
  }

  reject(row: number, reason: string): void {
    this.report.rows++
    this.report.rejected++
    if (this.report.rejections.length < MAX_REJECTIONS_LISTED) this.report.rejections.push({ line: row, reason })
  }

  async add(value: unknown, row: number): Promise<void> {
    let event: Record<string, unknown>
    let action: string
    try {
      event = extractIbmEvent(value)
      action = ibmEventAction(event)
    } catch (error) {
      this.reject(row, reasonOf(error))
      return
    }
    if (!action.startsWith(IBM_ACTION_PREFIX)) {
      this.report.rows++
      this.report.skipped++
      return
    }
    let normalised: IngestEvent['normalised']
    try {
      normalised = normaliseIbmRecord(value)
    } catch (error) {
      this.reject(row, reasonOf(error))
      return
    }
    this.report.rows++
    this.batch.push({ sourceEventId: ibmEventId(event), raw: value, normalised })
    this.lastRow = row
    if (this.batch.length >= this.batchSize) await this.flush()
  }

  async flush(): Promise<void> {
    if (this.options.signal?.aborted) {
      throw new AppError('CANCELLED', `${this.account.name}: import cancelled`, { account: this.account.name })
    }
    if (this.batch.length === 0) return
    const written = this.archive.writePage(this.account.id, ACTIVITY_TRACKER_IMPORT_STREAM, this.batch, {
      v: 1,
      file: basename(this.options.file),
      row: this.lastRow
    })
    this.report.imported += written.inserted
    this.report.duplicates += written.duplicates
    this.batch = []
    this.options.onProgress?.({ ...this.report, rejections: [...this.report.rejections] })
    // Lets a cancel or a progress write through between batches of a big file.
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

/** The reason part of a normaliser's error ("eventTime … is not a readable date-time"). */
function reasonOf(error: unknown): string {
  if (isAppError(error)) return error.message
  return error instanceof Error ? error.message : String(error)
}

import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import {
  MAX_REJECTIONS_LISTED,
  type ImportContent,
  type ImportFormat,
  type ImportFormatChoice,
  type ImportReport
} from '../../../shared/import'
import { quoteForMessage } from '../../../shared/time'
import type { ArchiveApi, IngestEvent, StoredAccount } from '../db/archive-types'
import { AppError, isAppError } from '../errors'
import { csvHeaderProblem, csvRecordReader } from './csv-records'
import { readCsvRecords } from './csv-reader'
import { detectFormat, DOCUMENT_ARRAY_KEYS } from './detect-format'
import { CUT_SHORT, type FileRow } from './file-row'
import {
  normalisedEventSchema,
  rowReason,
  zodProblem,
  type ImportSource,
  type RecordOutcome,
  type SourceRecordReader
} from './import-source'
import { importSourcesFor } from './import-sources'
import { readJsonDocument } from './json-document-reader'
import { readJsonLines } from './json-lines-reader'
import { exportedEventReader, isExportedEvent } from './registry-audit-events'

/**
 * Imports an export file into an account's history: one engine for every format and source.
 *
 * The file's syntax (JSON document, JSON lines, CSV) is detected from its content, or forced; the
 * account's kind decides whose records it may hold (its source's own records, in the API's or the
 * source's export shape, and registry-audit's own event export of such events). Rows are streamed,
 * each checked and normalised as a sync would, and written in batches with the archive's idempotent
 * writePage under the file's own stream, `import:<sha256 of the file>`, so the sync cursors are
 * never touched. Identity is derived exactly as the account's connector derives it, so importing a
 * file twice, overlapping files, and a file overlapping a sync all store nothing twice.
 *
 * A row that cannot be read is rejected with its line number and the reason, and the rest imports;
 * a file that is no format the account reads fails with INVALID_INPUT before anything is written.
 */

export const IMPORT_STREAM_PREFIX = 'import:'
/** Largest row (a line, an array item, a CSV record) read, in characters. */
export const DEFAULT_MAX_ROW_CHARS = 4 * 1024 * 1024
/** Characters read ahead to detect the format (more when the first line is longer). */
const HEAD_CHARS = 64 * 1024

export interface ImportFileOptions {
  archive: ArchiveApi
  /** The account's name. */
  account: string
  file: string
  /** Default `auto`: detected from the content. */
  format?: ImportFormatChoice
  signal?: AbortSignal
  /** Events per transaction; default 1000. */
  batchSize?: number
  /** Default {@link DEFAULT_MAX_ROW_CHARS}. */
  maxRowChars?: number
  /** Called after each batch with the counts so far. */
  onProgress?: (report: ImportReport) => void
}

/** The stream an import of a file with this SHA-256 writes under. */
export function importStreamName(sha256: string): string {
  return `${IMPORT_STREAM_PREFIX}${sha256}`
}

/**
 * Reads the file and imports its rows.
 * @throws AppError NOT_FOUND (no such account), INVALID_INPUT (not a file, not a format the account
 *   reads, an account kind without file import), IO (unreadable), CANCELLED (between batches;
 *   what was written stays, and importing again completes it).
 */
export async function importFile(options: ImportFileOptions): Promise<ImportReport> {
  const { archive, file } = options
  const account = archive.getAccount(options.account)
  if (account === undefined) {
    throw new AppError('NOT_FOUND', `there is no account named "${options.account}"`, { account: options.account })
  }
  const sources = importSourcesFor(account.kind)
  if (sources.length === 0) {
    throw new AppError('INVALID_INPUT', `${account.name} is a ${account.kind} account, and files do not import into ${account.kind} accounts yet`, {
      account: account.name
    })
  }
  const maxRowChars = Math.max(1, options.maxRowChars ?? DEFAULT_MAX_ROW_CHARS)
  await checkFile(file, account.name)
  throwIfCancelled(options.signal, account)

  const head = await readHead(file, maxRowChars, account.name)
  if (head.includes('\u0000')) {
    throw new AppError('INVALID_INPUT', `${file} is a binary file, not a JSON, NDJSON or CSV export`, { account: account.name })
  }
  const detected = detectFormat(head)
  const format: ImportFormat = options.format === undefined || options.format === 'auto' ? (detected ?? 'ndjson') : options.format
  const forced = options.format !== undefined && options.format !== 'auto'
  const csv = format === 'csv' && detected !== null ? await csvPlan(file, head, maxRowChars, account, sources, forced) : undefined
  const sha256 = await hashFile(file, account.name)
  throwIfCancelled(options.signal, account)

  const report: ImportReport = {
    file,
    account: account.name,
    format,
    content: csv?.source.kind ?? null,
    rows: 0,
    imported: 0,
    duplicates: 0,
    skipped: 0,
    rejected: 0,
    rejections: [],
    warnings: []
  }
  const writer = new BatchWriter(archive, account, importStreamName(sha256), report, options)
  const chooser = new ContentChooser(account, sources, report, csv?.source)
  const chunks = createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024 }) as AsyncIterable<string>
  const rows: AsyncIterable<FileRow> =
    format === 'json'
      ? readJsonDocument(chunks, { maxChars: maxRowChars, arrayKeys: DOCUMENT_ARRAY_KEYS, onWarning: (text) => report.warnings.push(text) })
      : format === 'ndjson'
        ? readJsonLines(chunks, maxRowChars)
        : csvRows(chunks, maxRowChars, csv)
  try {
    for await (const row of rows) {
      throwIfCancelled(options.signal, account)
      if ('error' in row) {
        writer.reject(row.line, row.error)
        continue
      }
      let outcome: RecordOutcome
      try {
        const reader = chooser.readerFor(row.value)
        outcome = reader(row.value)
      } catch (error) {
        writer.reject(row.line, rowReason(error))
        continue
      }
      if (outcome.kind === 'ignore') continue
      if (outcome.kind === 'skip') {
        report.rows++
        report.skipped++
        continue
      }
      const checked = normalisedEventSchema.safeParse(outcome.event.normalised)
      if (!checked.success) {
        writer.reject(row.line, `its normalised fields are not storable (${zodProblem(checked.error)})`)
        continue
      }
      await writer.add(outcome.event, row.line)
    }
  } catch (error) {
    throw isAppError(error) ? error : ioError(file, error, account.name)
  }
  await writer.flush()
  return report
}

async function checkFile(file: string, account: string): Promise<void> {
  try {
    const info = await stat(file)
    if (!info.isFile()) throw new AppError('INVALID_INPUT', `${file} is not a file`, { account })
  } catch (error) {
    throw isAppError(error) ? error : ioError(file, error, account)
  }
}

function ioError(file: string, error: unknown, account: string): AppError {
  const code = (error as { code?: string }).code ?? (error instanceof Error ? error.message : 'unreadable')
  return new AppError('IO', `cannot read ${file} (${code})`, { account, cause: error })
}

function throwIfCancelled(signal: AbortSignal | undefined, account: StoredAccount): void {
  if (signal?.aborted) throw new AppError('CANCELLED', `${account.name}: import cancelled`, { account: account.name })
}

/**
 * The file's first characters, as many as detection needs (detect-format.ts): a JSON array's first
 * character, a CSV's header line, or the first two non-blank lines of what starts with `{`; at
 * least {@link HEAD_CHARS} when there are that many, and never more than twice the row cap.
 */
async function readHead(file: string, maxRowChars: number, account: string): Promise<string> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: HEAD_CHARS })
  let head = ''
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      head += chunk
      if (head.length >= HEAD_CHARS && enoughToDetect(head)) break
      if (head.length > 2 * maxRowChars + HEAD_CHARS) break
    }
  } catch (error) {
    throw ioError(file, error, account)
  } finally {
    stream.destroy()
  }
  return head
}

function enoughToDetect(head: string): boolean {
  const start = head.search(/[^\s\uFEFF]/)
  if (start === -1) return false
  if (head[start] === '[') return true
  const lines = head.slice(start).split('\n', 3).filter((line) => line.trim() !== '')
  return head[start] === '{' ? lines.length >= 3 : lines.length >= 2
}

async function hashFile(file: string, account: string): Promise<string> {
  const hash = createHash('sha256')
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer)
  } catch (error) {
    throw ioError(file, error, account)
  }
  return hash.digest('hex')
}

interface CsvPlan {
  source: ImportSource
  header: string[]
}

/** The header row of a CSV, and the source whose records it names; INVALID_INPUT otherwise. */
async function csvPlan(
  file: string,
  head: string,
  maxRowChars: number,
  account: StoredAccount,
  sources: ImportSource[],
  forced: boolean
): Promise<CsvPlan> {
  const bad = (why: string): AppError => new AppError('INVALID_INPUT', `${file} cannot be imported into ${account.name}: ${why}`, { account: account.name })
  // Said only when the syntax was detected: a forced --format csv may well start with [ or {.
  const notJson = forced ? '' : 'it is not JSON (it does not start with [ or {), and '
  const withCsv = sources.filter((source) => source.csv !== undefined)
  if (withCsv.length === 0) throw bad(`${notJson}${sources[0]!.title} files import as JSON or NDJSON only`)
  const first = await firstCsvRecord(head, maxRowChars)
  if ('error' in first) throw bad(`${notJson}read as CSV its first row is not a header row (${first.error})`)
  const header = first.fields.map((name) => name.trim())
  const named = new Set(header)
  if (named.has('source_event_id') && named.has('verb') && header.some((name) => name.startsWith('occurred_at'))) {
    throw bad("it is registry-audit's CSV export, which holds no raw records to restore events from; import its NDJSON export (export --format ndjson) instead")
  }
  for (const source of withCsv) {
    if (csvHeaderProblem(source.csv!, header) === undefined) return { source, header }
  }
  const expected = withCsv[0]!
  const shown = header.slice(0, 8).map((name) => quoteForMessage(name)).join(', ')
  throw bad(
    `${notJson}read as CSV ${csvHeaderProblem(expected.csv!, header)} ` +
      `(a CSV of ${expected.title} records names their fields: ${expected.csv!.fields.map((field) => field.name).join(', ')}; ` +
      `its first row is ${shown}${header.length > 8 ? ', …' : ''})`
  )
}

async function firstCsvRecord(head: string, maxRowChars: number): Promise<{ fields: string[] } | { error: string }> {
  for await (const row of readCsvRecords(single(head), maxRowChars)) return row
  return { fields: [] }
}

async function* single(text: string): AsyncGenerator<string> {
  yield text
}

async function* csvRows(chunks: AsyncIterable<string>, maxRowChars: number, plan: CsvPlan | undefined): AsyncGenerator<FileRow> {
  let read: ((cells: readonly string[]) => Record<string, unknown>) | undefined
  for await (const record of readCsvRecords(chunks, maxRowChars)) {
    if (read === undefined) {
      // The header row, checked before the import started (an empty file has none).
      if (plan === undefined) return
      read = csvRecordReader(plan.source.csv!, plan.header)
      continue
    }
    if ('error' in record) {
      yield record
      continue
    }
    try {
      yield { line: record.line, value: read(record.fields) }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      yield { line: record.line, error: record.complete ? reason : `${reason}: ${CUT_SHORT}` }
    }
  }
}

/**
 * Decides, at the first row that is a JSON object, what the file's rows are: registry-audit's
 * exported events, or a source's records (the account's source; for a `file` account, the first
 * source the row looks like, tried again at the next row until one fits).
 */
class ContentChooser {
  private reader: SourceRecordReader | undefined

  constructor(
    private readonly account: StoredAccount,
    private readonly sources: ImportSource[],
    private readonly report: ImportReport,
    csvSource: ImportSource | undefined
  ) {
    if (csvSource !== undefined) this.reader = csvSource.records(account)
  }

  readerFor(value: unknown): SourceRecordReader {
    if (this.reader !== undefined) return this.reader
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object')
    let content: ImportContent
    if (isExportedEvent(value)) {
      const sources = this.sources
      this.reader = exportedEventReader((raw) => (sources.length === 1 ? sources[0] : sources.find((source) => source.looksLike(raw))))
      content = 'registry-audit'
    } else {
      const source = this.sources.length === 1 ? this.sources[0] : this.sources.find((candidate) => candidate.looksLike(value))
      if (source === undefined) throw new Error(`not a record of any source this account reads (${this.sources.map((s) => s.title).join(', ')})`)
      this.reader = source.records(this.account)
      content = source.kind
    }
    this.report.content = content
    return this.reader
  }
}

/** Collects checked events and writes them in batches, keeping the report's counts. */
class BatchWriter {
  private batch: IngestEvent[] = []
  private lastLine = 0
  private readonly batchSize: number

  constructor(
    private readonly archive: ArchiveApi,
    private readonly account: StoredAccount,
    private readonly stream: string,
    private readonly report: ImportReport,
    private readonly options: ImportFileOptions
  ) {
    this.batchSize = Math.max(1, options.batchSize ?? 1000)
  }

  reject(line: number, reason: string): void {
    this.report.rows++
    this.report.rejected++
    if (this.report.rejections.length < MAX_REJECTIONS_LISTED) this.report.rejections.push({ line, reason })
  }

  async add(event: IngestEvent, line: number): Promise<void> {
    this.report.rows++
    this.batch.push(event)
    this.lastLine = line
    if (this.batch.length >= this.batchSize) await this.flush()
  }

  async flush(): Promise<void> {
    throwIfCancelled(this.options.signal, this.account)
    if (this.batch.length === 0) return
    const written = this.archive.writePage(this.account.id, this.stream, this.batch, {
      v: 1,
      file: basename(this.options.file),
      line: this.lastLine
    })
    this.report.imported += written.inserted
    this.report.duplicates += written.duplicates
    this.batch = []
    this.options.onProgress?.(snapshot(this.report))
    // Lets a cancel or a progress message through between batches of a big file.
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

function snapshot(report: ImportReport): ImportReport {
  return { ...report, rejections: [...report.rejections], warnings: [...report.warnings] }
}


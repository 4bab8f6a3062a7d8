import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs'
import { mkdir, readdir, rm, rmdir, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { AuditEvent } from '../../../shared/event'
import type { CaseDetail, ChainVerification, EvidenceResult } from '../../../shared/investigation'
import { DEFAULT_SORT, type EventQuery, type EventSort } from '../../../shared/query'
import { formatQuery } from '../../../shared/query-parser'
import { AppError } from '../errors'
import { rowEncoder } from './export-events'

/**
 * Evidence export (issue 7 §4): one folder that stands on its own before an auditor. The view as
 * CSV and NDJSON (raw records included) written in one pass over the events, so both files hold
 * exactly the same rows even while a sync writes; the query and filters as text and JSON; the
 * time zone; each account's sync cursors and last sync; the app version; the chain heads with a
 * verification run at export time; the case, if one is named; and manifest.sha256 (the format
 * `sha256sum -c` checks) over every other file.
 *
 * The folder must be new or empty: evidence is never mixed with other files. If anything fails,
 * the files written so far are removed (and the folder, if this created it).
 */

export const EVIDENCE_FILES = {
  csv: 'events.csv',
  ndjson: 'events.ndjson',
  queryText: 'query.txt',
  queryJson: 'query.json',
  syncState: 'sync-state.json',
  integrity: 'integrity.json',
  case: 'case.json',
  info: 'export-info.json',
  manifest: 'manifest.sha256'
} as const

export interface EvidenceRequest {
  dir: string
  query: EventQuery
  sort?: EventSort
  /** An IANA zone (or UTC) for the CSV's times; `local` is resolved by the caller. */
  timeZone: string
  /** The query as the user typed it, when there is such a text (the CLI's words). */
  queryText?: string
  caseName?: string
  signal?: AbortSignal
}

/** What the export reads, supplied by the service (so this module holds no database code). */
export interface EvidenceSources {
  events(query: EventQuery, sort: EventSort, signal?: AbortSignal): AsyncIterable<AuditEvent>
  verify(): ChainVerification
  chainHeads(): Array<{ account: string; head: string; count: number }>
  checkpoints(): Array<{ account: string; afterEventId: number; hash: string; count: number }>
  syncState(): unknown
  getCase(name: string): CaseDetail
  appVersion: string
  archiveFile: string
  now(): number
}

const CHUNK_CHARS = 64 * 1024

export async function exportEvidence(sources: EvidenceSources, request: EvidenceRequest): Promise<EvidenceResult> {
  const dir = path.resolve(request.dir)
  const sort = request.sort ?? DEFAULT_SORT
  // Everything that can be refused is checked before the folder is touched.
  const csv = rowEncoder({ format: 'csv', timeZone: request.timeZone })
  const ndjson = rowEncoder({ format: 'ndjson', timeZone: 'UTC' })
  const theCase = request.caseName === undefined ? undefined : sources.getCase(request.caseName)
  const canonicalQuery = formatQuery(request.query)
  const created = await prepareFolder(dir)
  const written: string[] = []
  try {
    const exportedAt = sources.now()
    const verification = sources.verify()
    const rows = await writeEvents(sources.events(request.query, sort, request.signal), dir, csv, ndjson, written)
    const json = async (name: string, value: unknown): Promise<void> => {
      written.push(name)
      await writeFile(path.join(dir, name), `${JSON.stringify(value, null, 2)}\n`, { flag: 'wx', flush: true })
    }
    const text = request.queryText ?? canonicalQuery
    written.push(EVIDENCE_FILES.queryText)
    await writeFile(
      path.join(dir, EVIDENCE_FILES.queryText),
      [
        `Query:       ${text === '' ? '(none: every event)' : text}`,
        `As run:      ${canonicalQuery === '' ? '(none: every event)' : canonicalQuery}`,
        `Pulls:       ${request.query.includePull === true || request.query.activity?.any?.includes('pull') ? 'included' : 'left out'}`,
        `Sort:        ${sort.key} ${sort.dir}`,
        `Time zone:   ${request.timeZone} (the times in ${EVIDENCE_FILES.csv}; ${EVIDENCE_FILES.ndjson} is in UTC)`,
        `Events:      ${rows}`,
        `Exported at: ${new Date(exportedAt).toISOString()}`,
        ''
      ].join('\n'),
      { flag: 'wx', flush: true }
    )
    await json(EVIDENCE_FILES.queryJson, {
      text,
      canonical: canonicalQuery,
      query: request.query,
      sort,
      timeZone: request.timeZone
    })
    await json(EVIDENCE_FILES.syncState, sources.syncState())
    await json(EVIDENCE_FILES.integrity, {
      chainHeads: sources.chainHeads(),
      checkpoints: sources.checkpoints(),
      verification
    })
    if (theCase !== undefined) await json(EVIDENCE_FILES.case, theCase)
    await json(EVIDENCE_FILES.info, {
      application: 'Registry Audit Viewer',
      version: sources.appVersion,
      exportedAt: new Date(exportedAt).toISOString(),
      timeZone: request.timeZone,
      archive: sources.archiveFile,
      rows,
      intact: verification.intact,
      case: theCase?.name ?? null
    })
    const lines: string[] = []
    for (const name of [...written].sort()) lines.push(`${await sha256File(path.join(dir, name))}  ${name}`)
    written.push(EVIDENCE_FILES.manifest)
    await writeFile(path.join(dir, EVIDENCE_FILES.manifest), `${lines.join('\n')}\n`, { flag: 'wx', flush: true })
    return { dir, files: [...written.slice(0, -1).sort(), EVIDENCE_FILES.manifest], rows, intact: verification.intact }
  } catch (error) {
    for (const name of written) await rm(path.join(dir, name), { force: true }).catch(() => undefined)
    if (created) await rmdir(dir).catch(() => undefined)
    if (request.signal?.aborted) throw new AppError('CANCELLED', `evidence export cancelled; ${dir} was removed`)
    throw error
  }
}

/** Creates the folder, or accepts an empty one; true when it was created here. */
async function prepareFolder(dir: string): Promise<boolean> {
  let exists = false
  try {
    const info = await stat(dir)
    if (!info.isDirectory()) throw new AppError('INVALID_INPUT', `${dir} exists and is not a folder`)
    exists = true
  } catch (error) {
    if (error instanceof AppError) throw error
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(`cannot use ${dir}`, error)
  }
  if (exists) {
    const entries = await readdir(dir).catch((error: unknown) => {
      throw ioError(`cannot read ${dir}`, error)
    })
    if (entries.length > 0) {
      throw new AppError('CONFLICT', `${dir} is not empty: evidence goes into a new or empty folder`)
    }
    return false
  }
  await mkdir(dir, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    throw ioError(`cannot create ${dir}`, error)
  })
  return true
}

async function writeEvents(
  events: AsyncIterable<AuditEvent>,
  dir: string,
  csv: ReturnType<typeof rowEncoder>,
  ndjson: ReturnType<typeof rowEncoder>,
  written: string[]
): Promise<number> {
  written.push(EVIDENCE_FILES.csv, EVIDENCE_FILES.ndjson)
  const csvFile = new FileSink(path.join(dir, EVIDENCE_FILES.csv))
  const ndjsonFile = new FileSink(path.join(dir, EVIDENCE_FILES.ndjson))
  let rows = 0
  let csvChunk = csv.header
  let ndjsonChunk = ''
  try {
    for await (const event of events) {
      csvChunk += csv.encode(event)
      ndjsonChunk += ndjson.encode(event)
      rows += 1
      if (csvChunk.length + ndjsonChunk.length >= CHUNK_CHARS) {
        await Promise.all([csvFile.write(csvChunk), ndjsonFile.write(ndjsonChunk)])
        csvChunk = ''
        ndjsonChunk = ''
      }
    }
    await Promise.all([csvFile.write(csvChunk), ndjsonFile.write(ndjsonChunk)])
    await Promise.all([csvFile.end(), ndjsonFile.end()])
    return rows
  } catch (error) {
    await Promise.all([csvFile.destroy(), ndjsonFile.destroy()])
    throw error
  }
}

/** A file written with backpressure, flushed to disk when ended; any stream error surfaces at the next call. */
class FileSink {
  private readonly stream: WriteStream
  private failure: unknown

  constructor(private readonly file: string) {
    this.stream = createWriteStream(file, { flags: 'wx', flush: true, highWaterMark: 1024 * 1024 })
    this.stream.on('error', (error) => {
      this.failure ??= error
    })
  }

  async write(text: string): Promise<void> {
    this.check()
    if (text === '' || this.stream.write(text)) return
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done)
        this.stream.off('error', done)
        this.stream.off('close', done)
        resolve()
      }
      this.stream.on('drain', done)
      this.stream.on('error', done)
      this.stream.on('close', done)
    })
    this.check()
  }

  async end(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (this.stream.closed) return resolve()
      this.stream.once('close', resolve)
      this.stream.end()
    })
    this.check()
  }

  async destroy(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (this.stream.closed) return resolve()
      this.stream.once('close', () => resolve())
      this.stream.destroy()
    })
  }

  private check(): void {
    if (this.failure !== undefined) throw ioError(`could not write ${this.file}`, this.failure)
  }
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

function ioError(context: string, error: unknown): AppError {
  const reason = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error)
  return new AppError('IO', `${context}: ${reason}`, { cause: error })
}

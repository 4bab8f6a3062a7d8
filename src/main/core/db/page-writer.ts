import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { AppError } from '../errors'
import type { IngestEvent, WriteStats } from './archive-types'
import type { FromPageWriter, PageWriterData, PageWriterError, ToPageWriter } from './page-writer-protocol'

export interface PageWriterOptions {
  /** better-sqlite3's native binding, the same as the main connection's (the Electron build in the app). */
  nativeBinding?: string
  /** The writer thread's entry; default: page-writer-worker beside this module (see workerEntry). */
  entry?: URL
}

interface Pending {
  resolve: (stats: WriteStats) => void
  reject: (error: AppError) => void
}

/**
 * Writes sync pages on a connection of its own in a worker thread (page-writer-worker.ts), so the
 * thread that serves the UI's queries is never held by a page's transaction (DESIGN.md §7: the
 * core stays responsive to queries while a sync writes). Each write is Archive.writePage in the
 * writer's thread: one IMMEDIATE transaction holding the events, the chain head and the cursor,
 * so atomicity and crash safety are those of the in-process write. Under WAL, the main connection
 * sees a page's rows in its next read once the write has resolved.
 *
 * The thread starts on the first write and ends on `close`. Its failures arrive as the AppError
 * the in-process write would have thrown (same code and message: a damaged file is still
 * ARCHIVE_DAMAGED, a lock held too long ARCHIVE_LOCKED), for the caller's guard to handle as
 * before (archive-guard.ts).
 */
export class PageWriter {
  readonly file: string
  private readonly options: PageWriterOptions
  private worker: Worker | undefined
  private exited: Promise<void> | undefined
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private closed = false

  constructor(file: string, options: PageWriterOptions = {}) {
    this.file = file
    this.options = options
  }

  /** Writes that were sent and have not been answered yet. */
  get inFlight(): number {
    return this.pending.size
  }

  /** The writer thread's id while it runs (it differs from the caller's). */
  get threadId(): number | undefined {
    return this.worker?.threadId
  }

  /** Archive.writePage, on the writer's thread. Rejects with an AppError. */
  write(accountId: number, stream: string, events: IngestEvent[], cursor: unknown): Promise<WriteStats> {
    if (this.closed) return Promise.reject(new AppError('CANCELLED', 'the archive is being closed; the page was not written'))
    const worker = this.start()
    const id = this.nextId++
    return new Promise<WriteStats>((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      try {
        worker.postMessage({ type: 'write', id, accountId, stream, events, cursor } satisfies ToPageWriter)
      } catch (error) {
        // A page that cannot be cloned (a function in a raw record) is bad input, as JSON would say.
        this.pending.delete(id)
        reject(new AppError('INVALID_INPUT', `The page cannot be stored: ${(error as Error).message}`, { cause: error }))
      }
    })
  }

  /**
   * Lets the thread finish the write it is in, close its connection and end; writes still
   * waiting are refused. Resolves when the thread has ended.
   */
  async close(): Promise<void> {
    this.closed = true
    const worker = this.worker
    if (worker === undefined) return
    worker.postMessage({ type: 'close' } satisfies ToPageWriter)
    await this.exited
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker
    const data: PageWriterData = { file: this.file, nativeBinding: this.options.nativeBinding }
    const worker = startWorker(this.options.entry ?? workerEntry(), data)
    this.worker = worker
    worker.on('message', (message: FromPageWriter) => {
      const request = this.pending.get(message.id)
      if (request === undefined) return
      this.pending.delete(message.id)
      if (message.type === 'written') request.resolve(message.stats)
      else request.reject(toAppError(message.error))
    })
    // An uncaught error in the thread: it ends ('exit' follows), failing what it had not answered.
    let crash: Error | undefined
    worker.on('error', (error) => {
      crash = error
    })
    this.exited = new Promise((resolve) => {
      worker.once('exit', (code) => {
        if (this.worker === worker) this.worker = undefined
        const reason = crash?.message ?? `it exited with code ${code}`
        for (const [id, request] of this.pending) {
          this.pending.delete(id)
          request.reject(
            new AppError('INTERNAL', `The archive's page writer stopped (${reason}); the page was not confirmed as written.`, {
              cause: crash
            })
          )
        }
        resolve()
      })
    })
    return worker
  }
}

/** The AppError the write threw in the writer's thread, for this one. */
function toAppError(error: PageWriterError): AppError {
  const cause = error.sqliteCode === undefined ? undefined : Object.assign(new Error(error.sqliteCode), { code: error.sqliteCode })
  return new AppError(error.code, error.message, { account: error.account, status: error.status, cause })
}

/**
 * Where the writer thread's code is. From TypeScript sources (vitest, tsx, the CLI) it is
 * page-writer-worker.ts beside this file; in the electron-vite build it is the
 * `page-writer-worker` entry in out/main, while this module's code sits in out/main or a chunk
 * folder under it.
 */
function workerEntry(): URL {
  const here = import.meta.url
  if (/\.[cm]?ts$/.test(fileURLToPath(here))) return new URL('./page-writer-worker.ts', here)
  const candidates = [new URL('./page-writer-worker.js', here), new URL('../page-writer-worker.js', here)]
  return candidates.find((candidate) => existsSync(fileURLToPath(candidate))) ?? (candidates[0] as URL)
}

/**
 * Node 20 does not pass the parent's `--import tsx` to a worker, so a TypeScript entry is
 * started through a small bootstrap that registers tsx in the thread first.
 */
function startWorker(entry: URL, workerData: PageWriterData): Worker {
  if (!/\.[cm]?ts$/.test(fileURLToPath(entry))) return new Worker(entry, { workerData })
  // tsx's ESM build of its API (its CommonJS build registers hooks that cannot find their files
  // when loaded this way); require.resolve finds the CommonJS one, beside it in the same folder.
  const tsxApiCjs = createRequire(import.meta.url).resolve('tsx/esm/api')
  const tsxApi = pathToFileURL(tsxApiCjs.replace(/\.cjs$/, '.mjs')).href
  const bootstrap =
    `import(${JSON.stringify(tsxApi)})` +
    `.then((api) => { api.register(); return import(${JSON.stringify(entry.href)}) })` +
    '.catch((error) => { setImmediate(() => { throw error }) })'
  return new Worker(bootstrap, { eval: true, workerData })
}

import { Worker, type WorkerOptions } from 'node:worker_threads'
import type { ContractParsedInput, PushEventName } from '../shared/contract'
import type { Result } from '../shared/errors'
import type { ImportReport } from '../shared/import'
import { workerGone, type CoreWorkerData, type FromWorker, type ToWorker } from './core-worker-protocol'

type PushRelay = (event: PushEventName, payload: unknown) => void
type Request = ToWorker extends infer T ? (T extends { id: number } ? Omit<T, 'id'> : never) : never

/**
 * Main's side of the core worker: numbered requests, answers matched by id, pushed events handed
 * to whoever relays them to the window. If the worker dies, every waiting and later call gets an
 * INTERNAL error value instead of hanging.
 */
export class CoreWorkerClient {
  private readonly worker: Worker
  private readonly pending = new Map<number, (result: Result<unknown>) => void>()
  private readonly relays = new Set<PushRelay>()
  private nextId = 1
  private gone: string | undefined
  /** Resolves once the worker has set up the core. */
  readonly ready: Promise<void>

  constructor(file: string | URL, data: CoreWorkerData, options: Pick<WorkerOptions, 'execArgv'> = {}) {
    this.worker = new Worker(file, { workerData: data, ...options })
    let markReady: () => void = () => {}
    this.ready = new Promise((resolve) => (markReady = resolve))
    this.worker.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'ready':
          markReady()
          break
        case 'result': {
          const resolve = this.pending.get(message.id)
          this.pending.delete(message.id)
          resolve?.(message.result)
          break
        }
        case 'push':
          for (const relay of this.relays) relay(message.event, message.payload)
          break
      }
    })
    this.worker.on('error', (error) => this.fail(error.message))
    this.worker.on('exit', (code) => {
      this.fail(`it exited (code ${code})`)
      markReady()
    })
  }

  /** A contract call, by channel. */
  call(channel: string, input: unknown): Promise<Result<unknown>> {
    return this.request({ type: 'call', channel, input })
  }

  /** export:run to a file main's save dialog chose. */
  exportToFile(request: ContractParsedInput<'runExport'>, path: string): Promise<Result<{ rows: number }>> {
    return this.request({ type: 'export-file', request, path }) as Promise<Result<{ rows: number }>>
  }

  /** import:file of a file main's open dialog chose; the result is import:file's report. */
  importFromFile(request: ContractParsedInput<'importFile'>, path: string): Promise<Result<ImportReport>> {
    return this.request({ type: 'import-file', request, path }) as Promise<Result<ImportReport>>
  }

  /** Receives every pushed event; returns the function that stops it. */
  onPush(relay: PushRelay): () => void {
    this.relays.add(relay)
    return () => {
      this.relays.delete(relay)
    }
  }

  /** Lets running syncs end and the archive close, then ends the thread. */
  async close(): Promise<void> {
    if (this.gone === undefined) await this.request({ type: 'close' })
    await this.worker.terminate()
  }

  private request(message: Request): Promise<Result<unknown>> {
    if (this.gone !== undefined) return Promise.resolve(workerGone(this.gone))
    const id = this.nextId++
    return new Promise((resolve) => {
      this.pending.set(id, resolve)
      this.worker.postMessage({ ...message, id } as ToWorker)
    })
  }

  private fail(reason: string): void {
    this.gone ??= reason
    for (const resolve of this.pending.values()) resolve(workerGone(reason))
    this.pending.clear()
  }
}

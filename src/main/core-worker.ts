import { parentPort, workerData } from 'node:worker_threads'
import type { Result } from '../shared/errors'
import { createContractHandlers, dispatchCall, importIntoAccount } from './core/api-handlers'
import { CallScheduler } from './core/call-scheduler'
import { CoreRuntime } from './core/core-runtime'
import { AppError, toAppError } from './core/errors'
import { TokenStore } from './core/secrets/token-store'
import type { CoreWorkerData, FromWorker, ToWorker } from './core-worker-protocol'

/**
 * The core's thread in the desktop app (DESIGN.md §4): better-sqlite3 is synchronous and a sync
 * is long, so the archive lives here and the window's main thread never waits on it. Main relays
 * the renderer's contract calls in and the pushed events out (core-worker-client.ts).
 */

if (parentPort === null) throw new Error('core-worker.ts runs only as a worker thread')
const port = parentPort

const data = workerData as CoreWorkerData
const runtime = new CoreRuntime({
  dataDir: data.dataDir,
  nativeBinding: data.nativeBinding,
  version: data.version,
  transport: 'electron',
  autoSync: data.autoSync ?? true,
  tokenStore: new TokenStore(data.keychainService === undefined ? {} : { service: data.keychainService })
})

const handlers = createContractHandlers(runtime, {
  // Main intercepts export:run to show the save dialog and sends `export-file`; a plain call here
  // means a relay bug, reported as such rather than writing somewhere unchosen.
  runExport: () => Promise.reject(new AppError('INTERNAL', 'export:run must go through the save dialog'))
})

const post = (message: FromWorker): void => port.postMessage(message)
/** A table page is never kept waiting behind a view's summaries (see CallScheduler). */
const scheduler = new CallScheduler()

runtime.events.on((event, payload) => post({ type: 'push', event, payload }))

port.on('message', (message: ToWorker) => {
  void handle(message).then((result) => post({ type: 'result', id: message.id, result }))
})

async function handle(message: ToWorker): Promise<Result<unknown>> {
  switch (message.type) {
    case 'call':
      return scheduler.schedule(message.channel, () => dispatchCall(handlers, message.channel, message.input))
    case 'export-file':
      try {
        const { rows } = await runtime.exportEvents(message.request, message.path)
        return { ok: true, value: { rows } }
      } catch (error) {
        return { ok: false, error: toAppError(error).toInfo() }
      }
    case 'import-file':
      try {
        return { ok: true, value: await importIntoAccount(runtime, message.request.account, message.path, message.request.format) }
      } catch (error) {
        return { ok: false, error: toAppError(error).toInfo() }
      }
    case 'close':
      try {
        await runtime.close()
        return { ok: true, value: null }
      } catch (error) {
        return { ok: false, error: toAppError(error).toInfo() }
      } finally {
        // The reply is posted first (the caller waits on it), then the thread may end.
        setImmediate(() => port.close())
      }
  }
}

runtime.start()
post({ type: 'ready' })

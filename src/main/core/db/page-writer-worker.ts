import { parentPort, workerData } from 'node:worker_threads'
import { toAppError } from '../errors'
import { Archive } from './archive'
import type { FromPageWriter, PageWriterData, PageWriterError, ToPageWriter } from './page-writer-protocol'

/**
 * The page writer's thread (page-writer.ts): a connection of its own to the archive, on which a
 * sync's pages are written, so the thread serving the UI's queries never waits for a page's
 * transaction (fsync, FTS and count triggers, chain hashes). Requests are handled one at a time,
 * in order: each is Archive.writePage, the same IMMEDIATE transaction as in-process.
 */

if (parentPort === null) throw new Error('page-writer-worker.ts runs only as a worker thread')
const port = parentPort
const data = workerData as PageWriterData

// Opened on the first request, so a failure to open is that request's error (and the next
// request tries again) rather than a thread that dies before it can say why.
let archive: Archive | undefined

const post = (message: FromPageWriter): void => port.postMessage(message)

port.on('message', (message: ToPageWriter) => {
  if (message.type === 'close') {
    archive?.close()
    archive = undefined
    port.close()
    return
  }
  try {
    archive ??= Archive.open(data.file, { nativeBinding: data.nativeBinding })
    const stats = archive.writePage(message.accountId, message.stream, message.events, message.cursor)
    post({ type: 'written', id: message.id, stats })
  } catch (error) {
    post({ type: 'failed', id: message.id, error: errorForMain(error) })
  }
})

function errorForMain(error: unknown): PageWriterError {
  const failure = toAppError(error)
  const cause = failure.cause as { code?: unknown } | undefined
  return {
    code: failure.code,
    message: failure.message,
    ...(failure.account === undefined ? {} : { account: failure.account }),
    ...(failure.status === undefined ? {} : { status: failure.status }),
    ...(typeof cause?.code === 'string' && cause.code.startsWith('SQLITE_') ? { sqliteCode: cause.code } : {})
  }
}

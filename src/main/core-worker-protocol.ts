import type { ContractParsedInput, PushEventName } from '../shared/contract'
import type { ErrorInfo, Result } from '../shared/errors'

/**
 * Messages between Electron's main process and the core's worker thread. Only plain data
 * (structured clone) crosses; the worker owns the archive, the keychain access and the syncs.
 */

/** What main passes when it starts the worker. */
export interface CoreWorkerData {
  dataDir: string
  version: string
  /** better-sqlite3's Electron build; undefined under plain Node (tests). */
  nativeBinding?: string
  /** Run the auto-sync scheduler (default true). */
  autoSync?: boolean
  /** Keychain service name (tests use their own). */
  keychainService?: string
}

export type ToWorker =
  /** A contract call, its input already checked by main's guard (the worker checks again). */
  | { type: 'call'; id: number; channel: string; input: unknown }
  /** export:run after main's save dialog chose the file. */
  | { type: 'export-file'; id: number; request: ContractParsedInput<'runExport'>; path: string }
  /** import:file after main's open dialog chose the file. */
  | { type: 'import-file'; id: number; request: ContractParsedInput<'importFile'>; path: string }
  /** Cancel the syncs, close the archive, then answer. */
  | { type: 'close'; id: number }

export type FromWorker =
  | { type: 'ready' }
  | { type: 'result'; id: number; result: Result<unknown> }
  | { type: 'push'; event: PushEventName; payload: unknown }

/** The answer to a call that could not be made (the worker is gone). */
export function workerGone(reason: string): { ok: false; error: ErrorInfo } {
  return { ok: false, error: { code: 'INTERNAL', message: `The app's core stopped: ${reason}. Restart the app.` } }
}

import type { ErrorCode } from '../../../shared/errors'
import type { IngestEvent, WriteStats } from './archive-types'

/** What the page writer's thread is started with. */
export interface PageWriterData {
  /** The archive file; the thread opens its own connection to it. */
  file: string
  /** better-sqlite3's native binding, as the main connection was opened with (the Electron build in the app). */
  nativeBinding?: string
}

/** Main → writer thread. */
export type ToPageWriter =
  | { type: 'write'; id: number; accountId: number; stream: string; events: IngestEvent[]; cursor: unknown }
  | { type: 'close' }

/** An AppError as it crosses the thread boundary (a class instance does not survive structured cloning). */
export interface PageWriterError {
  code: ErrorCode
  message: string
  account?: string
  status?: number
  /** SQLite's result code behind it (SQLITE_BUSY, SQLITE_CORRUPT, …), when there was one. */
  sqliteCode?: string
}

/** Writer thread → main. */
export type FromPageWriter =
  | { type: 'written'; id: number; stats: WriteStats }
  | { type: 'failed'; id: number; error: PageWriterError }

/**
 * Error codes that travel as data (across IPC, HTTP and the CLI), never as thrown class identity.
 */
export const ERROR_CODES = [
  'AUTH_FAILED',
  'PERMISSION',
  'RATE_LIMITED',
  'NETWORK',
  'TIMEOUT',
  'TLS',
  'BAD_RESPONSE',
  'NOT_FOUND',
  'CANCELLED',
  'SYNC_BUSY',
  'INVALID_INPUT',
  'QUERY_SYNTAX',
  'KEYCHAIN',
  'NO_TOKEN',
  'CONFLICT',
  'SCHEMA_TOO_NEW',
  'MIGRATION_CHANGED',
  'ARCHIVE_DAMAGED',
  'ARCHIVE_LOCKED',
  'IO',
  'INTERNAL'
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

export interface ErrorInfo {
  code: ErrorCode
  message: string
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo }

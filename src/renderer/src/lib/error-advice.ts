import type { ErrorCode, ErrorInfo } from '../../../shared/errors'

/**
 * Plain words for an error code, and what the user can do about it. The core's message (which
 * names the account and the cause, never a secret) is shown beside this.
 */
export interface ErrorAdvice {
  /** Short statement of what went wrong. */
  title: string
  /** What to do next; absent when there is nothing the user can do. */
  fix?: string
}

const ADVICE: Record<ErrorCode, ErrorAdvice> = {
  AUTH_FAILED: { title: 'Token rejected', fix: 'Update the token in the account settings.' },
  PERMISSION: {
    title: 'Not allowed to read the audit log',
    fix: 'Use a token of an organisation owner or one with audit-log access.'
  },
  RATE_LIMITED: { title: 'Rate limited by the registry', fix: 'Sync will go on by itself; try again later.' },
  NETWORK: { title: 'Registry not reachable', fix: 'Check the network connection and the account URL.' },
  TIMEOUT: { title: 'The registry did not answer in time', fix: 'Try the sync again later.' },
  TLS: {
    title: 'Secure connection failed',
    fix: 'Check the account URL; for a private CA, configure its CA file in the account settings.'
  },
  BAD_RESPONSE: {
    title: 'Unexpected answer from the registry',
    fix: 'Check that the account URL points at the registry API.'
  },
  NOT_FOUND: { title: 'Not found', fix: 'Check the organisation name and the account URL.' },
  CANCELLED: { title: 'Cancelled' },
  SYNC_BUSY: {
    title: 'Already syncing',
    fix: 'Another sync of this account is running (perhaps a scheduled CLI run); wait for it to finish.'
  },
  INVALID_INPUT: { title: 'Invalid input', fix: 'Correct the highlighted value.' },
  QUERY_SYNTAX: { title: 'Query not understood', fix: 'Correct the query; press Esc to keep the previous one.' },
  KEYCHAIN: {
    title: 'Keychain not available',
    fix: 'The token is kept for this session only; unlock or install a keychain to store it.'
  },
  NO_TOKEN: { title: 'No token for this account', fix: 'Enter a token in the account settings.' },
  CONFLICT: { title: 'Name already in use', fix: 'Choose another account name.' },
  SCHEMA_TOO_NEW: {
    title: 'Archive written by a newer version',
    fix: 'Update Registry Audit Viewer to open this archive.'
  },
  MIGRATION_CHANGED: {
    title: 'Archive schema mismatch',
    fix: 'This build does not match the archive; reinstall the app.'
  },
  ARCHIVE_DAMAGED: {
    title: 'Archive damaged',
    fix: 'A backup was kept; see the data folder and restore it or start a new archive.'
  },
  ARCHIVE_LOCKED: { title: 'Archive busy', fix: 'Another process holds the archive; try again in a moment.' },
  IO: { title: 'Could not read or write a file', fix: 'Check the disk space and the folder permissions.' },
  INTERNAL: { title: 'Something went wrong', fix: 'Try again; if it keeps happening, report it.' }
}

export function adviceFor(error: Pick<ErrorInfo, 'code'>): ErrorAdvice {
  return ADVICE[error.code] ?? ADVICE.INTERNAL
}

/** One line for a notification or a sync panel: "Token rejected — update the token in the account settings." */
export function describeError(error: ErrorInfo): string {
  const advice = adviceFor(error)
  if (advice.fix === undefined) return advice.title
  return `${advice.title} — ${advice.fix.charAt(0).toLowerCase()}${advice.fix.slice(1)}`
}

import { AppError } from '../errors'

/** better-sqlite3's SqliteError carries SQLite's extended result code name in `code`. */
function sqliteCode(error: unknown): string | undefined {
  if (error instanceof Error && typeof (error as { code?: unknown }).code === 'string') {
    const code = (error as unknown as { code: string }).code
    return code.startsWith('SQLITE_') ? code : undefined
  }
  return undefined
}

/**
 * Turns what SQLite threw into a typed AppError with a sentence a user can act on. AppErrors pass
 * through unchanged; `doing` says what the archive was doing ("writing a page of events").
 */
export function toArchiveError(error: unknown, file: string, doing: string): AppError {
  if (error instanceof AppError) return error
  const code = sqliteCode(error)
  const detail = error instanceof Error ? error.message : String(error)
  if (code === undefined) return new AppError('INTERNAL', `Archive ${file}: failed ${doing}: ${detail}`, { cause: error })
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new AppError(
      'ARCHIVE_LOCKED',
      `Archive ${file} stayed locked by another process while ${doing}; try again when it has finished.`,
      { cause: error }
    )
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new AppError(
      'ARCHIVE_DAMAGED',
      `Archive ${file} is damaged (${detail}; found while ${doing}). Keep a copy of the file before trying to repair it.`,
      { cause: error }
    )
  }
  if (code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH' || code === 'SQLITE_RANGE') {
    return new AppError('INVALID_INPUT', `Archive ${file}: rejected data while ${doing}: ${detail}`, { cause: error })
  }
  // The two a user can fix at once get the fix in the message; nothing half-written stays behind
  // (the transaction rolls back), so the archive is as it was before the failed step.
  if (code === 'SQLITE_FULL') {
    return new AppError(
      'IO',
      `Archive ${file}: the disk is full (while ${doing}); nothing of that step was stored and the archive is as it was. ` +
        'Free some space on the disk that holds it, then try again.',
      { cause: error }
    )
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new AppError(
      'IO',
      `Archive ${file} is read-only (${detail}; while ${doing}): make the file and its folder writable for this user, ` +
        'or choose another data folder with --data-dir. Nothing was changed.',
      { cause: error }
    )
  }
  if (
    code.startsWith('SQLITE_IOERR') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_READONLY') ||
    code === 'SQLITE_PERM'
  ) {
    return new AppError('IO', `Archive ${file}: could not complete ${doing}: ${detail}`, { cause: error })
  }
  return new AppError('INTERNAL', `Archive ${file}: failed ${doing}: ${detail} (${code})`, { cause: error })
}

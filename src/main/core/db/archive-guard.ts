import { accessSync, constants, statSync } from 'node:fs'
import path from 'node:path'
import { AppError } from '../errors'
import { Archive, type ArchiveOpenOptions } from './archive'
import { backupDamagedArchive, type ArchiveBackup } from './archive-backup'
import { screenArchiveFile } from './archive-check'
import type { ArchiveApi } from './archive-types'

/**
 * How the application opens its archive (AuditService): `Archive.open` with the refusals a user
 * can act on made clear, and a damaged file kept aside before anything else touches it.
 *
 * - Damage found before SQLite opens the file (not SQLite, cut short), by the open itself, or by
 *   any later call (a page that fails to read mid-query, mid-sync): the file is copied aside
 *   (archive-backup.ts) at once, and from then on every call of this archive object fails with the
 *   same ARCHIVE_DAMAGED message naming the file, the copy and what to do. Nothing is deleted or
 *   rebuilt; recovery is a separate, explicit step (archive-recovery.ts).
 * - A read-only archive or data folder: IO, naming which and the fix, before SQLite tries.
 * - Another application's database, a newer schema, a changed migration: Archive.open's own
 *   refusals, which already leave the file untouched (no copy is needed for a file that is fine).
 */
export function openArchiveGuarded(file: string, options: ArchiveOpenOptions = {}): GuardedArchive {
  const screened = screenArchiveFile(file)
  if (screened !== undefined) throw damagedArchiveError(file, screened, keepBackup(file))
  if (options.readonly !== true) checkWritable(file)
  let archive: Archive
  try {
    archive = Archive.open(file, options)
  } catch (error) {
    if (error instanceof AppError && error.code === 'ARCHIVE_DAMAGED') {
      throw damagedArchiveError(file, damageReason(error), keepBackup(file), error)
    }
    throw error
  }
  return latchDamage(archive, file)
}

/** The guarded archive, and the same latch for work done on the file elsewhere (a page writer's thread). */
export interface GuardedArchive extends ArchiveApi {
  /**
   * Runs `work` (which writes or reads the same file over another connection) under this
   * archive's damage latch: refused at once once damage is known, and an ARCHIVE_DAMAGED it
   * rejects with is latched (backup kept, full message) exactly as if this archive had met it.
   */
  guardAsync<T>(work: () => Promise<T>): Promise<T>
}

/**
 * The message for a damaged archive: what is wrong, where the copy is, that nothing was changed,
 * and the two commands that help. One line, so the CLI prints it as it is.
 */
export function damagedArchiveError(
  file: string,
  reason: string,
  backup: ArchiveBackup | AppError,
  cause?: unknown
): AppError {
  const kept =
    backup instanceof AppError
      ? `No copy could be kept (${backup.message}): copy ${file} somewhere safe before anything else.`
      : `A copy is kept as ${backup.file}${backup.wal === undefined ? '' : ' (with its -wal file)'}.`
  return new AppError(
    'ARCHIVE_DAMAGED',
    `Archive ${file} is damaged: ${reason}. ${kept} The archive was not changed, deleted or rebuilt. ` +
      'See what is wrong with "registry-audit archive check", and copy what is readable into a new archive ' +
      'with "registry-audit archive recover --out NEW_FILE".',
    { cause }
  )
}

function keepBackup(file: string): ArchiveBackup | AppError {
  try {
    return backupDamagedArchive(file)
  } catch (error) {
    return error instanceof AppError ? error : new AppError('IO', String(error), { cause: error })
  }
}

/** SQLite's words from the archive's own damaged-file message ("database disk image is malformed; found while …"). */
function damageReason(error: AppError): string {
  const said = /is damaged \((.*)\)\. Keep a copy/s.exec(error.message)?.[1]
  if (said !== undefined) return said
  if (/not an SQLite database/.test(error.message)) return 'it is not an SQLite database: its header is wrong'
  return error.message
}

/**
 * Refuses a read-only archive file or folder with the fix, rather than SQLite's "unable to open
 * database file" or a failure at the first write. WAL needs the folder writable too (-wal, -shm).
 */
function checkWritable(file: string): void {
  const dir = path.dirname(file)
  const denied = (target: string): string | undefined => {
    try {
      accessSync(target, constants.W_OK)
      return undefined
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      return code === 'ENOENT' ? undefined : (code ?? 'not writable')
    }
  }
  // The folder first: when it is read-only (a read-only mount), so is the file, and the folder is the fix.
  const dirDenied = denied(dir)
  if (dirDenied !== undefined) {
    throw new AppError(
      'IO',
      `The folder ${dir} holding the archive is read-only (${dirDenied}): the archive needs to create its -wal and -shm ` +
        'files there. Make the folder writable for this user, or choose another data folder with --data-dir. ' +
        'The archive was not changed.'
    )
  }
  let exists = true
  try {
    statSync(file)
  } catch {
    exists = false
  }
  const fileDenied = exists ? denied(file) : undefined
  if (fileDenied !== undefined) {
    throw new AppError(
      'IO',
      `Archive ${file} is read-only (${fileDenied}): make it writable for this user (for example chmod u+w "${file}"), ` +
        'or choose another data folder with --data-dir. The archive was not changed.'
    )
  }
}

/**
 * The archive, with damage found by any call latched: the first ARCHIVE_DAMAGED keeps a backup
 * and turns into the full message; every later call (but close) fails with it at once, so
 * nothing else reads or writes a file known to be damaged.
 */
function latchDamage(archive: Archive, file: string): GuardedArchive {
  let damaged: AppError | undefined
  const onError = (error: unknown): never => {
    if (damaged !== undefined) throw damaged
    if (error instanceof AppError && error.code === 'ARCHIVE_DAMAGED') {
      damaged = damagedArchiveError(file, damageReason(error), keepBackup(file), error)
      throw damaged
    }
    throw error
  }
  const guard =
    <A extends unknown[], R>(call: (...args: A) => R) =>
    (...args: A): R => {
      if (damaged !== undefined) throw damaged
      try {
        return call(...args)
      } catch (error) {
        return onError(error)
      }
    }
  const guardIterator = <T>(iterator: IterableIterator<T>): IterableIterator<T> => ({
    [Symbol.iterator]() {
      return this
    },
    next: guard(() => iterator.next()),
    return: (value?: unknown) => iterator.return?.(value) ?? { done: true, value: undefined }
  })
  return {
    get file() {
      return archive.file
    },
    guardAsync: async <T>(work: () => Promise<T>): Promise<T> => {
      if (damaged !== undefined) throw damaged
      try {
        return await work()
      } catch (error) {
        return onError(error)
      }
    },
    close: () => archive.close(),
    addAccount: guard((account) => archive.addAccount(account)),
    updateAccount: guard((id, patch) => archive.updateAccount(id, patch)),
    listAccounts: guard((listOptions) => archive.listAccounts(listOptions)),
    getAccount: guard((name, getOptions) => archive.getAccount(name, getOptions)),
    removeAccount: guard((id, removeOptions) => archive.removeAccount(id, removeOptions)),
    getCursor: guard((accountId, stream) => archive.getCursor(accountId, stream)),
    writePage: guard((accountId, stream, events, cursor) => archive.writePage(accountId, stream, events, cursor)),
    startSyncRun: guard((accountId) => archive.startSyncRun(accountId)),
    finishSyncRun: guard((runId, result) => archive.finishSyncRun(runId, result)),
    lastSyncRun: guard((accountId) => archive.lastSyncRun(accountId)),
    acquireSyncLock: guard((accountId, owner) => archive.acquireSyncLock(accountId, owner)),
    releaseSyncLock: guard((accountId, owner) => archive.releaseSyncLock(accountId, owner)),
    heartbeatSyncLock: guard((accountId, owner) => archive.heartbeatSyncLock(accountId, owner)),
    syncLockHolder: guard((accountId) => archive.syncLockHolder(accountId)),
    queryEvents: guard((request) => archive.queryEvents(request)),
    countEvents: guard((query, countOptions) => archive.countEvents(query, countOptions)),
    facets: guard((query, facetOptions) => archive.facets(query, facetOptions)),
    getEvent: guard((id) => archive.getEvent(id)),
    iterateEvents: guard((query, sort) => guardIterator(archive.iterateEvents(query, sort)))
  }
}

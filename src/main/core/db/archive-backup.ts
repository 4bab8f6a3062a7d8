import { createHash } from 'node:crypto'
import { closeSync, constants, copyFileSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { AppError } from '../errors'

/**
 * Keeping a damaged archive aside (DESIGN.md §3: "a damaged database is backed up, never silently
 * rebuilt"). The archive may be the only copy of events its source has already expired, so the
 * first thing done with a file found damaged is a byte-for-byte copy next to it, before any repair
 * or recovery reads or writes anything:
 *
 *   archive.sqlite.damaged-20250601T120000Z        the database file
 *   archive.sqlite.damaged-20250601T120000Z-wal    its write-ahead log, when it had one with content
 *
 * The log keeps SQLite's naming, so the copy opens as the archive did (committed pages still in
 * the log included). A copy is never written over another file: the name gets -2, -3 … when taken.
 * An earlier copy with the same bytes is kept and named instead of making another, so opening a
 * damaged archive again and again does not fill the disk.
 */

export interface ArchiveBackup {
  /** The copy of the database file. */
  file: string
  /** The copy of its -wal file, when there was one with content. */
  wal?: string
  /** True when an identical earlier copy was found and kept instead of making a new one. */
  reused: boolean
}

const MARK = '.damaged-'

/** `archive.sqlite.damaged-20250601T120000Z` (or `-N` after it for the N-th of that second). */
export function damagedBackupName(file: string, at: number, n = 1): string {
  const stamp = new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')
  return `${file}${MARK}${stamp}${n > 1 ? `-${n}` : ''}`
}

/** The damaged-archive copies kept beside `file` (database files only, not their -wal), oldest name first. */
export function listDamagedBackups(file: string): string[] {
  const dir = path.dirname(file)
  const prefix = `${path.basename(file)}${MARK}`
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  return names
    .filter((name) => name.startsWith(prefix) && !/-(wal|shm)$/.test(name))
    .sort()
    .map((name) => path.join(dir, name))
}

/**
 * Copies a damaged archive (and its -wal) aside, or names an identical copy made earlier. Never
 * writes over an existing file and never changes the archive. Throws AppError IO when no copy
 * can be made (a full disk, a read-only folder); a half-written copy is removed, so a file with
 * the backup name is always complete.
 */
export function backupDamagedArchive(file: string, options: { now?: () => number } = {}): ArchiveBackup {
  const now = options.now ?? Date.now
  const wal = `${file}-wal`
  const walSize = sizeOf(wal)
  const hasWal = walSize !== undefined && walSize > 0
  const size = sizeOf(file)
  if (size === undefined) throw new AppError('NOT_FOUND', `Archive ${file} does not exist; there is nothing to back up.`)

  const existing = findIdenticalBackup(file, size, hasWal ? wal : undefined)
  if (existing !== undefined) return existing

  const at = now()
  for (let n = 1; n < 1000; n++) {
    const target = damagedBackupName(file, at, n)
    if (sizeOf(target) !== undefined || sizeOf(`${target}-wal`) !== undefined) continue
    try {
      copyFileSync(file, target, constants.COPYFILE_EXCL)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue
      removeQuietly(target)
      throw backupFailed(file, target, error)
    }
    if (!hasWal) return { file: target, reused: false }
    try {
      copyFileSync(wal, `${target}-wal`, constants.COPYFILE_EXCL)
    } catch (error) {
      // The pair is the backup; half of it would be read as the whole. Only what this call
      // wrote is removed: a -wal that appeared under the name meanwhile is someone else's.
      removeQuietly(target)
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue
      removeQuietly(`${target}-wal`)
      throw backupFailed(file, target, error)
    }
    return { file: target, wal: `${target}-wal`, reused: false }
  }
  throw new AppError('IO', `No free name for a backup of ${file} beside it; move the old ${path.basename(file)}${MARK}* copies away.`)
}

function backupFailed(file: string, target: string, error: unknown): AppError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error'
  const why = code === 'ENOSPC' ? 'the disk is full' : code === 'EROFS' || code === 'EACCES' || code === 'EPERM' ? 'the folder is read-only' : code
  return new AppError('IO', `could not copy ${file} to ${target} (${why})`, { cause: error })
}

function findIdenticalBackup(file: string, size: number, wal: string | undefined): ArchiveBackup | undefined {
  let digest: string | undefined
  let walDigest: string | undefined
  for (const candidate of listDamagedBackups(file)) {
    if (sizeOf(candidate) !== size) continue
    const candidateWal = `${candidate}-wal`
    const candidateWalSize = sizeOf(candidateWal) ?? 0
    if ((wal === undefined) !== (candidateWalSize === 0)) continue
    if (wal !== undefined && sizeOf(wal) !== candidateWalSize) continue
    digest ??= sha256File(file)
    if (sha256File(candidate) !== digest) continue
    if (wal !== undefined) {
      walDigest ??= sha256File(wal)
      if (sha256File(candidateWal) !== walDigest) continue
      return { file: candidate, wal: candidateWal, reused: true }
    }
    return { file: candidate, reused: true }
  }
  return undefined
}

function sizeOf(file: string): number | undefined {
  try {
    const stat = statSync(file)
    return stat.isFile() ? stat.size : undefined
  } catch {
    return undefined
  }
}

/** SHA-256 of a file's bytes, read in chunks (archives can be gigabytes). */
export function sha256File(file: string): string {
  const hash = createHash('sha256')
  const fd = openSync(file, 'r')
  try {
    const buffer = Buffer.alloc(1024 * 1024)
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null)
      if (read === 0) break
      hash.update(buffer.subarray(0, read))
    }
  } finally {
    closeSync(fd)
  }
  return hash.digest('hex')
}

function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true })
  } catch {
    // Nothing more to do: the name is reported as failed either way.
  }
}

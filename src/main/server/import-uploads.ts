import { randomBytes } from 'node:crypto'
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { UploadTicket } from '../../shared/contract'
import { AppError } from '../core/errors'

/**
 * Browser mode's file import, first half: `POST /api/upload` streams the file the page chose into
 * a private temporary folder and answers a single-use ticket; import:file redeems it (the page
 * never names a path on this computer). Files not imported within {@link UPLOAD_TTL_MS} are
 * deleted, and so is everything left when the server stops.
 */

/** Largest file accepted: export files are big, but not unbounded (the disk is the user's). */
export const MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024
/** How long an uploaded file waits for its import. */
export const UPLOAD_TTL_MS = 15 * 60_000
/** Uploads waiting at once; the oldest goes when a new one would pass this. */
const MAX_WAITING = 8

interface Waiting {
  dir: string
  path: string
  timer: NodeJS.Timeout
}

/** A file name the page sent, made safe to use as the temporary file's name (and the report's). */
export function safeUploadName(header: string | string[] | undefined): string {
  let name = Array.isArray(header) ? (header[0] ?? '') : (header ?? '')
  try {
    name = decodeURIComponent(name)
  } catch {
    // Not percent-encoded: used as it came, then cleaned below.
  }
  const base = name.split(/[\\/]/).pop() ?? ''
  const cleaned = base.replace(/[^\w.\- ]+/g, '_').replace(/^[.\s]+/, '').slice(0, 120).trim()
  return cleaned === '' ? 'upload' : cleaned
}

export class ImportUploads {
  private readonly waiting = new Map<string, Waiting>()

  constructor(private readonly maxBytes = MAX_UPLOAD_BYTES) {}

  /**
   * Streams the request body to a new temporary file.
   * @throws AppError INVALID_INPUT (larger than the limit, or empty), IO (the disk refused).
   */
  async receive(request: IncomingMessage): Promise<UploadTicket> {
    const declared = Number(request.headers['content-length'])
    if (Number.isFinite(declared) && declared > this.maxBytes) {
      request.resume()
      throw tooLarge(this.maxBytes)
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'registry-audit-upload-'))
    const file = path.join(dir, safeUploadName(request.headers['x-file-name']))
    let bytes = 0
    const limit = this.maxBytes
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length
        if (bytes > limit) callback(tooLarge(limit))
        else callback(null, chunk)
      }
    })
    try {
      await pipeline(request, counter, createWriteStream(file, { mode: 0o600 }))
    } catch (error) {
      rmSync(dir, { recursive: true, force: true })
      if (error instanceof AppError) throw error
      throw new AppError('IO', `The uploaded file could not be stored: ${error instanceof Error ? error.message : String(error)}`)
    }
    if (bytes === 0) {
      rmSync(dir, { recursive: true, force: true })
      throw new AppError('INVALID_INPUT', 'The uploaded file is empty')
    }
    const ticket = randomBytes(24).toString('base64url')
    const timer = setTimeout(() => this.discard(ticket), UPLOAD_TTL_MS)
    timer.unref()
    this.waiting.set(ticket, { dir, path: file, timer })
    while (this.waiting.size > MAX_WAITING) {
      const oldest = this.waiting.keys().next().value
      if (oldest === undefined) break
      this.discard(oldest)
    }
    return { upload: ticket, bytes }
  }

  /** The file a ticket names, once; the caller releases it (deletes it) when the import is over. */
  redeem(ticket: string): { path: string; release(): void } | undefined {
    const entry = this.waiting.get(ticket)
    if (entry === undefined) return undefined
    this.waiting.delete(ticket)
    clearTimeout(entry.timer)
    return { path: entry.path, release: () => rmSync(entry.dir, { recursive: true, force: true }) }
  }

  /** How many uploads wait for their import. */
  get size(): number {
    return this.waiting.size
  }

  /** Deletes every waiting upload. */
  close(): void {
    for (const ticket of [...this.waiting.keys()]) this.discard(ticket)
  }

  private discard(ticket: string): void {
    const entry = this.waiting.get(ticket)
    if (entry === undefined) return
    this.waiting.delete(ticket)
    clearTimeout(entry.timer)
    rmSync(entry.dir, { recursive: true, force: true })
  }
}

function tooLarge(limit: number): AppError {
  return new AppError('INVALID_INPUT', `The file is larger than ${Math.round(limit / 1024 / 1024)} MiB, the most an upload takes; import it with \`registry-audit import\``)
}

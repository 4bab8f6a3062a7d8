import type { SourceKind } from './event'

/**
 * Importing export files into an account's history (src/main/core/import/): the formats a file can
 * be read as and the report an import gives back. Shared so the CLI, the contract and the UI speak
 * one vocabulary.
 */

/** The file syntaxes an import reads. `auto` detects one from the file's content. */
export const IMPORT_FORMATS = ['auto', 'json', 'ndjson', 'csv'] as const
export type ImportFormatChoice = (typeof IMPORT_FORMATS)[number]
export type ImportFormat = Exclude<ImportFormatChoice, 'auto'>

export function isImportFormatChoice(value: string): value is ImportFormatChoice {
  return (IMPORT_FORMATS as readonly string[]).includes(value)
}

/**
 * What the rows of a file were read as: one source's own records (its API's or its export's
 * shape), or registry-audit's NDJSON/JSON event export, which carries each event's identity and raw
 * record and so restores the events exactly.
 */
export type ImportContent = Exclude<SourceKind, 'file'> | 'registry-audit'

/** At most this many rejections are listed in a report; all are counted. */
export const MAX_REJECTIONS_LISTED = 100

export interface ImportRejection {
  /** The file line the row starts on (1-based). */
  line: number
  reason: string
}

export interface ImportReport {
  file: string
  account: string
  format: ImportFormat
  /** Null when the file held no row to decide by (empty, or every row unreadable). */
  content: ImportContent | null
  /** Rows read: non-blank lines, array items or CSV records (the header and end markers not counted). */
  rows: number
  /** Events newly stored. */
  imported: number
  /** Events the archive already held (from a sync, an earlier import, or earlier in this file). */
  duplicates: number
  /** Rows that are readable but not for this account (another IBM service's events). */
  skipped: number
  rejected: number
  /** The first {@link MAX_REJECTIONS_LISTED} rejections, in file order. */
  rejections: ImportRejection[]
  /** Things about the file as a whole (it ends before the JSON document closes, …). */
  warnings: string[]
}

import type { ImportFormat } from '../../../shared/import'

/** Fields of a top-level JSON object that hold a page's or an export's records. */
export const DOCUMENT_ARRAY_KEYS = ['logs', 'items', 'lines', 'events', 'records'] as const

/**
 * The syntax of a file, from its first characters (through the end of its first non-blank line):
 * `[` starts a JSON document; `{` starts JSON lines when the first line is a whole JSON object on
 * its own and not a page of records (`{"logs": [...]}` on one line is one JSON document), else a
 * JSON document spread over lines; anything else is taken for CSV, whose header row then decides
 * whether it is readable. Null for a file holding nothing but white space.
 */
export function detectFormat(head: string): ImportFormat | null {
  const text = head.replace(/^\uFEFF/, '').trimStart()
  if (text === '') return null
  if (text.startsWith('[')) return 'json'
  if (!text.startsWith('{')) return 'csv'
  const end = text.indexOf('\n')
  let first: unknown
  try {
    first = JSON.parse(end === -1 ? text : text.slice(0, end))
  } catch {
    return 'json'
  }
  if (typeof first !== 'object' || first === null || Array.isArray(first)) return 'json'
  const isPage = DOCUMENT_ARRAY_KEYS.some((key) => Array.isArray((first as Record<string, unknown>)[key]))
  return isPage ? 'json' : 'ndjson'
}

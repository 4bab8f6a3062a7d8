import type { ImportFormat } from '../../../shared/import'

/** Fields of a top-level JSON object that hold a page's or an export's records. */
export const DOCUMENT_ARRAY_KEYS = ['logs', 'items', 'lines', 'events', 'records'] as const

/**
 * The syntax of a file, from its first characters (through its second non-blank line, when it has
 * one): `[` starts a JSON document; `{` starts JSON lines when the first line is a whole JSON object
 * on its own and not a page of records (`{"logs": [...]}` on one line is one JSON document), or —
 * the first line being damaged — when the second is; else it is a JSON document spread over lines.
 * Anything else is taken for CSV, whose header row then decides whether it is readable. Null for a
 * file holding nothing but white space.
 */
export function detectFormat(head: string): ImportFormat | null {
  const text = head.replace(/^\uFEFF/, '').trimStart()
  if (text === '') return null
  if (text.startsWith('[')) return 'json'
  if (!text.startsWith('{')) return 'csv'
  const lines = text.split('\n', 3).filter((line) => line.trim() !== '')
  const first = recordLine(lines[0]!)
  if (first === 'record') return 'ndjson'
  if (first === 'page') return 'json'
  // A pretty-printed document's second line (`"logs": [`) is never a whole object on its own.
  return lines.length > 1 && recordLine(lines[1]!) === 'record' ? 'ndjson' : 'json'
}

function recordLine(line: string): 'record' | 'page' | 'other' {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return 'other'
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'other'
  return DOCUMENT_ARRAY_KEYS.some((key) => Array.isArray((value as Record<string, unknown>)[key])) ? 'page' : 'record'
}

import { parseBoundedJson, TOO_DEEP_MESSAGE } from '../bounded-json'

/**
 * One row of an import file as the format readers yield it: the parsed value, or why the row could
 * not be read. `line` is the file line the row starts on, for the report.
 */
export type FileRow = { line: number; value: unknown } | { line: number; error: string }

/** The reason given for a row the file ends inside. */
export const CUT_SHORT = 'the file ends inside this row (cut short?)'

export function tooLongReason(maxChars: number): string {
  return `longer than ${maxChars.toLocaleString('en-US')} characters, the most one row may hold`
}

/** Parses one row's JSON text; a row the file ends inside is reported as cut short. */
export function parseJsonRow(line: number, text: string, complete: boolean): FileRow {
  try {
    return { line, value: parseBoundedJson(text) }
  } catch (error) {
    if ((error as Error).message === TOO_DEEP_MESSAGE) return { line, error: `not read: ${TOO_DEEP_MESSAGE}` }
    return { line, error: complete ? 'not valid JSON' : `not valid JSON: ${CUT_SHORT}` }
  }
}

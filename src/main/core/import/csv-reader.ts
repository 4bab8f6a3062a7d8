import { CUT_SHORT, tooLongReason } from './file-row'

/**
 * A streaming RFC 4180 reader: comma-separated fields, CRLF or LF record ends, fields in double
 * quotes may hold commas, doubled quotes and line breaks. Memory is bounded by the largest record:
 * one longer than the cap is skipped as it streams past (its end still found) and reported. A
 * record the file ends inside a quoted field of is reported as cut short; `complete` is false for a
 * last record without a line break after it. Blank lines are not records.
 */

export type CsvRecord =
  | { line: number; fields: string[]; complete: boolean }
  | { line: number; error: string }

const State = {
  FieldStart: 0,
  Unquoted: 1,
  Quoted: 2,
  /** A quote inside a quoted field: a doubled quote or the field's end. */
  QuoteInQuoted: 3,
  /** After a field's closing quote: a comma or the record's end must follow. */
  AfterQuoted: 4
} as const
type State = (typeof State)[keyof typeof State]

export async function* readCsvRecords(chunks: AsyncIterable<string>, maxChars: number): AsyncGenerator<CsvRecord> {
  let state: State = State.FieldStart
  let fields: string[] = []
  let field = ''
  let quoted = false
  let size = 0
  let tooLong = false
  let problem: string | null = null
  let line = 1
  let recordLine = 1
  let first = true

  const startRecord = (): void => {
    fields = []
    field = ''
    quoted = false
    size = 0
    tooLong = false
    problem = null
    state = State.FieldStart
    recordLine = line
  }
  const endField = (): void => {
    if (!tooLong) fields.push(field)
    field = ''
    quoted = false
    state = State.FieldStart
  }
  const append = (text: string): void => {
    if (tooLong) return
    size += text.length
    if (size > maxChars) {
      tooLong = true
      fields = []
      field = ''
    } else field += text
  }
  /** The record just ended, or null for a blank line. */
  const finish = (complete: boolean): CsvRecord | null => {
    if (!quoted && field.endsWith('\r')) field = field.slice(0, -1)
    const blank = fields.length === 0 && field === '' && !quoted && !tooLong && problem === null
    endField()
    if (blank) return null
    if (tooLong) return { line: recordLine, error: tooLongReason(maxChars) }
    if (problem !== null) return { line: recordLine, error: problem }
    return { line: recordLine, fields, complete }
  }

  for await (let chunk of chunks) {
    if (first) {
      if (chunk.length === 0) continue
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1)
      first = false
    }
    let i = 0
    while (i < chunk.length) {
      const ch = chunk[i]!
      switch (state) {
        case State.FieldStart:
        case State.Unquoted: {
          if (state === State.FieldStart && ch === '"') {
            quoted = true
            state = State.Quoted
            i++
            break
          }
          // A run of ordinary characters at once.
          let end = i
          while (end < chunk.length) {
            const c = chunk.charCodeAt(end)
            if (c === 0x2c || c === 0x0a) break
            end++
          }
          if (end > i) {
            append(chunk.slice(i, end))
            state = State.Unquoted
          }
          i = end
          if (i >= chunk.length) break
          if (chunk[i] === ',') {
            endField()
            i++
          } else {
            const record = finish(true)
            if (record !== null) yield record
            line++
            i++
            startRecord()
          }
          break
        }
        case State.Quoted: {
          const end = chunk.indexOf('"', i)
          const text = end === -1 ? chunk.slice(i) : chunk.slice(i, end)
          for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) line++
          append(text)
          if (end === -1) i = chunk.length
          else {
            state = State.QuoteInQuoted
            i = end + 1
          }
          break
        }
        case State.QuoteInQuoted:
          if (ch === '"') {
            append('"')
            state = State.Quoted
            i++
          } else state = State.AfterQuoted
          break
        case State.AfterQuoted:
          if (ch === ',') {
            endField()
            i++
          } else if (ch === '\n') {
            const record = finish(true)
            if (record !== null) yield record
            line++
            i++
            startRecord()
          } else if (ch === '\r') {
            i++
          } else {
            problem ??= `field ${fields.length + 1} has text after its closing quote`
            state = State.Unquoted
          }
          break
      }
    }
  }
  if (state === State.Quoted) {
    yield { line: recordLine, error: `the file ends inside a quoted field: ${CUT_SHORT}` }
    return
  }
  const record = finish(false)
  if (record !== null) yield record
}

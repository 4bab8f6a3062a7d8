import { CUT_SHORT, parseJsonRow, tooLongReason, type FileRow } from './file-row'

/**
 * The rows of one JSON document, streamed: the items of a top-level array, or of the records array
 * of a top-level object (an API page or an export document such as `{"logs": [...]}`), or — for an
 * object with no such array — the object itself as the one row.
 *
 * A small scanner finds where each item starts and ends (tracking strings and nesting only) and
 * hands each item's text to JSON.parse, so memory is bounded by the largest item, not the file; an
 * item longer than the cap is skipped as it streams past and rejected. An item the file ends inside
 * is rejected as cut short and every item before it is read; text after the document's end is
 * rejected rather than silently ignored.
 */

export interface JsonDocumentOptions {
  maxChars: number
  /** Fields of a top-level object that hold the records; the first one that is a list is read. */
  arrayKeys: readonly string[]
  onWarning: (message: string) => void
}

const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const NEWLINE = 0x0a

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09
}

/** Text gathered across chunks, dropped once it passes the cap. */
class Capture {
  private parts: string[] = []
  private length = 0
  tooLong = false

  constructor(
    readonly line: number,
    private readonly maxChars: number
  ) {}

  add(text: string): void {
    if (this.tooLong || text.length === 0) return
    this.length += text.length
    if (this.length > this.maxChars) {
      this.tooLong = true
      this.parts = []
    } else {
      this.parts.push(text)
    }
  }

  text(): string {
    return this.parts.join('')
  }
}

type KeyState = 'key' | 'in-key' | 'colon' | 'value' | 'in-value'

export async function* readJsonDocument(
  chunks: AsyncIterable<string>,
  options: JsonDocumentOptions
): AsyncGenerator<FileRow> {
  const { maxChars } = options
  const arrayKeys = new Set(options.arrayKeys)
  let line = 1
  let depth = 0
  let inString = false
  let escaped = false
  let root: 'array' | 'object' | null = null
  let rootLine = 1
  let rootClosed = false
  /** Depth inside the container whose items are the rows; null until one is found. */
  let itemsDepth: number | null = null
  let item: Capture | null = null
  let itemStart = 0
  // The root object, kept (up to the cap) in case it turns out to be a single record.
  let whole: Capture | null = null
  let wholeStart = 0
  let keyState: KeyState = 'key'
  let key = ''
  let keyStart = 0
  let keyPending = ''
  let sawArrayKey = false
  let first = true

  const finishItem = (chunk: string, end: number): FileRow => {
    const done = item!
    done.add(chunk.slice(itemStart, end))
    item = null
    if (done.tooLong) return { line: done.line, error: tooLongReason(maxChars) }
    return parseJsonRow(done.line, done.text(), true)
  }

  for await (let chunk of chunks) {
    if (first) {
      if (chunk.length === 0) continue
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1)
      first = false
    }
    itemStart = 0
    wholeStart = 0
    keyStart = 0
    for (let i = 0; i < chunk.length; i++) {
      const code = chunk.charCodeAt(i)
      if (code === NEWLINE) line++
      if (inString) {
        if (escaped) escaped = false
        else if (code === BACKSLASH) escaped = true
        else if (code === QUOTE) {
          inString = false
          if (keyState === 'in-key' && depth === 1 && root === 'object') {
            key = keyPending + chunk.slice(keyStart, i)
            keyPending = ''
            keyState = 'colon'
          }
        }
        continue
      }
      if (rootClosed) {
        if (isSpace(code)) continue
        yield { line, error: 'text after the end of the JSON document (it was not read)' }
        return
      }
      if (root === null) {
        if (isSpace(code)) continue
        root = code === OPEN_BRACKET ? 'array' : code === OPEN_BRACE ? 'object' : null
        if (root === null) {
          yield { line, error: 'the file does not start with a JSON array or object' }
          return
        }
        rootLine = line
        depth = 1
        if (root === 'array') itemsDepth = 1
        else {
          whole = new Capture(line, maxChars)
          wholeStart = i
        }
        continue
      }

      // Rows: items of the records container.
      if (itemsDepth !== null && depth === itemsDepth) {
        if (code === COMMA || code === CLOSE_BRACKET || code === CLOSE_BRACE) {
          if (item !== null) yield finishItem(chunk, i)
          if (code !== COMMA) {
            depth--
            itemsDepth = -1 // read once: a later list is not rows
            if (depth === 0) rootClosed = true
          }
          continue
        }
        if (item === null) {
          if (isSpace(code)) continue
          item = new Capture(line, maxChars)
          itemStart = i
        }
      }

      // Keys of the root object, to find its records list.
      if (root === 'object' && depth === 1) {
        if (keyState === 'key' && code === QUOTE) {
          keyState = 'in-key'
          keyStart = i + 1
        } else if (keyState === 'colon' && code === COLON) {
          keyState = 'value'
        } else if (keyState === 'value' && !isSpace(code)) {
          keyState = 'in-value'
          if (arrayKeys.has(key)) {
            sawArrayKey = true
            if (itemsDepth === null && code === OPEN_BRACKET) {
              itemsDepth = 2
              whole = null
            } else if (itemsDepth === null && code !== 0x6e /* n of null: an empty list left out */) {
              options.onWarning(`"${key}" at line ${line} is not a list; it was not read`)
            }
          }
        } else if (keyState === 'in-value' && code === COMMA) {
          keyState = 'key'
        }
      }

      if (code === QUOTE) inString = true
      else if (code === OPEN_BRACE || code === OPEN_BRACKET) depth++
      else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
        depth--
        if (depth === 0) {
          rootClosed = true
          if (whole !== null) whole.add(chunk.slice(wholeStart, i + 1))
          wholeStart = chunk.length
        }
      }
    }
    if (item !== null) item.add(chunk.slice(itemStart))
    // A key longer than any records field name need not be kept whole.
    if (keyState === 'in-key' && keyPending.length < 256) keyPending += chunk.slice(keyStart, keyStart + 256)
    if (whole !== null && !rootClosed) whole.add(chunk.slice(wholeStart))
  }

  if (item !== null) {
    const cut: Capture = item
    yield { line: cut.line, error: cut.tooLong ? tooLongReason(maxChars) : CUT_SHORT }
    return
  }
  if (root === 'object' && itemsDepth === null && !sawArrayKey) {
    const record = whole!
    if (record.tooLong) yield { line: rootLine, error: tooLongReason(maxChars) }
    else if (!rootClosed) yield { line: rootLine, error: CUT_SHORT }
    else {
      const text = record.text()
      // `{}` is an empty page (an API omitting an empty list), not a record.
      if (!/^\{\s*\}$/.test(text)) yield parseJsonRow(rootLine, text, true)
    }
    return
  }
  if (root !== null && !rootClosed) {
    options.onWarning('the file ends before the JSON document closes (cut short?); every complete row in it was read')
  }
}

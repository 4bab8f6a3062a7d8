/**
 * Lines of a text stream with their numbers, memory bounded: a line longer than the cap is reported
 * as too long and its text is dropped as it streams past, never held whole. `complete` is false only
 * for a last line that the file ends inside (no line break after it): the sign of a cut-short file.
 */

export type TextLine =
  | { line: number; text: string; complete: boolean }
  | { line: number; tooLong: true; complete: boolean }

/** Splits chunks of text into lines (LF or CRLF); a BOM at the start is dropped. */
export async function* readLines(chunks: AsyncIterable<string>, maxChars: number): AsyncGenerator<TextLine> {
  let parts: string[] = []
  let length = 0
  let tooLong = false
  let line = 1
  let first = true
  const take = (complete: boolean): TextLine => {
    if (tooLong) return { line, tooLong: true, complete }
    let text = parts.length === 1 ? parts[0]! : parts.join('')
    if (complete && text.endsWith('\r')) text = text.slice(0, -1)
    if (text.length > maxChars) return { line, tooLong: true, complete }
    return { line, text, complete }
  }
  for await (let chunk of chunks) {
    if (first) {
      if (chunk.length === 0) continue
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1)
      first = false
    }
    let start = 0
    for (;;) {
      const end = chunk.indexOf('\n', start)
      const piece = end === -1 ? chunk.slice(start) : chunk.slice(start, end)
      if (!tooLong) {
        // +1 leaves room for the CR of a CRLF line that is exactly at the cap.
        if (length + piece.length > maxChars + 1) {
          tooLong = true
          parts = []
        } else if (piece.length > 0) {
          parts.push(piece)
          length += piece.length
        }
      }
      if (end === -1) break
      yield take(true)
      parts = []
      length = 0
      tooLong = false
      line++
      start = end + 1
    }
  }
  if (length > 0 || tooLong) yield take(false)
}

import { parseJsonRow, tooLongReason, type FileRow } from './file-row'
import { readLines } from './line-reader'

/** JSON lines (NDJSON): one value per non-blank line, streamed; blank lines are not rows. */
export async function* readJsonLines(chunks: AsyncIterable<string>, maxChars: number): AsyncGenerator<FileRow> {
  for await (const line of readLines(chunks, maxChars)) {
    if ('tooLong' in line) {
      yield { line: line.line, error: tooLongReason(maxChars) }
      continue
    }
    if (line.text.trim() === '') continue
    yield parseJsonRow(line.line, line.text, line.complete)
  }
}

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { detectFormat, DOCUMENT_ARRAY_KEYS } from '../../src/main/core/import/detect-format'
import type { FileRow } from '../../src/main/core/import/file-row'
import { readJsonDocument } from '../../src/main/core/import/json-document-reader'
import { readJsonLines } from '../../src/main/core/import/json-lines-reader'
import { readLines } from '../../src/main/core/import/line-reader'

/** Text as a stream of chunks of the given sizes (cycled), to cut it at every kind of place. */
async function* chunked(text: string, sizes: number[] = [text.length || 1]): AsyncGenerator<string> {
  let at = 0
  let i = 0
  while (at < text.length) {
    const size = Math.max(1, sizes[i++ % sizes.length]!)
    yield text.slice(at, at + size)
    at += size
  }
}

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const row of rows) out.push(row)
  return out
}

function documentRows(text: string, options: { sizes?: number[]; maxChars?: number } = {}): Promise<{ rows: FileRow[]; warnings: string[] }> {
  const warnings: string[] = []
  return collect(
    readJsonDocument(chunked(text, options.sizes), {
      maxChars: options.maxChars ?? 1_000_000,
      arrayKeys: DOCUMENT_ARRAY_KEYS,
      onWarning: (warning) => warnings.push(warning)
    })
  ).then((rows) => ({ rows, warnings }))
}

describe('readLines', () => {
  it('numbers LF and CRLF lines, drops a BOM, and marks a last line without a line break', async () => {
    const lines = await collect(readLines(chunked('\uFEFFa\r\nbb\n\nccc', [2]), 100))
    expect(lines).toEqual([
      { line: 1, text: 'a', complete: true },
      { line: 2, text: 'bb', complete: true },
      { line: 3, text: '', complete: true },
      { line: 4, text: 'ccc', complete: false }
    ])
  })

  it('reports an over-long line without holding it, and goes on after it', async () => {
    const long = 'x'.repeat(50)
    const lines = await collect(readLines(chunked(`ok\n${long}\nafter\n`, [7]), 10))
    expect(lines).toEqual([
      { line: 1, text: 'ok', complete: true },
      { line: 2, tooLong: true, complete: true },
      { line: 3, text: 'after', complete: true }
    ])
    // Exactly at the cap is fine, with or without a CR.
    expect(await collect(readLines(chunked('0123456789\r\n0123456789\n'), 10))).toEqual([
      { line: 1, text: '0123456789', complete: true },
      { line: 2, text: '0123456789', complete: true }
    ])
  })
})

describe('readJsonLines', () => {
  it('parses each non-blank line and rejects bad, cut-short and over-long lines by number', async () => {
    const text = ['{"a":1}', '', '  ', 'nope', `{"big":"${'y'.repeat(100)}"}`, '[1]', '{"cut":'].join('\n')
    const rows = await collect(readJsonLines(chunked(text, [5, 3]), 60))
    expect(rows).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 4, error: 'not valid JSON' },
      { line: 5, error: expect.stringMatching(/longer than 60 characters/) },
      { line: 6, value: [1] },
      { line: 7, error: expect.stringMatching(/not valid JSON: the file ends inside this row/) }
    ])
  })
})

describe('readJsonDocument', () => {
  const items = [{ id: 1, s: 'a,b]}' }, { id: 2, nested: { list: [1, [2, { x: '"' }]] } }, 'text', 42, null, true]

  it('streams the items of a top-level array with the line each starts on, however it is chunked', async () => {
    const text = JSON.stringify(items, null, 2)
    const expected = items.map((value) => {
      const needle = JSON.stringify(value, null, 2).split('\n')[0]!
      return { value, needle }
    })
    for (const sizes of [[text.length], [1], [3, 7], [64]]) {
      const { rows, warnings } = await documentRows(text, { sizes })
      expect(warnings).toEqual([])
      expect(rows.map((row) => ('value' in row ? row.value : row.error))).toEqual(items)
      // Each row's line is where its text starts in the file.
      let from = 0
      for (const [index, row] of rows.entries()) {
        const at = text.indexOf(expected[index]!.needle, from)
        from = at + 1
        expect(row.line).toBe(text.slice(0, at).split('\n').length)
      }
    }
  })

  it('reads the records list of a page or export object and skips its other fields', async () => {
    const quayExport = {
      export_id: 'e1',
      details: { start_time: 'x', logs: 'not this one', items: { a: [9] } },
      logs: [{ kind: 'push_repo' }, { kind: 'pull_repo' }, { terminator: true }],
      events: [{ not: 'read' }],
      next_page: 'abc,]}"'
    }
    const { rows, warnings } = await documentRows(JSON.stringify(quayExport), { sizes: [5] })
    expect(rows.map((row) => ('value' in row ? row.value : row.error))).toEqual(quayExport.logs)
    // `details.logs` is nested, not the page's list; the top-level one is read, once.
    expect(warnings).toEqual([])
  })

  it('reads an object without a records list as one row, and an empty object or null list as none', async () => {
    const one = await documentRows('\n\n{\n  "timestamp": "2025-01-01T00:00:00Z",\n  "data": {"logs": [1]}\n}\n')
    expect(one.rows).toEqual([{ line: 3, value: { timestamp: '2025-01-01T00:00:00Z', data: { logs: [1] } } }])
    expect((await documentRows('{ }')).rows).toEqual([])
    expect((await documentRows('{"logs": null}')).rows).toEqual([])
    const notList = await documentRows('{"logs": {"a": 1}}')
    expect(notList.rows).toEqual([])
    expect(notList.warnings).toEqual(['"logs" at line 1 is not a list; it was not read'])
  })

  it('rejects a cut-short last item by its line, keeping every item before it', async () => {
    const text = '[\n{"a":1},\n{"b":2},\n{"c":'
    const { rows, warnings } = await documentRows(text, { sizes: [4] })
    expect(rows).toEqual([
      { line: 2, value: { a: 1 } },
      { line: 3, value: { b: 2 } },
      { line: 4, error: 'the file ends inside this row (cut short?)' }
    ])
    expect(warnings).toEqual([])
    // Cut between items: nothing lost that can be seen, but the file did not close.
    const between = await documentRows('[{"a":1},\n')
    expect(between.rows).toEqual([{ line: 1, value: { a: 1 } }])
    expect(between.warnings).toEqual([expect.stringMatching(/ends before the JSON document closes/)])
  })

  it('rejects invalid items, over-long items and text after the document, by line', async () => {
    const text = `[{"a":1}, {bad}, {"long":"${'z'.repeat(80)}"},\n{"ok":true}]\n[{"second": "document"}]`
    const { rows } = await documentRows(text, { maxChars: 50, sizes: [9] })
    expect(rows).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 1, error: 'not valid JSON' },
      { line: 1, error: expect.stringMatching(/longer than 50 characters/) },
      { line: 2, value: { ok: true } },
      { line: 3, error: 'text after the end of the JSON document (it was not read)' }
    ])
  })

  it('finds every item of any array of JSON values, chunked anywhere (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        async (values, sizes, pretty) => {
          // JSON.stringify turns -0 into 0; compare with what the text holds.
          const text = pretty ? JSON.stringify(values, null, 1) : JSON.stringify(values)
          const expected = JSON.parse(text) as unknown[]
          const { rows, warnings } = await documentRows(`{"meta": {"x": "]"}, "items": ${text}}`, { sizes })
          expect(warnings).toEqual([])
          expect(rows.map((row) => ('value' in row ? row.value : row))).toEqual(expected)
        }
      ),
      { numRuns: 150 }
    )
  })
})

describe('detectFormat', () => {
  it.each([
    ['', null],
    ['  \n\t', null],
    ['[{"a":1}]', 'json'],
    ['\uFEFF  [', 'json'],
    ['{"a":1}\n{"a":2}\n', 'ndjson'],
    ['{"a":1}', 'ndjson'],
    ['{\n  "logs": [\n', 'json'],
    ['{"logs":[{"a":1}]}\n', 'json'],
    ['{"lines":[], "pagination_id": null}', 'json'],
    ['{"a":\n1}', 'json'],
    ['{\n  "timestamp": "x"\n}', 'json'],
    // A damaged first line of JSON lines: the second decides.
    ['{"a":1, "b\n{"a":2}\n', 'ndjson'],
    ['{"a":1, "b\n{"logs":[]}\n', 'json'],
    ['timestamp,action\n', 'csv'],
    ['hello', 'csv']
  ])('%j → %s', (head, format) => {
    expect(detectFormat(head)).toBe(format)
  })
})

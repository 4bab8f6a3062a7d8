import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { csvRow } from '../../src/main/core/export/csv'
import { csvHeaderProblem, csvRecordReader, type CsvShape } from '../../src/main/core/import/csv-records'
import { readCsvRecords, type CsvRecord } from '../../src/main/core/import/csv-reader'

async function* chunked(text: string, sizes: number[]): AsyncGenerator<string> {
  let at = 0
  let i = 0
  while (at < text.length) {
    const size = sizes[i++ % sizes.length]!
    yield text.slice(at, at + size)
    at += size
  }
}

async function records(text: string, sizes: number[] = [text.length || 1], maxChars = 10_000): Promise<CsvRecord[]> {
  const out: CsvRecord[] = []
  for await (const record of readCsvRecords(chunked(text, sizes), maxChars)) out.push(record)
  return out
}

describe('readCsvRecords (RFC 4180)', () => {
  it('reads quoted commas, doubled quotes and line breaks in quotes, numbering records by their first line', async () => {
    const text = '\uFEFFa,b,c\r\n1,"x, y","say ""hi"""\r\n2,"two\r\nlines\nthree",\r\n\r\n3,,"" \n'
    for (const sizes of [[text.length], [1], [2, 5]]) {
      expect(await records(text, sizes)).toEqual([
        { line: 1, fields: ['a', 'b', 'c'], complete: true },
        { line: 2, fields: ['1', 'x, y', 'say "hi"'], complete: true },
        { line: 3, fields: ['2', 'two\r\nlines\nthree', ''], complete: true },
        { line: 7, error: 'field 3 has text after its closing quote' }
      ])
    }
  })

  it('marks a last record without a line break, and reports one the file ends inside a quote of', async () => {
    expect(await records('a,b\n1,2')).toEqual([
      { line: 1, fields: ['a', 'b'], complete: true },
      { line: 2, fields: ['1', '2'], complete: false }
    ])
    expect(await records('a,b\n1,"open\nstill open')).toEqual([
      { line: 1, fields: ['a', 'b'], complete: true },
      { line: 2, error: 'the file ends inside a quoted field: the file ends inside this row (cut short?)' }
    ])
  })

  it('skips an over-long record without holding it and finds the record after it', async () => {
    const long = `"${'q,\n'.repeat(40)}"`
    expect(await records(`h\n${long}\nnext\n`, [7], 30)).toEqual([
      { line: 1, fields: ['h'], complete: true },
      { line: 2, error: expect.stringMatching(/longer than 30 characters/) },
      { line: 43, fields: ['next'], complete: true }
    ])
  })

  it('reads back what the CSV writer wrote, chunked anywhere (property)', async () => {
    const cell = fc.oneof(fc.string(), fc.constantFrom('', '"', ',', '\r\n', '\n', 'a"b', ' x '))
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(cell, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 11 }), { minLength: 1, maxLength: 4 }),
        async (rows, sizes) => {
          const text = rows.map((row) => csvRow(row)).join('')
          const read = await records(text, sizes)
          expect(read.map((record) => ('fields' in record ? record.fields : record.error))).toEqual(rows)
        }
      ),
      { numRuns: 200 }
    )
  })
})

describe('CSV records of a source', () => {
  const shape: CsvShape = {
    fields: [
      { name: 'id', type: 'integer' },
      { name: 'user', type: 'string' },
      { name: 'data', type: 'object' },
      { name: 'ok', type: 'boolean' },
      { name: 'at', type: 'string' }
    ],
    required: ['id', 'at']
  }

  it('refuses a header that lacks a required field, repeats one or names a field twice', () => {
    expect(csvHeaderProblem(shape, ['id', 'at', 'extra'])).toBeUndefined()
    expect(csvHeaderProblem(shape, ['id', 'user'])).toBe('the header row lacks "at"')
    expect(csvHeaderProblem(shape, ['id', 'at', 'id'])).toBe('the header row names "id" twice')
    expect(csvHeaderProblem(shape, ['id', 'at', 'data', 'data.tag'])).toBe('the header row names both "data" and "data.tag"')
    expect(csvHeaderProblem(shape, ['id', 'at', '', ''])).toBeUndefined()
    expect(csvHeaderProblem(shape, ['id', ''])).toBe('the header row lacks "at"')
  })

  it('rebuilds the record: typed fields in the documented order, empty cells absent, dotted columns nested', () => {
    const read = csvRecordReader(shape, ['extra', 'at', 'data.tag', 'ok', 'id', 'data.digest', 'user'])
    const record = read(['x', '2025-01-01T00:00:00Z', '1.2', 'TRUE', '42', 'sha256:ab', ''])
    expect(record).toEqual({ id: 42, data: { tag: '1.2', digest: 'sha256:ab' }, ok: true, at: '2025-01-01T00:00:00Z', extra: 'x' })
    expect(Object.keys(record)).toEqual(['id', 'data', 'ok', 'at', 'extra'])
    expect(JSON.stringify(csvRecordReader(shape, ['at', 'data', 'id'])(['t', '{"b":"2","a":"1"}', '7']))).toBe(
      '{"id":7,"data":{"b":"2","a":"1"},"at":"t"}'
    )
  })

  it('leaves out columns without a name', () => {
    expect(csvRecordReader(shape, ['id', '', 'at', ''])(['1', 'x', 't', ''])).toEqual({ id: 1, at: 't' })
  })

  it('names the column of a cell it cannot read, and a row of the wrong width', () => {
    const read = csvRecordReader(shape, ['id', 'at', 'ok', 'data'])
    expect(() => read(['1.5', 't', '', ''])).toThrow('column "id": "1.5" is not a whole number')
    expect(() => read(['1', 't', 'yes', ''])).toThrow('column "ok": "yes" is not true or false')
    expect(() => read(['1', 't', '', '[1]'])).toThrow('column "data": not a JSON object')
    expect(() => read(['1', 't'])).toThrow('has 2 fields; the header row has 4')
  })
})

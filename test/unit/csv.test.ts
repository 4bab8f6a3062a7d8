import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { csvCell, csvRow, neutraliseCell } from '../../src/main/core/export/csv'

/** A strict RFC 4180 reader, written independently of the writer, to read rows back. */
function readCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let i = 0
  let quoted = false
  while (i < text.length) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"'
        i += 2
      } else if (ch === '"') {
        quoted = false
        i += 1
        if (i < text.length && text[i] !== ',' && text[i] !== '\r') throw new Error(`text after a closing quote at ${i}`)
      } else {
        cell += ch
        i += 1
      }
    } else if (ch === '"') {
      if (cell !== '') throw new Error(`quote inside an unquoted cell at ${i}`)
      quoted = true
      i += 1
    } else if (ch === ',') {
      row.push(cell)
      cell = ''
      i += 1
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
      i += 2
    } else if (ch === '\r' || ch === '\n') {
      throw new Error(`bare line break outside quotes at ${i}`)
    } else {
      cell += ch
      i += 1
    }
  }
  if (quoted) throw new Error('unterminated quote')
  if (cell !== '' || row.length > 0) throw new Error('last record has no CRLF')
  return rows
}

describe('csvRow', () => {
  it('joins plain cells with commas and ends with CRLF', () => {
    expect(csvRow(['a', 'b c', 'd'])).toBe('a,b c,d\r\n')
    expect(csvRow(['only'])).toBe('only\r\n')
    expect(csvRow([])).toBe('\r\n')
  })

  it('writes null as an empty cell and numbers as they are', () => {
    expect(csvRow([1, null, '', 0, -5, 1.5])).toBe('1,,,0,-5,1.5\r\n')
  })

  it('quotes cells with commas, quotes, CR or LF, doubling quotes', () => {
    expect(csvRow(['a,b'])).toBe('"a,b"\r\n')
    expect(csvRow(['say "hi"'])).toBe('"say ""hi"""\r\n')
    expect(csvRow(['"'])).toBe('""""\r\n')
    expect(csvRow(['line1\nline2'])).toBe('"line1\nline2"\r\n')
    expect(csvRow(['line1\r\nline2'])).toBe('"line1\r\nline2"\r\n')
    expect(csvRow(['cr\ronly'])).toBe('"cr\ronly"\r\n')
  })

  it('leaves spaces, tabs, semicolons and unicode unquoted', () => {
    expect(csvRow([' padded ', 'a\tb', 'a;b', 'Grüße 🐳', "it's"])).toBe(" padded ,a\tb,a;b,Grüße 🐳,it's\r\n")
  })

  it('reads back as the same cells for any text', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 40 }),
            fc.string({ unit: fc.constantFrom('"', ',', '\r', '\n', 'a', ' ', '='), maxLength: 10 })
          ),
          { minLength: 1, maxLength: 8 }
        ),
        (cells) => {
          // A single empty cell is an empty line, which RFC 4180 readers treat as no record.
          fc.pre(!(cells.length === 1 && cells[0] === ''))
          expect(readCsv(csvRow(cells))).toEqual([cells])
        }
      ),
      { numRuns: 500 }
    )
  })
})

describe('csvCell', () => {
  it('quotes only when RFC 4180 requires it', () => {
    expect(csvCell('plain')).toBe('plain')
    expect(csvCell('a"b')).toBe('"a""b"')
    expect(csvCell(null)).toBe('')
    expect(csvCell(42)).toBe('42')
  })
})

describe('neutraliseCell', () => {
  it.each([
    ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(1)', "'@SUM(1)"],
    ['\t=1', "'\t=1"],
    ['\r=1', "'\r=1"],
    ['=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'],
    ['-', "'-"],
    ['=', "'="]
  ])('prefixes %j with a quote', (text, expected) => {
    expect(neutraliseCell(text)).toBe(expected)
  })

  it.each(['', 'alice', 'a=b', ' =1', "'=1", '1+1', 'team/app', 'sha256:abc', '\n=1', '＝1'])(
    'leaves %j alone',
    (text) => {
      expect(neutraliseCell(text)).toBe(text)
    }
  )

  it('combines with quoting: a neutralised cell with a line break is still one quoted cell', () => {
    const row = csvRow([neutraliseCell('=cmd|"/c calc"!A0'), neutraliseCell('\r\n@x'), 7])
    expect(row).toBe('"\'=cmd|""/c calc""!A0","\'\r\n@x",7\r\n')
    expect(readCsv(row)).toEqual([["'=cmd|\"/c calc\"!A0", "'\r\n@x", '7']])
  })
})

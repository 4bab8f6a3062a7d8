/**
 * RFC 4180 CSV, written a row at a time: CRLF line ends, and a cell is quoted only when it holds a
 * comma, a double quote, CR or LF (a quote inside is doubled).
 */

const NEEDS_QUOTES = /[",\r\n]/
const QUOTE = /"/g

/** One cell as RFC 4180 text. null is an empty cell; numbers are written as they are. */
export function csvCell(value: string | number | null): string {
  if (value === null) return ''
  if (typeof value === 'number') return String(value)
  return NEEDS_QUOTES.test(value) ? `"${value.replace(QUOTE, '""')}"` : value
}

/** One record, CRLF included. */
export function csvRow(cells: ReadonlyArray<string | number | null>): string {
  let row = ''
  for (let i = 0; i < cells.length; i += 1) {
    if (i > 0) row += ','
    row += csvCell(cells[i]!)
  }
  return `${row}\r\n`
}

// What Excel, LibreOffice and Google Sheets read as the start of a formula (OWASP "CSV injection").
const FORMULA_START = /^[=+\-@\t\r]/

/**
 * Makes text from a source safe to open in a spreadsheet: a cell beginning with `=`, `+`, `-`,
 * `@`, tab or carriage return gets a leading `'`, which spreadsheets show as text and do not run.
 * Applied to every text cell that came from a source; never to numbers or text we wrote ourselves.
 */
export function neutraliseCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text
}

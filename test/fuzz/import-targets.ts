import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import type { Account } from '../../src/shared/account'
import type { ImportFormatChoice, ImportReport } from '../../src/shared/import'
import { jsonNestsDeeperThan } from '../../src/main/core/bounded-json'
import { Archive } from '../../src/main/core/db/archive'
import { csvRow } from '../../src/main/core/export/csv'
import { readCsvRecords } from '../../src/main/core/import/csv-reader'
import { detectFormat, DOCUMENT_ARRAY_KEYS } from '../../src/main/core/import/detect-format'
import type { FileRow } from '../../src/main/core/import/file-row'
import { importFile } from '../../src/main/core/import/import-file'
import { importSourcesFor } from '../../src/main/core/import/import-sources'
import { readJsonDocument } from '../../src/main/core/import/json-document-reader'
import { readJsonLines } from '../../src/main/core/import/json-lines-reader'
import { exportedEventReader, isExportedEvent } from '../../src/main/core/import/registry-audit-events'
import { eraseInput, type FuzzTarget, type SomeFuzzTarget } from './fuzz-target'
import { expectAppError, expectCleanMessage, expectReasonError, expectStorable, FuzzFailure } from './fuzz-oracle'
import { applyMutations, corrupt, corruptionArb, jsonTokenSoup, mutationArb, rawBytes, toJsonText, type Corruption, type Mutation } from './hostile-values'
import { copyOf, DOCKERHUB_RECORDS, HARBOR_RECORDS, IBM_EVENTS, MSR_EVENTS, NOTARY_CHANGES, QUAY_LOGS } from './record-pools'

/**
 * Fuzz targets for file import: the three streaming readers (JSON lines, JSON document, CSV) over
 * text cut into arbitrary chunks, the per-row readers of every source (and of registry-audit's own
 * export), and importFile end to end into a real archive. Readers never throw (a bad row is a row
 * with a reason); row readers throw only a reason; importFile returns a report whose counts add
 * up, or an AppError.
 */

const POOLS: Readonly<Record<string, readonly Record<string, unknown>[]>> = {
  dockerhub: DOCKERHUB_RECORDS,
  msr: MSR_EVENTS,
  notary: NOTARY_CHANGES,
  ibm: IBM_EVENTS,
  harbor: HARBOR_RECORDS,
  quay: QUAY_LOGS
}
const POOL_KINDS = Object.keys(POOLS)

/** The `file` account every source's records import into (DESIGN §2). */
const FILE_ACCOUNT: Account = { id: 1, name: 'handed-over', kind: 'file', url: 'file://handed-over', options: {}, created_at: 0, updated_at: 0 }

/** registry-audit's own export line for a record, when the record's source reads it. */
function exportedFormOf(raw: Record<string, unknown>): unknown {
  const sources = importSourcesFor('file')
  const source = sources.find((candidate) => candidate.looksLike(raw))
  if (source === undefined) return raw
  try {
    const outcome = source.records(FILE_ACCOUNT)(raw)
    if (outcome.kind !== 'event') return raw
    const { normalised, sourceEventId } = outcome.event
    return { id: 7, ...normalised, occurred_at: new Date(normalised.occurred_at).toISOString(), account: 'x', source_event_id: sourceEventId, raw }
  } catch {
    return raw
  }
}

const rowValues = fc.array(
  fc
    .record({
      kind: fc.constantFrom(...POOL_KINDS),
      index: fc.nat({ max: 119 }),
      exported: fc.boolean(),
      mutations: fc.oneof({ arbitrary: fc.constant<Mutation[]>([]), weight: 2 }, { arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 3 }), weight: 2 })
    })
    .map(({ kind, index, exported, mutations }) => {
      const pool = POOLS[kind]!
      const record = copyOf(pool[index % pool.length]!)
      return applyMutations(exported ? exportedFormOf(record) : record, mutations)
    }),
  { maxLength: 8 }
)

export type ImportSyntax = 'ndjson' | 'json-array' | 'json-page' | 'csv'

/** A file's text, how it was written, and the rows it holds when undamaged. */
export interface ImportText {
  text: string
  syntax: ImportSyntax | 'soup'
  /** JSON text of each row (JSON syntaxes) or the cells of each record (CSV), when the text is undamaged. */
  expected: string[] | string[][] | null
}

function csvCells(value: unknown, columns: readonly string[]): string[] {
  const record = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : { value }
  return columns.map((column) => {
    const cell = record[column]
    return typeof cell === 'string' ? cell : cell === undefined ? '' : toJsonText(cell)
  })
}

/** CSV header names that reach an object's prototype when a reader builds nested records naively. */
const HOSTILE_COLUMNS: string[] = ['data.__proto__.polluted', '__proto__', 'constructor.prototype.polluted', 'metadata.__proto__.polluted', 'performer.__proto__.polluted', '__proto__.polluted']

function writeImportText(values: unknown[], syntax: ImportSyntax, newline: string, corruption: Corruption, pageKey: string, extraColumns: string[]): ImportText {
  let text: string
  let expected: string[] | string[][]
  switch (syntax) {
    case 'ndjson': {
      const lines = values.map((value) => toJsonText(value))
      text = lines.join(newline) + (lines.length > 0 ? newline : '')
      expected = lines
      break
    }
    case 'json-array':
    case 'json-page': {
      const items = values.map((value) => toJsonText(value, 2))
      const array = `[${newline}${items.join(`,${newline}`)}${newline}]`
      text = syntax === 'json-array' ? array : `{"count": ${items.length}, "${pageKey}": ${array}, "next_page": null}`
      expected = items
      break
    }
    case 'csv': {
      const first = values.find((value) => typeof value === 'object' && value !== null && !Array.isArray(value)) as Record<string, unknown> | undefined
      const columns = [...new Set([...Object.keys(first ?? { timestamp: 1, action: 1 }), 'action'])].slice(0, 12).concat(extraColumns)
      const cells = values.map((value) => csvCells(value, columns))
      // Each record's CRLF swapped for the chosen line end (cells keep theirs).
      text = [columns, ...cells].map((row) => `${csvRow(row).slice(0, -2)}${newline}`).join('')
      expected = [columns, ...cells]
      break
    }
  }
  const damaged = corruption.kind !== 'none'
  return { text: damaged ? corrupt(text, corruption).toString('utf8') : text, syntax, expected: damaged ? null : expected }
}

export const importTexts: fc.Arbitrary<ImportText> = fc.oneof(
  {
    arbitrary: fc
      .record({
        values: rowValues,
        syntax: fc.constantFrom<ImportSyntax>('ndjson', 'json-array', 'json-page', 'csv'),
        newline: fc.constantFrom('\n', '\r\n', '\n\n'),
        corruption: corruptionArb,
        pageKey: fc.constantFrom(...DOCUMENT_ARRAY_KEYS, 'data', '__proto__', 'constructor'),
        extraColumns: fc.oneof({ arbitrary: fc.constant<string[]>([]), weight: 3 }, { arbitrary: fc.subarray(HOSTILE_COLUMNS, { minLength: 1 }), weight: 1 })
      })
      .map(({ values, syntax, newline, corruption, pageKey, extraColumns }) => writeImportText(values, syntax, newline, corruption, pageKey, extraColumns)),
    weight: 8
  },
  { arbitrary: jsonTokenSoup.map((text): ImportText => ({ text, syntax: 'soup', expected: null })), weight: 1 },
  { arbitrary: rawBytes.map((bytes): ImportText => ({ text: Buffer.from(bytes).toString('utf8'), syntax: 'soup', expected: null })), weight: 1 }
)

/** An import file's text, how the reader receives it (chunk sizes), and the row cap. */
export interface ReaderInput {
  file: ImportText
  chunkSizes: number[]
  maxChars: number
}

const readerInputs: fc.Arbitrary<ReaderInput> = fc.record({
  file: importTexts,
  chunkSizes: fc.array(fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 17, max: 4096 }), fc.constant(64 * 1024)), { minLength: 1, maxLength: 5 }),
  maxChars: fc.constantFrom(8, 100, 4096, 4 * 1024 * 1024, 4 * 1024 * 1024)
})

/** The text in chunks of the given sizes, in turn; at most about a thousand chunks, so a megabyte is not read a byte at a time. */
async function* chunked(text: string, sizes: readonly number[]): AsyncGenerator<string> {
  const least = Math.ceil(text.length / 1000)
  let at = 0
  for (let i = 0; at < text.length; i++) {
    const size = Math.max(sizes[i % sizes.length]!, least)
    yield text.slice(at, at + size)
    at += size
  }
}

/** Every row a reader yields, checked for shape: a line number that never goes back, a value or a clean reason. */
async function collect(rows: AsyncIterable<FileRow>, what: string): Promise<FileRow[]> {
  const out: FileRow[] = []
  let line = 1
  try {
    for await (const row of rows) {
      if (!Number.isSafeInteger(row.line) || row.line < line) throw new FuzzFailure(`${what} gave line ${row.line} after ${line}`)
      line = row.line
      if ('error' in row) expectCleanMessage(new Error(row.error), what)
      out.push(row)
    }
  } catch (error) {
    if (error instanceof FuzzFailure) throw error
    throw new FuzzFailure(`${what} threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}; a bad row must be a row with a reason`, { cause: error })
  }
  return out
}

/** Compares JSON values by their text; values too deep to print are compared by their input text only. */
function sameJson(value: unknown, text: string): boolean {
  try {
    return JSON.stringify(value) === JSON.stringify(JSON.parse(text))
  } catch {
    return true
  }
}

/** Whether every row is one the readers must read back: within the row cap and the nesting bound. */
function fitsCap(expected: readonly string[], maxChars: number): boolean {
  return expected.every((text) => text.length <= maxChars && !jsonNestsDeeperThan(text))
}

function checkDetect(text: string): void {
  try {
    const format = detectFormat(text.slice(0, 64 * 1024))
    if (format !== null && !['json', 'ndjson', 'csv'].includes(format)) throw new FuzzFailure(`detectFormat gave ${format}`)
  } catch (error) {
    if (error instanceof FuzzFailure) throw error
    throw new FuzzFailure(`detectFormat threw ${(error as Error).message}`)
  }
}

export const jsonLinesReaderTarget: FuzzTarget<ReaderInput> = {
  name: 'import-json-lines',
  covers: 'detectFormat, readJsonLines (chunked, capped): every line a value or a reason; undamaged lines read back exactly',
  arbitrary: readerInputs,
  async run({ file, chunkSizes, maxChars }) {
    checkDetect(file.text)
    const rows = await collect(readJsonLines(chunked(file.text, chunkSizes), maxChars), 'readJsonLines')
    if (file.syntax !== 'ndjson' || file.expected === null) return
    const expected = file.expected as string[]
    if (!fitsCap(expected, maxChars)) return
    if (rows.length !== expected.length) throw new FuzzFailure(`readJsonLines gave ${rows.length} rows for ${expected.length} lines`)
    rows.forEach((row, index) => {
      if ('error' in row) throw new FuzzFailure(`readJsonLines refused undamaged line ${index + 1}: ${row.error}`)
      if (!sameJson(row.value, expected[index]!)) throw new FuzzFailure(`readJsonLines changed line ${index + 1}`)
    })
  }
}

export const jsonDocumentReaderTarget: FuzzTarget<ReaderInput> = {
  name: 'import-json-document',
  covers: 'readJsonDocument (chunked, capped): arrays, pages {logs|events|records|…: […]}, single objects',
  arbitrary: readerInputs,
  async run({ file, chunkSizes, maxChars }) {
    const warnings: string[] = []
    const rows = await collect(
      readJsonDocument(chunked(file.text, chunkSizes), { maxChars, arrayKeys: DOCUMENT_ARRAY_KEYS, onWarning: (text) => warnings.push(text) }),
      'readJsonDocument'
    )
    for (const warning of warnings) expectCleanMessage(new Error(warning), 'readJsonDocument warning')
    if ((file.syntax !== 'json-array' && file.syntax !== 'json-page') || file.expected === null) return
    const expected = file.expected as string[]
    if (!fitsCap(expected, maxChars)) return
    // A page under a key that is not a records key is one object, not a list of rows.
    if (file.syntax === 'json-page' && !DOCUMENT_ARRAY_KEYS.some((key) => file.text.startsWith(`{"count": ${expected.length}, "${key}"`))) return
    if (rows.length !== expected.length) throw new FuzzFailure(`readJsonDocument gave ${rows.length} rows for ${expected.length} items`)
    rows.forEach((row, index) => {
      if ('error' in row) throw new FuzzFailure(`readJsonDocument refused undamaged item ${index + 1}: ${row.error}`)
      if (!sameJson(row.value, expected[index]!)) throw new FuzzFailure(`readJsonDocument changed item ${index + 1}`)
    })
  }
}

export const csvReaderTarget: FuzzTarget<ReaderInput> = {
  name: 'import-csv',
  covers: 'readCsvRecords (RFC 4180, chunked, capped): undamaged records read back cell for cell',
  arbitrary: readerInputs,
  async run({ file, chunkSizes, maxChars }) {
    const records: Array<{ line: number; fields?: string[]; error?: string }> = []
    let line = 1
    try {
      for await (const record of readCsvRecords(chunked(file.text, chunkSizes), maxChars)) {
        if (record.line < line) throw new FuzzFailure(`readCsvRecords gave line ${record.line} after ${line}`)
        line = record.line
        if ('error' in record) expectCleanMessage(new Error(record.error), 'readCsvRecords')
        records.push(record)
      }
    } catch (error) {
      if (error instanceof FuzzFailure) throw error
      throw new FuzzFailure(`readCsvRecords threw ${(error as Error).name}: ${(error as Error).message}`, { cause: error })
    }
    if (file.syntax !== 'csv' || file.expected === null) return
    const expected = (file.expected as string[][]).filter((cells) => !(cells.length === 1 && cells[0] === ''))
    if (expected.some((cells) => cells.join(',').length + cells.length * 2 > maxChars)) return
    if (records.length !== expected.length) throw new FuzzFailure(`readCsvRecords gave ${records.length} records for ${expected.length}`)
    records.forEach((record, index) => {
      if (record.error !== undefined) throw new FuzzFailure(`readCsvRecords refused undamaged record ${index + 1}: ${record.error}`)
      const want = expected[index]!
      const got = record.fields ?? []
      if (got.length !== want.length) throw new FuzzFailure(`readCsvRecords gave record ${index + 1} ${got.length} cells, written with ${want.length}`)
      const cell = want.findIndex((text, at) => got[at] !== text)
      if (cell !== -1) {
        const a = want[cell]!
        const b = got[cell]!
        let at = 0
        while (at < a.length && a[at] === b[at]) at++
        throw new FuzzFailure(
          `readCsvRecords changed cell ${cell + 1} of record ${index + 1} at character ${at}: wrote ${JSON.stringify(a.slice(Math.max(0, at - 10), at + 20))}, read ${JSON.stringify(b.slice(Math.max(0, at - 10), at + 20))} (${a.length} vs ${b.length} characters)`
        )
      }
    })
  }
}

/** One row value, as a format reader hands it to the row readers. */
export const importRowTarget: FuzzTarget<unknown[]> = {
  name: 'import-rows',
  covers: 'every source’s import row reader (records(account)) and registry-audit export restore, as a file account reads them',
  arbitrary: rowValues,
  run(values) {
    let refused = 0
    const sources = importSourcesFor('file')
    const readers = new Map(sources.map((source) => [source.kind, source.records(FILE_ACCOUNT)]))
    for (const value of values) {
      const exported = isExportedEvent(value)
      const source = sources.find((candidate) => candidate.looksLike(exported ? (value as { raw: unknown }).raw : value))
      if (source === undefined) continue
      const read = exported ? exportedEventReader(() => source) : readers.get(source.kind)!
      let outcome
      try {
        outcome = read(value)
      } catch (error) {
        expectReasonError(error, `${source.kind} ${exported ? 'export restore' : 'row reader'}`)
        refused++
        continue
      }
      if (outcome.kind !== 'event') continue
      if (typeof outcome.event.sourceEventId !== 'string' || outcome.event.sourceEventId === '') throw new FuzzFailure(`${source.kind} gave an empty source event id`)
      expectStorable(outcome.event.normalised, `${source.kind} ${exported ? 'export restore' : 'row reader'}`)
    }
    return values.length === 0 ? 'accepted, empty' : refused === 0 ? 'accepted' : refused === values.length ? 'refused' : 'partly refused'
  }
}

export interface ImportFileInput {
  file: ImportText
  format: ImportFormatChoice
  account: 'handed-over' | 'hub'
}

/** importFile end to end, into one temp archive per process. */
export function createImportFileTarget(): FuzzTarget<ImportFileInput> {
  let dir = ''
  let archive: Archive | undefined
  let counter = 0
  return {
    name: 'import-file',
    covers: 'importFile end to end (detect, read, check, normalise, write) into a real SQLite archive',
    // Each input is a file written, hashed and read, and a transaction: disk and load make it slower.
    timeBoundMs: 10_000,
    arbitrary: fc.record({
      file: importTexts,
      format: fc.constantFrom<ImportFormatChoice>('auto', 'auto', 'auto', 'json', 'ndjson', 'csv'),
      account: fc.constantFrom('handed-over' as const, 'hub' as const)
    }),
    async setup() {
      dir = mkdtempSync(path.join(os.tmpdir(), 'fuzz-import-'))
      archive = Archive.open(path.join(dir, 'archive.sqlite'))
      archive.addAccount({ name: 'handed-over', kind: 'file', url: 'file://handed-over', options: {} })
      archive.addAccount({ name: 'hub', kind: 'dockerhub', url: 'https://hub.docker.com', options: { org: 'acme', username: 'fuzz' } })
      return async () => {
        archive?.close()
        rmSync(dir, { recursive: true, force: true })
      }
    },
    async run({ file, format, account }) {
      if (archive === undefined) throw new Error('import-file: setup() was not run')
      const name = path.join(dir, `row-${counter++ % 4}.txt`)
      writeFileSync(name, file.text)
      let report: ImportReport
      try {
        report = await importFile({ archive, account, file: name, format, maxRowChars: 64 * 1024 })
      } catch (error) {
        expectAppError(error, ['INVALID_INPUT', 'IO'], 'importFile')
        return 'refused'
      }
      const { rows, imported, duplicates, skipped, rejected } = report
      if (imported + duplicates + skipped + rejected !== rows) {
        throw new FuzzFailure(`importFile counts do not add up: ${JSON.stringify({ rows, imported, duplicates, skipped, rejected })}`)
      }
      for (const rejection of report.rejections) expectCleanMessage(new Error(rejection.reason), 'importFile rejection')
      for (const warning of report.warnings) expectCleanMessage(new Error(warning), 'importFile warning')
      if (rows === 0) return 'accepted, empty'
      return rejected === 0 ? 'accepted' : rejected === rows ? 'refused' : 'partly refused'
    }
  }
}

export function importTargets(): SomeFuzzTarget[] {
  return [eraseInput(jsonLinesReaderTarget), eraseInput(jsonDocumentReaderTarget), eraseInput(csvReaderTarget), eraseInput(importRowTarget), eraseInput(createImportFileTarget())]
}

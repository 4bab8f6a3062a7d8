import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { AuditEvent } from '../../src/shared/event'
import { MAX_REJECTIONS_LISTED, type ImportReport } from '../../src/shared/import'
import { Archive } from '../../src/main/core/db/archive'
import { AppError } from '../../src/main/core/errors'
import { csvRow } from '../../src/main/core/export/csv'
import { CSV_COLUMNS } from '../../src/main/core/export/export-events'
import { importFile, type ImportFileOptions } from '../../src/main/core/import/import-file'
import { generateDockerHubEvents, type SimRecord } from '../sim/dockerhub-events'
import { generateHarborRows } from '../sim/harbor-events'
import { harborRowJson } from '../sim/harbor'
import { tempArchivePath, type TempDir } from './archive-fixtures'

/**
 * Import of source files into a real archive: each syntax (JSON document, JSON lines, RFC 4180
 * CSV) gives the same events for the same records, damaged and cut-short files lose only the rows
 * they damage, and a file that is no format the account reads is refused before anything is
 * written.
 */

let temp: TempDir | undefined
let archive: Archive | undefined

afterEach(() => {
  archive?.close()
  archive = undefined
  temp?.remove()
  temp = undefined
})

function setup(): { file: (name: string, text: string | Buffer) => string } {
  temp = tempArchivePath()
  archive = Archive.open(temp.file)
  archive.addAccount({ name: 'hub', kind: 'dockerhub', url: 'https://hub.docker.com', options: { org: 'acme', username: 'bob' } })
  const dir = temp.dir
  return {
    file: (name, text) => {
      const path = join(dir, name)
      writeFileSync(path, text)
      return path
    }
  }
}

const load = (file: string, options: Partial<ImportFileOptions> = {}, account = 'hub'): Promise<ImportReport> =>
  importFile({ archive: archive!, account, file, ...options })

/** The events of one account, without the archive's own ids, in a stable order. */
function eventsOf(account: string): Array<Omit<AuditEvent, 'id' | 'account_id' | 'account'>> {
  return [...archive!.iterateEvents({ includePull: true, account: { any: [account] } })]
    .map(({ id: _id, account_id: _accountId, account: _account, ...event }) => event)
    .sort((a, b) => a.occurred_at - b.occurred_at || (a.source_event_id < b.source_event_id ? -1 : 1))
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof AppError ? `${error.code}: ${error.message}` : String(error))
  )
}

const records = (count: number, seed: number): SimRecord[] => generateDockerHubEvents(count, seed, { org: 'acme' })
const jsonLines = (rows: readonly unknown[]): string => rows.map((row) => JSON.stringify(row)).join('\n')
const HUB_FIELDS = ['account', 'action', 'name', 'actor', 'data', 'timestamp', 'action_description'] as const

/** A CSV of Docker Hub records, `data` as a JSON cell (written by the export's own RFC 4180 writer). */
function hubCsv(rows: readonly SimRecord[]): string {
  return [csvRow([...HUB_FIELDS]), ...rows.map((row) => csvRow(HUB_FIELDS.map((field) => (field === 'data' ? JSON.stringify(row.data) : row[field]))))].join('')
}

describe('Docker Hub files in every syntax', () => {
  it('gives the same events for the same records as JSON lines, a JSON array, a page and CSV', async () => {
    const { file } = setup()
    const list = records(120, 21)
    for (const name of ['lines', 'array', 'page', 'csv', 'dotted']) {
      archive!.addAccount({ name, kind: 'dockerhub', url: 'https://hub.docker.com', options: { org: 'acme', username: 'bob' } })
    }
    expect(await load(file('a.jsonl', jsonLines(list)), {}, 'lines')).toMatchObject({ format: 'ndjson', content: 'dockerhub', imported: 120 })
    expect(await load(file('a.json', JSON.stringify(list)), {}, 'array')).toMatchObject({ format: 'json', imported: 120 })
    expect(await load(file('p.json', JSON.stringify({ logs: list }, null, 4)), {}, 'page')).toMatchObject({ format: 'json', imported: 120 })
    // Every description ends with a line break: quoted in the CSV, and read back.
    const csv = await load(file('a.csv', hubCsv(list)), {}, 'csv')
    expect(csv).toMatchObject({ format: 'csv', content: 'dockerhub', rows: 120, imported: 120, rejected: 0 })
    const reference = eventsOf('lines')
    expect(reference).toHaveLength(120)
    for (const name of ['array', 'page', 'csv']) expect(eventsOf(name)).toEqual(reference)

    // `data` spread over dotted columns, as spreadsheet tools flatten it: the same records where data was not empty.
    const pushes = list.filter((record) => record.action === 'repo.tag.push')
    const header = ['timestamp', 'action', 'account', 'name', 'actor', 'data.digest', 'data.tag', 'action_description']
    const dotted = [csvRow(header), ...pushes.map((row) => csvRow([row.timestamp, row.action, row.account, row.name, row.actor, row.data['digest']!, row.data['tag']!, row.action_description]))]
    expect(await load(file('d.csv', dotted.join('')), {}, 'dotted')).toMatchObject({ imported: pushes.length, rejected: 0 })
    const pushIds = new Set(reference.filter((event) => event.action === 'repo.tag.push').map((event) => event.source_event_id))
    expect(new Set(eventsOf('dotted').map((event) => event.source_event_id))).toEqual(pushIds)
  })

  it('counts identical records by second, so overlapping exports in one file dedup instead of doubling', async () => {
    const { file } = setup()
    const list = records(200, 22)
    const single = await load(file('all.jsonl', jsonLines(list)))
    expect(single.imported).toBe(200)
    const before = eventsOf('hub')
    // Two exports that overlap by 60 records, concatenated; and the same again.
    const overlapping = file('both.jsonl', `${jsonLines(list.slice(0, 130))}\n${jsonLines(list.slice(70))}\n`)
    expect(await load(overlapping)).toMatchObject({ rows: 260, imported: 0, duplicates: 260 })
    expect(eventsOf('hub')).toEqual(before)
  })
})

describe('damaged and cut-short files', () => {
  it('rejects the last row of a file cut inside it, by its line, and imports the rest', async () => {
    const { file } = setup()
    const list = records(30, 23)
    const lines = jsonLines(list)
    const cutLines = await load(file('cut.jsonl', lines.slice(0, lines.length - 25)))
    expect(cutLines).toMatchObject({ rows: 30, imported: 29, rejected: 1 })
    expect(cutLines.rejections).toEqual([{ line: 30, reason: 'not valid JSON: the file ends inside this row (cut short?)' }])

    const array = JSON.stringify(list, null, 2)
    const cutArray = await load(file('cut.json', array.slice(0, array.length - 40)))
    expect(cutArray).toMatchObject({ format: 'json', rows: 30, imported: 0, duplicates: 29, rejected: 1 })
    const lastItemLine = array.slice(0, array.lastIndexOf('\n  {')).split('\n').length + 1
    expect(cutArray.rejections).toEqual([{ line: lastItemLine, reason: 'the file ends inside this row (cut short?)' }])

    // CSV cut inside the quoted description of the last record, and one cut between fields.
    const csv = hubCsv(list)
    const cutQuoted = await load(file('cut.csv', csv.slice(0, csv.length - 10)))
    expect(cutQuoted).toMatchObject({ format: 'csv', rows: 30, duplicates: 29, rejected: 1 })
    expect(cutQuoted.rejections).toEqual([{ line: 60, reason: 'the file ends inside a quoted field: the file ends inside this row (cut short?)' }])
    const lastStart = csv.lastIndexOf('\r\n', csv.length - 3) + 2
    const cutFields = await load(file('cut2.csv', csv.slice(0, lastStart + csv.slice(lastStart).indexOf(',', 40))))
    expect(cutFields.rejections).toEqual([{ line: 60, reason: expect.stringMatching(/has \d fields; the header row has 7: the file ends inside this row/) }])
    expect(archive!.countEvents({ includePull: true }).count).toBe(29)
  })

  it('lists the first hundred rejections, counts them all, and caps the size of a row', async () => {
    const { file } = setup()
    const good = records(10, 24).map((record) => JSON.stringify(record))
    const bad = Array.from({ length: 150 }, (_, i) => `{"timestamp": "yesterday ${i}", "action": "repo.tag.push"}`)
    const huge = JSON.stringify({ ...records(1, 25)[0], action_description: 'x'.repeat(5000) })
    const report = await load(file('mixed.jsonl', [...good.slice(0, 5), ...bad, huge, ...good.slice(5)].join('\n')), { maxRowChars: 4096 })
    expect(report).toMatchObject({ rows: 161, imported: 10, rejected: 151 })
    expect(report.rejections).toHaveLength(MAX_REJECTIONS_LISTED)
    expect(report.rejections[0]).toEqual({ line: 6, reason: 'field "timestamp" is not an RFC 3339 date-time ("yesterday 0")' })
    expect(report.rejections[99]!.line).toBe(105)
    // The over-long row is past the listed hundred, but counted.
    expect(report.rejected - report.rejections.length).toBe(51)
  })

  it('detects JSON lines whose first line is damaged, and --format forces a syntax', async () => {
    const { file } = setup()
    const text = `{"broken": \n${jsonLines(records(8, 26))}\n`
    const auto = await load(file('damaged.jsonl', text))
    expect(auto).toMatchObject({ format: 'ndjson', rows: 9, imported: 8, rejected: 1 })
    // Forcing the syntax of a file that is detected otherwise.
    const asJson = await load(file('damaged2.jsonl', text), { format: 'json' })
    expect(asJson).toMatchObject({ format: 'json', imported: 0 })
    expect(asJson.rejected).toBeGreaterThan(0)
  })
})

describe('files that are no format the account reads', () => {
  it('refuses text, binary data, the CSV export and a CSV of other fields with INVALID_INPUT, writing nothing', async () => {
    const { file } = setup()
    expect(await codeOf(load(file('notes.txt', 'Dear auditor,\nplease find attached…\n')))).toMatch(
      /^INVALID_INPUT: .*notes\.txt cannot be imported into hub: it is not JSON \(it does not start with \[ or \{\), and read as CSV the header row lacks "timestamp", "action" \(a CSV of Docker Hub records names their fields: account, action, name, actor, data, timestamp, action_description; its first row is "Dear auditor", ""\)$/
    )
    expect(await codeOf(load(file('image.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]))))).toMatch(
      /^INVALID_INPUT: .*image\.png is a binary file, not a JSON, NDJSON or CSV export$/
    )
    const exportCsv = csvRow(CSV_COLUMNS.map((name) => (name === 'occurred_at' ? 'occurred_at (UTC)' : name)))
    expect(await codeOf(load(file('events.csv', exportCsv)))).toMatch(/registry-audit's CSV export, which holds no raw records.*import its NDJSON export/)
    expect(await codeOf(load(file('forced.csv', jsonLines(records(2, 27))), { format: 'csv' }))).toMatch(/^INVALID_INPUT: .*forced\.csv cannot be imported into hub: read as CSV its first row is not a header row \(field 2 has text after its closing quote\)$/)
    archive!.addAccount({ name: 'icr', kind: 'ibm', url: 'https://logs.example', options: { region: 'us-south' } })
    expect(await codeOf(load(file('at.csv', 'eventTime,action\n'), {}, 'icr'))).toMatch(/IBM Cloud files import as JSON or NDJSON only/)
    expect(archive!.countEvents({ includePull: true }).count).toBe(0)
  })

  it('imports an empty file as no rows', async () => {
    const { file } = setup()
    expect(await load(file('empty.jsonl', '\n  \n'))).toMatchObject({ format: 'ndjson', content: null, rows: 0, imported: 0, rejected: 0 })
  })
})

describe('a file account', () => {
  it('reads each file as the source its rows look like', async () => {
    const { file } = setup()
    archive!.addAccount({ name: 'handed-over', kind: 'file', url: 'file://handed-over', options: {} })
    const hub = await load(file('hub.jsonl', jsonLines(records(20, 28))), {}, 'handed-over')
    expect(hub).toMatchObject({ content: 'dockerhub', imported: 20 })
    const harbor = generateHarborRows(15, 3).map((row, index) => harborRowJson({ ...row, id: index + 1 }, 'ext'))
    const harborReport = await load(file('harbor.json', JSON.stringify(harbor)), {}, 'handed-over')
    expect(harborReport).toMatchObject({ content: 'harbor', imported: 15, rejected: 0 })
    expect(eventsOf('handed-over').filter((event) => event.source_event_id.startsWith('auditlog-exts:'))).toHaveLength(15)
    const unknown = await load(file('other.jsonl', '{"what": "ever"}\n{"timestamp": "2025-01-01T00:00:00Z", "action": "repo.create"}\n'), {}, 'handed-over')
    expect(unknown).toMatchObject({ content: 'dockerhub', rows: 2, imported: 1, rejected: 1 })
    expect(unknown.rejections[0]!.reason).toMatch(/^not a record of any source this account reads/)
  })
})

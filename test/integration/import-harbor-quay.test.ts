import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { AuditEvent } from '../../src/shared/event'
import type { Account } from '../../src/shared/account'
import { Archive } from '../../src/main/core/db/archive'
import type { StoredAccount } from '../../src/main/core/db/archive-types'
import { csvRow } from '../../src/main/core/export/csv'
import { exportEvents } from '../../src/main/core/export/export-events'
import type { Connector } from '../../src/main/core/sources/connector'
import { importFile } from '../../src/main/core/import/import-file'
import { syncAccount } from '../../src/main/core/sync/sync-account'
import { harborRowJson } from '../sim/harbor'
import { tempArchivePath, type TempDir } from './archive-fixtures'
import { startHarborRig, type HarborRig } from './harbor-rig'
import { startQuayRig, type QuayRig } from './quay-rig'

/**
 * Harbor and Quay files against their simulators: a file imported before a sync and the sync
 * dedup against each other (the import derives the connector's ids: Harbor's table and row id,
 * Quay's content hash and `#n`), the result equals a sync alone, and Quay's own log export, with
 * its end marker, reads as it is.
 */

const temps: TempDir[] = []
const archives: Archive[] = []
let harbor: HarborRig | undefined
let quay: QuayRig | undefined

afterEach(async () => {
  for (const archive of archives.splice(0)) archive.close()
  for (const temp of temps.splice(0)) temp.remove()
  await harbor?.close()
  await quay?.close()
  harbor = undefined
  quay = undefined
})

function openArchive(): { archive: Archive; dir: string } {
  const temp = tempArchivePath()
  temps.push(temp)
  const archive = Archive.open(temp.file)
  archives.push(archive)
  return { archive, dir: temp.dir }
}

function addAccount(archive: Archive, rigAccount: Account): StoredAccount {
  return archive.addAccount({ name: rigAccount.name, kind: rigAccount.kind, url: rigAccount.url, options: rigAccount.options })
}

function syncInto(archive: Archive, account: StoredAccount, connector: Connector, secret: string) {
  return syncAccount({ archive, account, connector, getToken: async () => secret })
}

function eventsOf(archive: Archive): Array<Omit<AuditEvent, 'id' | 'account_id' | 'account'>> {
  return [...archive.iterateEvents({ includePull: true })]
    .map(({ id: _id, account_id: _accountId, account: _account, ...event }) => event)
    .sort((a, b) => a.occurred_at - b.occurred_at || (a.source_event_id < b.source_event_id ? -1 : 1))
}

describe('Harbor files', () => {
  it('imports both tables from a JSON array and a CSV, and dedups with a sync both ways', async () => {
    harbor = await startHarborRig({ sim: { events: 60, legacyEvents: 25, seed: 4 } })
    const rig = harbor
    const ext = rig.sim.rows('ext').map((row) => harborRowJson(row, 'ext'))
    const legacy = rig.sim.rows('legacy').map((row) => harborRowJson(row, 'legacy'))
    expect(ext).toHaveLength(60)

    const b = openArchive()
    const account = addAccount(b.archive, rig.account)
    const array = join(b.dir, 'harbor.json')
    writeFileSync(array, JSON.stringify([...legacy, ...ext.slice(0, 30)], null, 2))
    expect(await importFile({ archive: b.archive, account: account.name, file: array })).toMatchObject({
      format: 'json',
      content: 'harbor',
      rows: 55,
      imported: 55,
      rejected: 0
    })
    // The rest of the live table as CSV (the API's fields as columns), overlapping by ten rows.
    const fields = ['id', 'username', 'resource', 'resource_type', 'operation', 'operation_description', 'operation_result', 'op_time']
    const cell = (value: unknown): string => (value === undefined ? '' : String(value))
    const csv = [csvRow(fields), ...ext.slice(20, 45).map((record) => csvRow(fields.map((field) => cell(record[field]))))].join('')
    writeFileSync(join(b.dir, 'harbor.csv'), csv)
    expect(await importFile({ archive: b.archive, account: account.name, file: join(b.dir, 'harbor.csv') })).toMatchObject({
      format: 'csv',
      content: 'harbor',
      rows: 25,
      imported: 15,
      duplicates: 10,
      rejected: 0
    })
    expect(await syncInto(b.archive, account, rig.newConnector(), rig.user.secret)).toMatchObject({ inserted: 15, duplicates: 70 })

    const a = openArchive()
    await syncInto(a.archive, addAccount(a.archive, rig.account), rig.newConnector(), rig.user.secret)
    // The same events: the CSV's records read back to the API's, key order and types included.
    expect(eventsOf(b.archive)).toEqual(eventsOf(a.archive))
  })
})

describe('Quay files', () => {
  it("imports Quay's log export (its end marker not a row) and dedups with a sync both ways", async () => {
    quay = await startQuayRig({ sim: { logs: 160, seed: 6 } })
    const rig = quay
    const logs = rig.sim.visible({ namespace: 'acme' }).map((log) => rig.sim.wire(log))
    expect(logs.length).toBeGreaterThan(100)

    const b = openArchive()
    const account = addAccount(b.archive, rig.account)
    const older = logs.slice(60)
    const exported = {
      export_id: '6f1c1a52-41f3-4d7c-9d1e-2b8f4d0b6a11',
      details: { start_time: 'Mon, 19 May 2025 00:00:00 -0000', end_time: 'Tue, 03 Jun 2025 23:59:59 -0000', namespace: 'acme', repository: null },
      logs: [...older, { terminator: true }]
    }
    const file = join(b.dir, 'quay-export.json')
    writeFileSync(file, JSON.stringify(exported))
    expect(await importFile({ archive: b.archive, account: account.name, file })).toMatchObject({
      format: 'json',
      content: 'quay',
      rows: older.length,
      imported: older.length,
      rejected: 0
    })
    const synced = await syncInto(b.archive, account, rig.newConnector(), rig.token.token)
    expect(synced).toMatchObject({ inserted: logs.length - older.length, duplicates: older.length })

    const a = openArchive()
    await syncInto(a.archive, addAccount(a.archive, rig.account), rig.newConnector(), rig.token.token)
    expect(eventsOf(b.archive)).toEqual(eventsOf(a.archive))
    // Identical pulls in one second are kept apart by `#n`, in the file as in the sync.
    expect(eventsOf(a.archive).some((event) => event.source_event_id.endsWith('#2'))).toBe(true)

    // A CSV of the records (nested fields as JSON cells) gets the same ids; and our own export restores exactly.
    const fields = ['kind', 'metadata', 'ip', 'datetime', 'performer']
    const cell = (value: unknown): string => (value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value))
    writeFileSync(join(b.dir, 'quay.csv'), [csvRow(fields), ...logs.map((log) => csvRow(fields.map((field) => cell(log[field]))))].join(''))
    expect(await importFile({ archive: b.archive, account: account.name, file: join(b.dir, 'quay.csv') })).toMatchObject({
      content: 'quay',
      rows: logs.length,
      imported: 0,
      duplicates: logs.length,
      rejected: 0
    })

    const ndjson = join(a.dir, 'quay.ndjson')
    await exportEvents(a.archive.iterateEvents({ includePull: true }), ndjson, { format: 'ndjson', timeZone: 'UTC' })
    const c = openArchive()
    addAccount(c.archive, rig.account)
    expect(await importFile({ archive: c.archive, account: rig.account.name, file: ndjson })).toMatchObject({
      content: 'registry-audit',
      imported: logs.length,
      rejected: 0
    })
    expect(eventsOf(c.archive)).toEqual(eventsOf(a.archive))
  })
})

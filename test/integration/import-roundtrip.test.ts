import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { AuditEvent } from '../../src/shared/event'
import { Archive } from '../../src/main/core/db/archive'
import type { StoredAccount } from '../../src/main/core/db/archive-types'
import { exportEvents } from '../../src/main/core/export/export-events'
import { importFile } from '../../src/main/core/import/import-file'
import { syncAccount } from '../../src/main/core/sync/sync-account'
import { tempArchivePath, type TempDir } from './archive-fixtures'
import { startDockerHubRig, type DockerHubRig } from './dockerhub-rig'

/**
 * The acceptance test for import: events synced from the Docker Hub simulator into archive
 * A, exported as NDJSON, and imported into a fresh archive B are the same events (identity, raw
 * record, every normalised field); the Hub's own records imported from a file get the ids a sync
 * gives them, so a sync and an import dedup against each other both ways.
 */

const temps: TempDir[] = []
const archives: Archive[] = []
let rig: DockerHubRig | undefined

afterEach(async () => {
  for (const archive of archives.splice(0)) archive.close()
  for (const temp of temps.splice(0)) temp.remove()
  await rig?.close()
  rig = undefined
})

function openArchive(): { archive: Archive; dir: string } {
  const temp = tempArchivePath()
  temps.push(temp)
  const archive = Archive.open(temp.file)
  archives.push(archive)
  return { archive, dir: temp.dir }
}

function addHubAccount(archive: Archive, name: string): StoredAccount {
  return archive.addAccount({ name, kind: 'dockerhub', url: rig!.account.url, options: rig!.account.options })
}

const sync = (archive: Archive, account: StoredAccount) =>
  syncAccount({ archive, account, connector: rig!.newConnector(), getToken: async () => rig!.sim.secret })

/** Every event of the archive in a stable order, without what belongs to the archive (ids, account). */
function eventsOf(archive: Archive): Array<Omit<AuditEvent, 'id' | 'account_id' | 'account'>> {
  const rows = [...archive.iterateEvents({ includePull: true })]
  return rows
    .map(({ id: _id, account_id: _accountId, account: _account, ...event }) => event)
    .sort((a, b) => a.occurred_at - b.occurred_at || (a.source_event_id < b.source_event_id ? -1 : 1))
}

describe('import of registry-audit exports and Docker Hub records', () => {
  it('restores exported events exactly in a fresh archive, twice without change, and a later sync adds nothing', async () => {
    rig = await startDockerHubRig({ sim: { events: 400, seed: 11 } })
    const a = openArchive()
    const synced = await sync(a.archive, addHubAccount(a.archive, 'hub-a'))
    expect(synced.inserted).toBe(400)
    const original = eventsOf(a.archive)
    // The generator repeats about 2% of records exactly: those are kept apart by `#n` ids.
    expect(original.some((event) => event.source_event_id.endsWith('#2'))).toBe(true)

    const file = join(a.dir, 'hub.ndjson')
    await exportEvents(a.archive.iterateEvents({ includePull: true }), file, { format: 'ndjson', timeZone: 'UTC' })

    const b = openArchive()
    const account = addHubAccount(b.archive, 'hub-b')
    const first = await importFile({ archive: b.archive, account: 'hub-b', file, batchSize: 64 })
    expect(first).toMatchObject({ format: 'ndjson', content: 'registry-audit', rows: 400, imported: 400, duplicates: 0, rejected: 0 })
    expect(eventsOf(b.archive)).toEqual(original)

    const second = await importFile({ archive: b.archive, account: 'hub-b', file })
    expect(second).toMatchObject({ rows: 400, imported: 0, duplicates: 400, rejected: 0 })
    expect(eventsOf(b.archive)).toEqual(original)

    // The sync cursor was never touched: B's first sync reads everything, and finds it all there.
    const later = await sync(b.archive, account)
    expect(later).toMatchObject({ inserted: 0, duplicates: 400 })
    expect(eventsOf(b.archive)).toEqual(original)
  })

  it('restores the JSON array `events --format json` writes, and refuses those events in an account of another kind', async () => {
    rig = await startDockerHubRig({ sim: { events: 60, seed: 12 } })
    const a = openArchive()
    await sync(a.archive, addHubAccount(a.archive, 'hub-a'))
    const ndjson = join(a.dir, 'hub.ndjson')
    await exportEvents(a.archive.iterateEvents({ includePull: true }), ndjson, { format: 'ndjson', timeZone: 'UTC' })
    const lines = readFileSync(ndjson, 'utf8').trimEnd().split('\n')
    const array = join(a.dir, 'hub.json')
    writeFileSync(array, `[\n  ${lines.join(',\n  ')}\n]\n`)

    const b = openArchive()
    addHubAccount(b.archive, 'hub-b')
    expect(await importFile({ archive: b.archive, account: 'hub-b', file: array })).toMatchObject({
      format: 'json',
      content: 'registry-audit',
      imported: 60,
      rejected: 0
    })
    expect(eventsOf(b.archive)).toEqual(eventsOf(a.archive))

    b.archive.addAccount({ name: 'icr', kind: 'ibm', url: 'https://logs.example', options: { region: 'us-south' } })
    const wrong = await importFile({ archive: b.archive, account: 'icr', file: ndjson })
    expect(wrong).toMatchObject({ content: 'registry-audit', rows: 60, imported: 0, rejected: 60 })
    expect(wrong.rejections[0]).toEqual({
      line: 1,
      reason: "its raw record is not one of IBM Cloud's records (the event has no eventTime)"
    })
  })

  it('refuses an exported event whose id is not the one its raw record gets, or whose fields are not valid', async () => {
    rig = await startDockerHubRig({ sim: { events: 5, seed: 13 } })
    const a = openArchive()
    await sync(a.archive, addHubAccount(a.archive, 'hub-a'))
    const ndjson = join(a.dir, 'hub.ndjson')
    await exportEvents(a.archive.iterateEvents({ includePull: true }), ndjson, { format: 'ndjson', timeZone: 'UTC' })
    const rows = readFileSync(ndjson, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    rows[1] = { ...rows[1], source_event_id: 'f'.repeat(64) }
    rows[2] = { ...rows[2], raw: { ...(rows[2]!['raw'] as object), actor: 'mallory' } }
    rows[3] = { ...rows[3], verb: 'STEAL' }
    const { verb: _verb, ...withoutVerb } = rows[4]!
    rows[4] = withoutVerb
    const edited = join(a.dir, 'edited.ndjson')
    writeFileSync(edited, rows.map((row) => JSON.stringify(row)).join('\n'))

    const b = openArchive()
    addHubAccount(b.archive, 'hub-b')
    const report = await importFile({ archive: b.archive, account: 'hub-b', file: edited })
    expect(report).toMatchObject({ rows: 5, imported: 1, rejected: 4 })
    expect(report.rejections).toEqual([
      { line: 2, reason: expect.stringMatching(/source_event_id is not the id Docker Hub sync gives this raw record/) },
      { line: 3, reason: expect.stringMatching(/source_event_id is not the id Docker Hub sync gives this raw record/) },
      { line: 4, reason: expect.stringMatching(/^not an exported event: field "verb": /) },
      // Without a verb the row is not taken for an exported event at all; its content was decided at line 1.
      { line: 5, reason: expect.stringMatching(/^not an exported event: field "verb": /) }
    ])
  })

  it('gives the Hub records of a file the ids a sync gives them, so an import and a sync dedup both ways', async () => {
    rig = await startDockerHubRig({ sim: { events: 250, seed: 14 } })
    const records = rig.sim.events
    // Half the records in a saved API page, before any sync; a sync then adds only the rest.
    const b = openArchive()
    const account = addHubAccount(b.archive, 'hub-b')
    const page = join(b.dir, 'page.json')
    writeFileSync(page, JSON.stringify({ logs: records.slice(100) }, null, 2))
    const imported = await importFile({ archive: b.archive, account: 'hub-b', file: page })
    expect(imported).toMatchObject({ format: 'json', content: 'dockerhub', rows: 150, imported: 150, rejected: 0 })
    const synced = await sync(b.archive, account)
    expect(synced).toMatchObject({ inserted: 100, duplicates: 150 })

    // The same events, synced alone into another archive: identical, ids included.
    const a = openArchive()
    await sync(a.archive, addHubAccount(a.archive, 'hub-a'))
    expect(eventsOf(b.archive)).toEqual(eventsOf(a.archive))

    // And the whole list as JSON lines, after the sync: nothing new.
    const lines = join(b.dir, 'all.jsonl')
    writeFileSync(lines, records.map((record) => JSON.stringify(record)).join('\n'))
    expect(await importFile({ archive: b.archive, account: 'hub-b', file: lines })).toMatchObject({ rows: 250, imported: 0, duplicates: 250 })
  })
})

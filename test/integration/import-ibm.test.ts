import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Archive } from '../../src/main/core/db/archive'
import type { StoredAccount } from '../../src/main/core/db/archive-types'
import { AppError } from '../../src/main/core/errors'
import { importFile, importStreamName } from '../../src/main/core/import/import-file'
import { IBM_STREAM } from '../../src/main/core/sources/ibm'
import { syncAccount } from '../../src/main/core/sync/sync-account'
import { generateIbmLogs, makeIbmEvent, seededRandom } from '../sim/ibm-events'
import { tempArchivePath, type TempDir } from './archive-fixtures'
import { startIbmRig, IBM_RIG_START, type IbmRig } from './ibm-rig'

/**
 * Activity Tracker export files into an ibm account of a real archive (SQLite in a temp folder):
 * counts, rejects with line numbers, idempotence, and dedup against what a Cloud Logs sync already
 * stored.
 */

let temp: TempDir | undefined
let archive: Archive | undefined
let rig: IbmRig | undefined

afterEach(async () => {
  archive?.close()
  archive = undefined
  temp?.remove()
  temp = undefined
  await rig?.close()
  rig = undefined
})

function setup(kind: 'ibm' | 'dockerhub' = 'ibm', url = 'https://0d5c1e2a-0000-4000-8000-000000000000.api.us-south.logs.cloud.ibm.com'): { account: StoredAccount; file: (name: string, text: string) => string } {
  temp = tempArchivePath()
  archive = Archive.open(temp.file)
  const account = archive.addAccount({
    name: 'acme-icr',
    kind,
    url,
    options: kind === 'ibm' ? { region: 'us.icr.io' } : { org: 'acme', username: 'bob' }
  })
  const dir = temp.dir
  return {
    account,
    file: (name, text) => {
      const path = join(dir, name)
      writeFileSync(path, text)
      return path
    }
  }
}

const count = (): number => archive!.countEvents({ includePull: true }).count

const registryEvents = (n: number, seed: number): Array<Record<string, unknown>> =>
  generateIbmLogs(n, seed, { endTime: IBM_RIG_START, foreignShare: 0 }).map((log) => log.event)

describe('Activity Tracker export import', () => {
  it('imports JSON lines, skips other services, rejects bad rows with their line numbers', async () => {
    const { file } = setup()
    const events = registryEvents(50, 1)
    const foreign = { ...events[0]!, action: 'iam-identity.apikey.login', correlationId: 'x' }
    const lines = events.map((event) => JSON.stringify(event))
    lines.splice(3, 0, JSON.stringify(foreign)) // line 4
    lines.splice(6, 0, '') // line 7, blank: ignored
    lines.splice(9, 0, '{"action":"container-registry.image.push","eventTime":') // line 10
    lines.splice(12, 0, JSON.stringify({ ...events[1], eventTime: '12/05/2025' })) // line 13
    lines.splice(15, 0, '[1,2]') // line 16
    lines.splice(18, 0, JSON.stringify({ hello: 'world' })) // line 19
    const path = file('export.jsonl', `${lines.join('\r\n')}\r\n`)

    const report = await importFile({ archive: archive!, account: 'acme-icr', file: path, batchSize: 7 })
    expect(report).toMatchObject({ format: 'ndjson', content: 'ibm', rows: 55, imported: 50, duplicates: 0, skipped: 1, rejected: 4 })
    expect(report.rejections.map((rejection) => rejection.line)).toEqual([10, 13, 16, 19])
    expect(report.rejections[0]!.reason).toBe('not valid JSON')
    expect(report.rejections[1]!.reason).toMatch(/eventTime "12\/05\/2025" is not a readable date-time/)
    expect(report.rejections[2]!.reason).toMatch(/not a JSON object/)
    expect(report.rejections[3]!.reason).toMatch(/no action and no eventTime/)
    expect(count()).toBe(50)
  })

  it('importing the same file twice changes nothing', async () => {
    const { account, file } = setup()
    const path = file('export.jsonl', registryEvents(80, 2).map((event) => JSON.stringify(event)).join('\n'))
    await importFile({ archive: archive!, account: 'acme-icr', file: path })
    const before = archive!.queryEvents({ query: { includePull: true }, limit: 500 }).rows
    const again = await importFile({ archive: archive!, account: 'acme-icr', file: path })
    expect(again).toMatchObject({ imported: 0, duplicates: 80, rejected: 0 })
    expect(archive!.queryEvents({ query: { includePull: true }, limit: 500 }).rows).toEqual(before)
    // Its own stream: the Cloud Logs cursor stays untouched.
    expect(archive!.getCursor(account.id, IBM_STREAM)).toBeNull()
    const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex')
    expect(archive!.getCursor(account.id, importStreamName(sha256))).toEqual({ v: 1, file: 'export.jsonl', line: 80 })
  })

  it('stores the normalised columns, so the history of a digest is one query away', async () => {
    const { file } = setup()
    const random = seededRandom(4)
    const push = makeIbmEvent(random, 'container-registry.image.push', IBM_RIG_START - 5000, { outcome: 'success' })
    const digest = String((push['target'] as { id: string }).id).split('@')[1]!
    const path = file('one.jsonl', `${JSON.stringify(push)}\n`)
    await importFile({ archive: archive!, account: 'acme-icr', file: path })
    const rows = archive!.queryEvents({ query: { digest: { any: [digest] }, includePull: true }, limit: 10 }).rows
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ action: 'container-registry.image.push', verb: 'CREATE', activity: 'push', digest })
    expect(JSON.parse(rows[0]!.raw)).toEqual(push)
  })

  it('reads a JSON array, an export page {lines: [...]} and lines with export metadata', async () => {
    const { file } = setup()
    const events = registryEvents(12, 3)
    const array = await importFile({
      archive: archive!,
      account: 'acme-icr',
      file: file('array.json', `\uFEFF${JSON.stringify(events.slice(0, 4), null, 2)}`)
    })
    expect(array).toMatchObject({ format: 'json', content: 'ibm', rows: 4, imported: 4 })
    const pageText = JSON.stringify({ lines: [...events.slice(4, 8), 'junk'], pagination_id: 'abc' }, null, 2)
    const page = await importFile({ archive: archive!, account: 'acme-icr', file: file('page.json', pageText) })
    expect(page).toMatchObject({ format: 'json', rows: 5, imported: 4, rejected: 1 })
    // The line the item starts on in the pretty-printed file.
    const junkLine = pageText.slice(0, pageText.indexOf('"junk"')).split('\n').length
    expect(page.rejections).toEqual([{ line: junkLine, reason: expect.stringMatching(/not a JSON object/) }])
    // Export lines: metadata beside the event, or the event as text in `_line`; the same events
    // as already imported (the first two) are duplicates, since identity ignores the metadata.
    const metadata = [
      { _ts: 1, _host: 'container-registry', _app: 'crn:v1:…', ...events[0] },
      { _ts: 2, _line: JSON.stringify(events[1]) },
      { _ts: 3, _host: 'container-registry', ...events[8] },
      { _ts: 4, _line: JSON.stringify(events[9]) }
    ]
    const lines = await importFile({
      archive: archive!,
      account: 'acme-icr',
      file: file('mezmo.jsonl', metadata.map((line) => JSON.stringify(line)).join('\n'))
    })
    expect(lines).toMatchObject({ format: 'ndjson', rows: 4, imported: 2, duplicates: 2 })
    expect(count()).toBe(10)
  })

  it('dedups against events a Cloud Logs sync already stored, both ways', async () => {
    rig = await startIbmRig({ sim: { events: 60, seed: 9 } })
    temp = tempArchivePath()
    archive = Archive.open(temp.file)
    const account = archive.addAccount({ name: rig.account.name, kind: 'ibm', url: rig.account.url, options: rig.account.options })
    const summary = await syncAccount({
      archive,
      account,
      connector: rig.connector,
      getToken: async () => rig!.sim.apiKey
    })
    expect(summary.inserted).toBe(rig.sim.registryEvents.length)
    // An export holding the same events plus ten older ones.
    const older = registryEvents(10, 99)
    const path = join(temp.dir, 'overlap.jsonl')
    writeFileSync(path, [...older, ...rig.sim.registryEvents].map((event) => JSON.stringify(event)).join('\n'))
    const report = await importFile({ archive, account: account.name, file: path })
    expect(report).toMatchObject({ imported: 10, duplicates: rig.sim.registryEvents.length })
    expect(count()).toBe(rig.sim.registryEvents.length + 10)
    // And a later sync finds nothing new.
    rig.clock.advance(60_000)
    const again = await syncAccount({ archive, account, connector: rig.newConnector(), getToken: async () => rig!.sim.apiKey })
    expect(again.inserted).toBe(0)
  })

  it('rejects every row of an Activity Tracker file in a dockerhub account, and refuses what is no file', async () => {
    const { file } = setup('dockerhub', 'https://hub.docker.com')
    const path = file('x.jsonl', registryEvents(3, 1).map((event) => JSON.stringify(event)).join('\n'))
    const report = await importFile({ archive: archive!, account: 'acme-icr', file: path })
    expect(report).toMatchObject({ content: 'dockerhub', rows: 3, imported: 0, rejected: 3 })
    expect(report.rejections[0]).toEqual({ line: 1, reason: 'field "timestamp" is missing or not a string' })
    const codeOf = async (promise: Promise<unknown>): Promise<string> =>
      promise.then(
        () => 'resolved',
        (error: unknown) => (error instanceof AppError ? error.code : String(error))
      )
    expect(await codeOf(importFile({ archive: archive!, account: 'nobody', file: path }))).toBe('NOT_FOUND')
    archive!.addAccount({ name: 'icr', kind: 'ibm', url: 'https://x.example', options: { region: 'global' } })
    expect(await codeOf(importFile({ archive: archive!, account: 'icr', file: join(temp!.dir, 'missing.jsonl') }))).toBe('IO')
    expect(await codeOf(importFile({ archive: archive!, account: 'icr', file: temp!.dir }))).toBe('INVALID_INPUT')
    // IBM exports are JSON: text that is not is no format an ibm account reads.
    expect(await codeOf(importFile({ archive: archive!, account: 'icr', file: file('notes.txt', 'eventTime,action\n') }))).toBe('INVALID_INPUT')
    expect(count()).toBe(0)
  })

  it('stops between batches when cancelled, keeping what was written', async () => {
    const { file } = setup()
    const path = file('big.jsonl', registryEvents(300, 5).map((event) => JSON.stringify(event)).join('\n'))
    const controller = new AbortController()
    const seen: number[] = []
    const error = await importFile({
      archive: archive!,
      account: 'acme-icr',
      file: path,
      batchSize: 100,
      signal: controller.signal,
      onProgress: (progress) => {
        seen.push(progress.imported)
        if (progress.imported >= 100) controller.abort()
      }
    }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('CANCELLED')
    expect(seen).toEqual([100])
    expect(count()).toBe(100)
    // Running it again completes the import.
    const rest = await importFile({ archive: archive!, account: 'acme-icr', file: path })
    expect(rest).toMatchObject({ imported: 200, duplicates: 100 })
  })
})

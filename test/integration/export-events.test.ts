import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../../src/main/core/errors'
import { CSV_COLUMNS, eventToJson, eventToJsonLine, exportEvents } from '../../src/main/core/export/export-events'
import type { AuditEvent } from '../../src/shared/event'

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'export-events-'))
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function makeEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: 1,
    account_id: 3,
    account: 'hub',
    source_event_id: 'evt-1',
    occurred_at: Date.UTC(2026, 0, 31, 10, 0, 0, 0),
    action: 'repo.tag.push',
    verb: 'CREATE',
    activity: 'push',
    outcome: 'success',
    actor: 'alice',
    actor_kind: 'user',
    namespace: 'team',
    repository: 'team/app',
    tag: 'latest',
    digest: 'sha256:4f1c0e',
    target: 'team/app:latest',
    client_ip: '192.0.2.7',
    user_agent: 'docker/27.0',
    label: 'Pushed team/app:latest',
    raw: '{"action":"repo.tag.push","actor":"alice"}',
    ...overrides
  }
}

function* numberedEvents(count: number, onClose?: () => void): Generator<AuditEvent> {
  try {
    for (let i = 1; i <= count; i += 1) {
      yield makeEvent({ id: i, source_event_id: `evt-${i}`, occurred_at: Date.UTC(2026, 0, 1) + i * 60_000 })
    }
  } finally {
    onClose?.()
  }
}

async function expectAppError(promise: Promise<unknown>, code: string): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(AppError)
  expect((error as AppError).code).toBe(code)
  return error as AppError
}

/** Collects what is written to it, accepting each chunk only after a turn of the event loop. */
class SlowSink extends Writable {
  text = ''
  lines = 0
  maxBuffered = 0
  constructor(highWaterMark: number) {
    super({ highWaterMark, decodeStrings: false })
  }
  override _write(chunk: string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength)
    this.text += chunk
    this.lines += chunk.split('\r\n').length - 1
    setImmediate(callback)
  }
}

const HEADER_TAIL =
  'account,label,verb,activity,action,outcome,actor,actor_kind,namespace,repository,tag,digest,target,client_ip,user_agent,source_event_id\r\n'

describe('exportEvents as CSV', () => {
  it('writes a header naming the zone and one RFC 4180 row per event', async () => {
    const file = path.join(dir, 'out.csv')
    const result = await exportEvents(
      [makeEvent(), makeEvent({ id: 2, actor: null, tag: null, digest: null, target: null, client_ip: null, user_agent: null })],
      file,
      { format: 'csv', timeZone: 'UTC' }
    )
    expect(result).toEqual({ rows: 2 })
    expect(await readFile(file, 'utf8')).toBe(
      `id,occurred_at (UTC),${HEADER_TAIL}` +
        '1,2026-01-31T10:00:00.000Z,hub,Pushed team/app:latest,CREATE,push,repo.tag.push,success,alice,user,team,team/app,latest,sha256:4f1c0e,team/app:latest,192.0.2.7,docker/27.0,evt-1\r\n' +
        '2,2026-01-31T10:00:00.000Z,hub,Pushed team/app:latest,CREATE,push,repo.tag.push,success,,user,team,team/app,,,,,,evt-1\r\n'
    )
    expect(await readdir(dir)).toEqual(['out.csv'])
  })

  it('lists the columns in the documented order', () => {
    expect(CSV_COLUMNS.join(',')).toBe(`id,occurred_at,${HEADER_TAIL.trimEnd()}`)
  })

  it('writes times in the chosen zone with their offsets, across DST', async () => {
    const out = new PassThrough()
    let text = ''
    out.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
    await exportEvents(
      [
        makeEvent({ occurred_at: Date.UTC(2026, 0, 31, 10) }),
        makeEvent({ id: 2, occurred_at: Date.UTC(2026, 6, 31, 10) }),
        makeEvent({ id: 3, occurred_at: Date.UTC(2026, 9, 25, 0, 30) }),
        makeEvent({ id: 4, occurred_at: Date.UTC(2026, 9, 25, 1, 30) })
      ],
      out,
      { format: 'csv', timeZone: 'europe/berlin' }
    )
    const lines = text.split('\r\n')
    expect(lines[0]).toBe(`id,occurred_at (Europe/Berlin),${HEADER_TAIL.trimEnd()}`)
    expect(lines.slice(1, 5).map((line) => line.split(',').slice(0, 2).join(','))).toEqual([
      '1,2026-01-31T11:00:00.000+01:00',
      '2,2026-07-31T12:00:00.000+02:00',
      '3,2026-10-25T02:30:00.000+02:00',
      '4,2026-10-25T02:30:00.000+01:00'
    ])
  })

  it('neutralises formula-like text from the source and quotes what needs quoting', async () => {
    const file = path.join(dir, 'hostile.csv')
    await exportEvents(
      [
        makeEvent({
          account: '@ops',
          label: '=HYPERLINK("http://evil","click")',
          action: '+cmd',
          actor: '-2+3',
          namespace: '\tx',
          repository: '\rteam/app',
          tag: 'v1,"beta"',
          digest: null,
          target: 'line1\nline2',
          client_ip: 'a\r\nb',
          user_agent: "'already",
          source_event_id: '-42'
        })
      ],
      file,
      { format: 'csv', timeZone: 'UTC' }
    )
    const row = (await readFile(file, 'utf8')).split('\r\n').slice(1).join('\r\n')
    expect(row).toBe(
      '1,2026-01-31T10:00:00.000Z,\'@ops,"\'=HYPERLINK(""http://evil"",""click"")",CREATE,push,\'+cmd,success,\'-2+3,user,' +
        '\'\tx,"\'\rteam/app","v1,""beta""",,"line1\nline2","a\r\nb",\'already,\'-42\r\n'
    )
  })

  it('refuses an unknown zone or format before creating any file', async () => {
    const file = path.join(dir, 'out.csv')
    const zone = await expectAppError(exportEvents([makeEvent()], file, { format: 'csv', timeZone: 'Mars/Base' }), 'INVALID_INPUT')
    expect(zone.message).toBe('unknown time zone "Mars/Base": expected UTC, local or an IANA name such as Europe/Berlin')
    const format = await expectAppError(
      exportEvents([makeEvent()], file, { format: 'xlsx' as 'csv', timeZone: 'UTC' }),
      'INVALID_INPUT'
    )
    expect(format.message).toBe('Unknown export format "xlsx": expected csv or ndjson.')
    expect(await readdir(dir)).toEqual([])
  })
})

describe('exportEvents as NDJSON', () => {
  it('writes one JSON object per line with the fields of AuditEvent, times in UTC and raw parsed', async () => {
    const file = path.join(dir, 'out.ndjson')
    const events = [makeEvent(), makeEvent({ id: 2, actor: null, raw: '{"n":[1,2,{"k":"v\\n"}]}' })]
    const result = await exportEvents(events, file, { format: 'ndjson', timeZone: 'Europe/Berlin' })
    expect(result).toEqual({ rows: 2 })
    const text = await readFile(file, 'utf8')
    expect(text.endsWith('\n')).toBe(true)
    const lines = text.trimEnd().split('\n')
    expect(lines).toHaveLength(2)
    expect(JSON.parse(lines[0]!)).toEqual({
      id: 1,
      occurred_at: '2026-01-31T10:00:00.000Z',
      account_id: 3,
      account: 'hub',
      label: 'Pushed team/app:latest',
      verb: 'CREATE',
      activity: 'push',
      action: 'repo.tag.push',
      outcome: 'success',
      actor: 'alice',
      actor_kind: 'user',
      namespace: 'team',
      repository: 'team/app',
      tag: 'latest',
      digest: 'sha256:4f1c0e',
      target: 'team/app:latest',
      client_ip: '192.0.2.7',
      user_agent: 'docker/27.0',
      source_event_id: 'evt-1',
      raw: { action: 'repo.tag.push', actor: 'alice' }
    })
    expect(JSON.parse(lines[1]!)).toEqual(eventToJson(events[1]!))
    expect(JSON.parse(lines[1]!).raw).toEqual({ n: [1, 2, { k: 'v\n' }] })
  })

  it('keeps the stored raw record exactly, big integers included, on one line', async () => {
    const raw = '{\n  "id": 12345678901234567890,\r\n  "f": 1.0,\n  "s": "a\\u2028b"\n}'
    const line = eventToJsonLine(makeEvent({ raw }))
    expect(line).not.toMatch(/[\r\n]/)
    expect(line.endsWith(',"raw":{   "id": 12345678901234567890,   "f": 1.0,   "s": "a\\u2028b" }}')).toBe(true)
    expect(JSON.parse(line)).toEqual(eventToJson(makeEvent({ raw })))
  })

  it('refuses a damaged raw record or time with ARCHIVE_DAMAGED, leaving no file', async () => {
    const file = path.join(dir, 'out.ndjson')
    const damaged = await expectAppError(
      exportEvents([makeEvent(), makeEvent({ id: 7, raw: '{"cut": ' })], file, { format: 'ndjson', timeZone: 'UTC' }),
      'ARCHIVE_DAMAGED'
    )
    expect(damaged.message).toBe("Event 7's stored source record is not valid JSON.")
    expect(() => eventToJson(makeEvent({ occurred_at: Number.NaN }))).toThrow('Event 1 has an impossible time (NaN).')
    await expectAppError(
      exportEvents([makeEvent({ occurred_at: 1e16 })], file, { format: 'csv', timeZone: 'UTC' }),
      'ARCHIVE_DAMAGED'
    )
    expect(await readdir(dir)).toEqual([])
  })
})

describe('exportEvents to a file', () => {
  it('replaces an existing file only when the export succeeds', async () => {
    const file = path.join(dir, 'report.csv')
    await writeFile(file, 'previous report\r\n')

    let closed = false
    function* failing(): Generator<AuditEvent> {
      try {
        yield* numberedEvents(5000)
        throw new AppError('ARCHIVE_DAMAGED', 'The archive could not be read.')
      } finally {
        closed = true
      }
    }
    await expectAppError(exportEvents(failing(), file, { format: 'csv', timeZone: 'UTC' }), 'ARCHIVE_DAMAGED')
    expect(closed).toBe(true)
    expect(await readFile(file, 'utf8')).toBe('previous report\r\n')
    expect(await readdir(dir)).toEqual(['report.csv'])

    expect(await exportEvents(numberedEvents(3), file, { format: 'csv', timeZone: 'UTC' })).toEqual({ rows: 3 })
    const text = await readFile(file, 'utf8')
    expect(text.split('\r\n')).toHaveLength(5)
    expect(await readdir(dir)).toEqual(['report.csv'])
  })

  it('overwrites a .partial left by an earlier crash', async () => {
    const file = path.join(dir, 'out.ndjson')
    await writeFile(`${file}.partial`, 'garbage from a killed export')
    await exportEvents(numberedEvents(2), file, { format: 'ndjson', timeZone: 'UTC' })
    expect((await readFile(file, 'utf8')).trimEnd().split('\n')).toHaveLength(2)
    expect(await readdir(dir)).toEqual(['out.ndjson'])
  })

  it('reports a folder that does not exist as an IO error naming the file', async () => {
    const file = path.join(dir, 'missing', 'out.csv')
    let closed = false
    const error = await expectAppError(
      exportEvents(numberedEvents(100_000, () => (closed = true)), file, { format: 'csv', timeZone: 'UTC' }),
      'IO'
    )
    expect(error.message).toBe(`Could not write the export to ${file}: ENOENT.`)
    expect(closed).toBe(true)
    expect(existsSync(path.join(dir, 'missing'))).toBe(false)
  })

  it('reports a target that cannot be replaced and removes the partial file', async () => {
    const target = path.join(dir, 'taken')
    await writeFile(path.join(dir, 'keep.txt'), 'x')
    // A non-empty folder cannot be renamed over.
    await mkdir(path.join(target, 'inside'), { recursive: true })
    const error = await expectAppError(exportEvents(numberedEvents(2), target, { format: 'csv', timeZone: 'UTC' }), 'IO')
    expect(error.message).toMatch(new RegExp(`^Could not move the finished export into place at ${target}: E[A-Z]+\\.$`))
    expect((await readdir(dir)).sort()).toEqual(['keep.txt', 'taken'])
  })

  it('accepts an async iterable', async () => {
    async function* events(): AsyncGenerator<AuditEvent> {
      for (const event of numberedEvents(3)) {
        await new Promise((resolve) => setImmediate(resolve))
        yield event
      }
    }
    const file = path.join(dir, 'async.ndjson')
    expect(await exportEvents(events(), file, { format: 'ndjson', timeZone: 'UTC' })).toEqual({ rows: 3 })
    const ids = (await readFile(file, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line).id)
    expect(ids).toEqual([1, 2, 3])
  })
})

describe('exportEvents to a stream', () => {
  it('waits for drain, so the sink never holds more than a chunk beyond its high-water mark', async () => {
    const sink = new SlowSink(16 * 1024)
    let pulled = 0
    function* counted(): Generator<AuditEvent> {
      for (const event of numberedEvents(20_000)) {
        pulled += 1
        // Rows are about 170 characters: the exporter reads ahead of what the sink has taken by
        // the chunk it is building plus the one the sink holds (2 × 64 KiB), not by the whole file.
        expect(pulled - sink.lines).toBeLessThan(1000)
        yield event
      }
    }
    const result = await exportEvents(counted(), sink, { format: 'csv', timeZone: 'Europe/Berlin' })
    expect(result).toEqual({ rows: 20_000 })
    expect(sink.maxBuffered).toBeLessThan(16 * 1024 + 70 * 1024)
    const lines = sink.text.split('\r\n')
    expect(lines).toHaveLength(20_002)
    expect(lines[20_000]!.startsWith('20000,2026-01-14T22:20:00.000+01:00,')).toBe(true)
    // The stream belongs to the caller (it may be stdout): it is not ended.
    expect(sink.writableEnded).toBe(false)
  })

  it('turns a failing stream into an IO error and closes the source', async () => {
    const sink = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('broken pipe'), { code: 'EPIPE' }))
      }
    })
    let closed = false
    const error = await expectAppError(
      exportEvents(numberedEvents(50_000, () => (closed = true)), sink, { format: 'ndjson', timeZone: 'UTC' }),
      'IO'
    )
    expect(error.message).toBe('Could not write the export to the output stream: EPIPE.')
    expect(closed).toBe(true)
  })

  it('does not hang when the stream is destroyed while it waits for drain', async () => {
    const sink = new Writable({
      highWaterMark: 1,
      write(_chunk, _encoding, _callback) {
        // Never completes: the export must wait for drain, then see the stream go away.
        setImmediate(() => sink.destroy())
      }
    })
    const error = await expectAppError(exportEvents(numberedEvents(10_000), sink, { format: 'csv', timeZone: 'UTC' }), 'IO')
    expect(error.message).toBe(
      'Could not write the export to the output stream: the stream was closed before the export finished.'
    )
  })
})

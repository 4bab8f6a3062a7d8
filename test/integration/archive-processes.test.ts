import type { ChildProcess } from 'node:child_process'
import { hostname } from 'node:os'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Archive } from '../../src/main/core/db/archive'
import { AppError } from '../../src/main/core/errors'
import { generateEvents, tempArchivePath, type TempDir } from './archive-fixtures'
import { fixturePath, jsonLines, spawnTsx, type JsonLines } from './fixtures/tsx-process'
import { killChildren } from './cli-helpers'

/** The archive shared by real processes: the sync lock, busy waits and reads beside a writer. */

interface Line {
  type: string
  pid: number
  acquired?: boolean
}

let temp: TempDir
let archive: Archive
let accountId: number
const children: ChildProcess[] = []
const me = { pid: process.pid, host: hostname() }

beforeEach(() => {
  temp = tempArchivePath()
  archive = Archive.open(temp.file)
  accountId = archive.addAccount({ name: 'hub', kind: 'dockerhub', url: 'https://hub.docker.com', options: {} }).id
})
afterEach(async () => {
  await killChildren(children)
  archive.close()
  temp.remove()
})

function start(...args: string[]): { child: ChildProcess; out: JsonLines } {
  const child = spawnTsx(fixturePath('archive-child.ts'), args)
  children.push(child)
  return { child, out: jsonLines(child) }
}

const ofType = (type: string) => (line: unknown) => (line as Line).type === type

describe('sync lock across processes', () => {
  it('is refused while a live process holds it, and free once that process releases it', async () => {
    const holder = start('lock', temp.file, String(accountId))
    expect(((await holder.out.waitFor(ofType('lock'))) as Line).acquired).toBe(true)
    expect(archive.acquireSyncLock(accountId, me)).toBe(false)
    expect(archive.syncLockHolder(accountId)).toMatchObject({ pid: holder.child.pid, host: me.host })
    holder.child.stdin!.write('release\n')
    await holder.out.waitFor(ofType('released'))
    expect(archive.acquireSyncLock(accountId, me)).toBe(true)
    archive.releaseSyncLock(accountId, me)
  })

  it('is taken over from a holder killed with SIGKILL', async () => {
    const holder = start('lock', temp.file, String(accountId))
    expect(((await holder.out.waitFor(ofType('lock'))) as Line).acquired).toBe(true)
    expect(archive.acquireSyncLock(accountId, me)).toBe(false)
    holder.child.kill('SIGKILL')
    expect((await holder.out.exited).signal).toBe('SIGKILL')
    expect(archive.acquireSyncLock(accountId, me)).toBe(true)
    expect(archive.syncLockHolder(accountId)).toMatchObject(me)
    archive.releaseSyncLock(accountId, me)
  })

  it('goes to exactly one of two processes asking at the same moment', async () => {
    const first = start('lock', temp.file, String(accountId))
    const second = start('lock', temp.file, String(accountId))
    const answers = (await Promise.all([first.out.waitFor(ofType('lock')), second.out.waitFor(ofType('lock'))])) as Line[]
    expect(answers.map((a) => a.acquired).sort()).toEqual([false, true])
    const winner = answers.find((a) => a.acquired)!
    expect(archive.syncLockHolder(accountId)?.pid).toBe(winner.pid)
  })
})

describe('two processes on one archive', () => {
  it("a write waits for another process's write transaction instead of failing", async () => {
    const writer = start('hold-write', temp.file, String(accountId), '400')
    await writer.out.waitFor(ofType('holding'))
    const stats = archive.writePage(accountId, 'auditlog', generateEvents(50, 8), { page: 1 })
    expect(stats).toEqual({ inserted: 50, duplicates: 0 })
    await writer.out.waitFor(ofType('committed'))
    expect(archive.getCursor(accountId, 'child')).toEqual({ by: 'child' })
    expect(archive.getCursor(accountId, 'auditlog')).toEqual({ page: 1 })
  })

  it('reads while another process holds an uncommitted write, then sees it once committed', async () => {
    archive.writePage(accountId, 'auditlog', generateEvents(30, 2), { page: 1 })
    const writer = start('hold-write', temp.file, String(accountId), '0')
    await writer.out.waitFor(ofType('holding'))
    expect(archive.queryEvents({ query: { includePull: true } }).rows).toHaveLength(30)
    expect(archive.countEvents({ includePull: true }).count).toBe(30)
    expect(archive.getCursor(accountId, 'child')).toBeNull()
    writer.child.stdin!.write('commit\n')
    await writer.out.waitFor(ofType('committed'))
    expect(archive.getCursor(accountId, 'child')).toEqual({ by: 'child' })
  })

  it('a write blocked past the busy timeout fails with ARCHIVE_LOCKED and stores nothing', async () => {
    const writer = start('hold-write', temp.file, String(accountId), '0')
    await writer.out.waitFor(ofType('holding'))
    let error: unknown
    try {
      archive.writePage(accountId, 'auditlog', generateEvents(5, 1), { page: 1 })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('ARCHIVE_LOCKED')
    writer.child.stdin!.write('commit\n')
    await writer.out.waitFor(ofType('committed'))
    expect(archive.countEvents({ includePull: true }).count).toBe(0)
    expect(archive.getCursor(accountId, 'auditlog')).toBeNull()
  }, 20_000)
})

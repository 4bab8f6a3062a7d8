import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { afterEach, expect, it } from 'vitest'
import { canonicalJson } from '../../src/main/core/canonical'
import { Archive } from '../../src/main/core/db/archive'
import { envVarName } from '../../src/main/core/secrets/token-store'
import { generateDockerHubEvents, seededRandom, type SimRecord } from '../sim/dockerhub-events'
import { startDockerHubSim, type DockerHubSim } from '../sim/dockerhub'
import { archivedRows, expectedSourceIds, recordMultiset, sorted } from './fixtures/sync-expectations'
import { fixturePath, jsonLines, spawnTsx, type JsonLines } from './fixtures/tsx-process'

/**
 * DESIGN.md §5: a sync killed with SIGKILL at any moment and started again ends with exactly the
 * source's events. A real child process syncs from a slowed simulator; the test kills it at a
 * random point, restarts it until a run completes, and compares the archive with the source.
 *
 * Each case prints its seed in its name. Replay one with KILL9_SEED=<seed> KILL9_RUNS=1; run more
 * kill points with KILL9_RUNS=50.
 */
const RUNS = Number(process.env.KILL9_RUNS ?? 5)
const BASE_SEED = Number(process.env.KILL9_SEED ?? Date.now() % 1_000_000)
const EVENTS = 620
const PAGE_SIZE = 100
const PAGE_DELAY_MS = 150
/** About one run's length: the pages, the boundary re-reads, the sign-in. */
const RUN_WINDOW_MS = Math.ceil(EVENTS / PAGE_SIZE + 3) * PAGE_DELAY_MS
const ACCOUNT = 'hub'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/**
 * The source: generated events plus runs of identical records in one second placed across page
 * boundaries, the case where losing or doubling is easiest.
 */
function sourceRecords(seed: number): SimRecord[] {
  const records = generateDockerHubEvents(EVENTS, seed, { org: 'acme' })
  for (const boundary of [PAGE_SIZE, 2 * PAGE_SIZE, 4 * PAGE_SIZE]) {
    const original = records[boundary - 1]!
    for (const i of [boundary - 2, boundary, boundary + 1]) records[i] = { ...original, data: { ...original.data } }
  }
  return records
}

type KillPoint =
  | { kind: 'after-spawn'; ms: number }
  | { kind: 'after-start'; ms: number }
  | { kind: 'after-page'; page: number; ms: number }

function killPointFor(random: () => number): KillPoint {
  const roll = random()
  if (roll < 0.2) return { kind: 'after-spawn', ms: Math.floor(random() * 900) }
  if (roll < 0.6) return { kind: 'after-start', ms: Math.floor(random() * RUN_WINDOW_MS) }
  return { kind: 'after-page', page: 1 + Math.floor(random() * Math.ceil(EVENTS / PAGE_SIZE)), ms: Math.floor(random() * 15) }
}

function describeKill(point: KillPoint): string {
  return point.kind === 'after-page' ? `${point.ms} ms after page ${point.page}` : `${point.ms} ms ${point.kind.replace('-', ' ')}`
}

interface Child {
  process: ChildProcess
  out: JsonLines
}

function startChild(file: string, sim: DockerHubSim): Child {
  const env = { ...process.env, [envVarName(ACCOUNT)]: sim.secret }
  const child = spawnTsx(fixturePath('sync-child.ts'), [file, sim.url, ACCOUNT, sim.org, sim.identifier], env)
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return { process: child, out: jsonLines(child) }
}

const isType = (type: string) => (line: unknown) => (line as { type?: string }).type === type

/** Waits for the kill point; false when the child ended first. */
async function reach(child: Child, point: KillPoint): Promise<boolean> {
  const ended = child.out.exited.then(() => 'ended' as const)
  const anchor =
    point.kind === 'after-spawn'
      ? Promise.resolve('reached' as const)
      : child.out
          .waitFor(point.kind === 'after-start' ? isType('start') : (line) => isType('page')(line) && (line as { pages: number }).pages === point.page)
          .then(
            () => 'reached' as const,
            () => 'ended' as const
          )
  if ((await Promise.race([anchor, ended])) === 'ended') return false
  await delay(point.ms)
  return child.process.exitCode === null && child.process.signalCode === null
}

for (let run = 0; run < RUNS; run++) {
  const seed = BASE_SEED + run
  it(`kill -9 mid-sync and restart: exactly the source's events (seed ${seed})`, async () => {
    const random = seededRandom(seed)
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kill9-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const file = path.join(dir, 'archive.sqlite')
    const sim = await startDockerHubSim({ records: sourceRecords(seed), pageDelayMs: PAGE_DELAY_MS, maxPageSize: PAGE_SIZE })
    cleanups.push(() => sim.close())
    const source = sim.events

    // The case must contain what it claims to test: identical records in one second, some of them
    // split by a page boundary.
    const ids = expectedSourceIds(source)
    expect(ids.some((id) => id.includes('#'))).toBe(true)
    expect(
      [PAGE_SIZE, 2 * PAGE_SIZE, 4 * PAGE_SIZE].some((b) => canonicalJson(source[b - 1]) === canonicalJson(source[b]))
    ).toBe(true)

    const archive = Archive.open(file)
    cleanups.push(() => archive.close())
    archive.addAccount({ name: ACCOUNT, kind: 'dockerhub', url: sim.url, options: { org: sim.org, username: sim.identifier } })
    const expectedIds = new Set(ids)

    const kills = 1 + Math.floor(random() * 2)
    const log: string[] = []
    let completed = false
    for (let attempt = 0; attempt < kills + 5 && !completed; attempt++) {
      const child = startChild(file, sim)
      if (attempt < kills) {
        const point = killPointFor(random)
        if (await reach(child, point)) {
          child.process.kill('SIGKILL')
          const exit = await child.out.exited
          expect(exit.signal).toBe('SIGKILL')
          // Whatever the moment, what is stored is whole: only source events, each id once.
          const rows = archivedRows(archive, ACCOUNT)
          log.push(`attempt ${attempt + 1}: killed ${describeKill(point)} with ${rows.length}/${source.length} stored`)
          expect(rows.filter((row) => !expectedIds.has(row.sourceEventId))).toEqual([])
          expect(new Set(rows.map((row) => row.sourceEventId)).size).toBe(rows.length)
          continue
        }
        log.push(`attempt ${attempt + 1}: ended before ${describeKill(point)}`)
      }
      const exit = await child.out.exited
      const last = child.out.lines.at(-1) as { type?: string; ok?: boolean; error?: unknown } | undefined
      expect(last, `${log.join('; ')}; stderr: ${exit.stderr}`).toMatchObject({ type: 'exit', ok: true })
      expect(exit.code).toBe(0)
      completed = true
    }
    expect(completed, log.join('; ')).toBe(true)
    // The kill points of this seed, for a reader of the log replaying a failure.
    console.info(`kill9 seed ${seed}: ${log.join('; ')}`)

    const rows = archivedRows(archive, ACCOUNT)
    expect(sorted(rows.map((row) => row.sourceEventId)), log.join('; ')).toEqual(sorted(ids))
    expect(recordMultiset(rows.map((row) => row.raw))).toEqual(recordMultiset(source))
    expect(archive.lastSyncRun(archive.getAccount(ACCOUNT)!.id)).toMatchObject({ status: 'ok' })
  })
}

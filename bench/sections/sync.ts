import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Archive } from '../../src/main/core/db/archive'
import { PageWriter } from '../../src/main/core/db/page-writer'
import { createConnector } from '../../src/main/core/sources/index'
import { syncAccount } from '../../src/main/core/sync/sync-account'
import type { PageRequest } from '../../src/shared/query'
import { round, summarise, type Timing } from '../tools/stats'

/**
 * Sync from the Docker Hub simulator (its own process, page size 100) into a copy of the
 * archive: events per second and this process's CPU per 1,000 events; then the query latency a
 * user sees while a sync writes, measured the way the app's core serves them: queries on the
 * core's thread and connection, the sync's pages written by a PageWriter (its own thread and
 * connection), as CoreRuntime does.
 */

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const SECRET = 'dckr_pat_SIMULATOR0000000000000000000'

interface Simulator {
  url: string
  org: string
  identifier: string
  child: ChildProcess
}

async function startSimulator(events: number, seed: number, org: string): Promise<Simulator> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO, 'test/sim/dockerhub.ts'), '--events', String(events), '--seed', String(seed), '--port', '0', '--org', org, '--secret', SECRET],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] }
  )
  const line = await new Promise<string>((resolve, reject) => {
    let buffer = ''
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk
      const end = buffer.indexOf('\n')
      if (end >= 0) resolve(buffer.slice(0, end))
    })
    child.once('exit', (code) => reject(new Error(`simulator exited (${code}) before it was ready`)))
  })
  const ready = JSON.parse(line) as { url: string; org: string; identifier: string }
  return { url: ready.url, org: ready.org, identifier: ready.identifier, child }
}

function stop(sim: Simulator): Promise<void> {
  return new Promise((resolve) => {
    if (sim.child.exitCode !== null) return resolve()
    sim.child.once('exit', () => resolve())
    sim.child.kill('SIGTERM')
  })
}

async function sync(
  archive: Archive,
  writer: PageWriter,
  sim: Simulator,
  name: string
): Promise<{ inserted: number; pages: number; ms: number; cpuMs: number }> {
  const account = archive.addAccount({ name, kind: 'dockerhub', url: sim.url, options: { org: sim.org, username: sim.identifier } })
  const cpu = process.cpuUsage()
  const started = performance.now()
  const summary = await syncAccount({
    archive,
    account,
    connector: createConnector(account),
    getToken: async () => SECRET,
    writePage: (accountId, stream, events, cursor) => writer.write(accountId, stream, events, cursor)
  })
  const used = process.cpuUsage(cpu)
  return { inserted: summary.inserted, pages: summary.pages, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 }
}

export interface SyncResult {
  events: number
  pages: number
  ms: number
  eventsPerSecond: number
  cpuMsPer1000: number
  latency: { idle: Timing; duringSync: Timing; queriesDuringSync: number; syncEventsPerSecond: number }
}

const LATENCY_QUERIES: PageRequest[] = [
  { query: {}, limit: 100 },
  { query: { verb: { any: ['DELETE'] } }, sort: { key: 'actor', dir: 'asc' }, limit: 100 },
  { query: { includePull: true, activity: { none: ['push'] } }, sort: { key: 'repository', dir: 'desc' }, limit: 100 }
]

/** Runs queries every `everyMs` until `until()` says stop; each latency counts from when it was due. */
async function queryLoop(archive: Archive, everyMs: number, until: () => boolean, minimum: number): Promise<number[]> {
  const latencies: number[] = []
  let due = performance.now() + everyMs
  for (let i = 0; !until() || i < minimum; i++) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())))
    archive.queryEvents(LATENCY_QUERIES[i % LATENCY_QUERIES.length]!)
    latencies.push(performance.now() - due)
    due = Math.max(due + everyMs, performance.now())
  }
  return latencies
}

export async function runSync(file: string, dir: string, options: { events: number; log: (line: string) => void }): Promise<SyncResult> {
  const copy = path.join(dir, 'sync-archive.db')
  copyFileSync(file, copy)
  const archive = Archive.open(copy)
  const writer = new PageWriter(copy)
  const sims: Simulator[] = []
  try {
    sims.push(await startSimulator(options.events, 101, 'benchsync'))
    const alone = await sync(archive, writer, sims[0]!, 'bench-sync')
    options.log(`    sync alone: ${alone.inserted} events in ${Math.round(alone.ms)} ms`)

    const idle = await queryLoop(archive, 25, () => true, 120)
    sims.push(await startSimulator(options.events, 202, 'benchsync2'))
    let running = true
    const during = sync(archive, writer, sims[1]!, 'bench-sync-2').finally(() => {
      running = false
    })
    const busy = await queryLoop(archive, 25, () => !running, 0)
    const second = await during
    return {
      events: alone.inserted,
      pages: alone.pages,
      ms: Math.round(alone.ms),
      eventsPerSecond: Math.round(alone.inserted / (alone.ms / 1000)),
      cpuMsPer1000: round((alone.cpuMs / alone.inserted) * 1000),
      latency: {
        idle: summarise(idle),
        duringSync: summarise(busy),
        queriesDuringSync: busy.length,
        syncEventsPerSecond: Math.round(second.inserted / (second.ms / 1000))
      }
    }
  } finally {
    await writer.close()
    archive.close()
    await Promise.all(sims.map(stop))
  }
}

import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { Archive } from '../../src/main/core/db/archive'
import { envVarName } from '../../src/main/core/secrets/token-store'
import { ibmEventId } from '../../src/main/core/sources/ibm-event'
import { startIbmSim } from '../sim/ibm'
import { archivedRows } from './fixtures/sync-expectations'
import { fixturePath, jsonLines, spawnTsx } from './fixtures/tsx-process'

/**
 * DESIGN.md §5 for the IBM connector: a sync in its own process, killed with SIGKILL right after a
 * slice was committed (mid-run, the cursor inside a run), then started again, ends with exactly
 * the instance's Container Registry events — nothing lost at the slice boundary, nothing twice.
 */

const ACCOUNT = 'icr'
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** The first committed slice that stored events. */
const storedSome = (line: unknown): boolean =>
  (line as { type?: string }).type === 'page' && (line as { inserted: number }).inserted > 0

it('kill -9 after a committed slice and restart: exactly the source events', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ibm-kill9-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'archive.sqlite')
  // Real clock: the events end two minutes ago. A few wide slices keep both runs under the ten
  // queries a minute the connector allows itself, so nothing waits a real minute.
  const sim = await startIbmSim({ events: 150, seed: 21, queriesPerMinute: Number.POSITIVE_INFINITY, queryDelayMs: 60 })
  cleanups.push(() => sim.close())
  const archive = Archive.open(file)
  cleanups.push(() => archive.close())
  // The child takes the account as stored (sync-child.ts adds one only when it is missing).
  archive.addAccount({ name: ACCOUNT, kind: 'ibm', url: sim.url, options: { region: 'de.icr.io', iamUrl: sim.url, queryLimit: 100, lookbackDays: 4 } })
  const env = { ...process.env, [envVarName(ACCOUNT)]: sim.apiKey }
  const start = () => {
    const child = spawnTsx(fixturePath('sync-child.ts'), [file, sim.url, ACCOUNT, '-', '-'], env)
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    })
    return { child, out: jsonLines(child) }
  }

  const first = start()
  await first.out.waitFor(storedSome)
  first.child.kill('SIGKILL')
  expect((await first.out.exited).signal).toBe('SIGKILL')
  const partial = archivedRows(archive, ACCOUNT)
  const expected = new Set(sim.registryEvents.map((event) => ibmEventId(event)))
  expect(partial.length).toBeGreaterThan(0)
  expect(partial.length).toBeLessThan(expected.size)
  expect(partial.every((row) => expected.has(row.sourceEventId))).toBe(true)

  const second = start()
  const exit = await second.out.waitFor((line) => (line as { type?: string }).type === 'exit')
  expect(exit).toMatchObject({ ok: true })
  const rows = archivedRows(archive, ACCOUNT)
  expect(rows.map((row) => row.sourceEventId).sort()).toEqual([...expected].sort())
})

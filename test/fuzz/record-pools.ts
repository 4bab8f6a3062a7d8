import { generateDockerHubEvents } from '../sim/dockerhub-events'
import { generateHarborRows } from '../sim/harbor-events'
import { harborRowJson } from '../sim/harbor'
import { generateIbmLogs } from '../sim/ibm-events'
import { generateMsrEvents } from '../sim/msr-events'
import { createRethinkChangefeed } from '../sim/notary-changefeed-store'
import { generateQuayLogs, toWireLog } from '../sim/quay-events'

/**
 * Valid records of every source, as the simulators (which follow the wire contracts) make them:
 * the starting points the fuzz generators mutate into valid-ish, almost-right input. Built once,
 * deterministically; callers deep-copy a record before mutating it.
 */

const END = Date.parse('2025-06-01T00:00:00Z')
const SIZE = 120

/** The records as JSON.parse would give them (what a parser receives). */
function json(value: unknown): readonly Record<string, unknown>[] {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>[]
}

export const DOCKERHUB_RECORDS: readonly Record<string, unknown>[] = json(generateDockerHubEvents(SIZE, 7, { org: 'acme' }))

export const MSR_EVENTS: readonly Record<string, unknown>[] = json(generateMsrEvents(SIZE, 7))

export const NOTARY_CHANGES: readonly Record<string, unknown>[] = (() => {
  const feed = createRethinkChangefeed({ now: () => END, seed: 7 })
  const guns = ['registry.example/acme/app', 'registry.example/acme/api', 'docker.io/library/alpine']
  for (let i = 0; i < SIZE; i++) feed.add(guns[i % guns.length]!, i % 9 === 8 ? 'deletion' : 'update', END - (SIZE - i) * 60_000)
  return json(feed.changes)
})()

/** IBM activity tracking events (what a Cloud Logs row's `user_data` holds, and an export line). */
export const IBM_EVENTS: readonly Record<string, unknown>[] = json(generateIbmLogs(SIZE, 7, { endTime: END }).map((log) => log.event))

export const HARBOR_RECORDS: readonly Record<string, unknown>[] = json(
  generateHarborRows(SIZE, 7).map((row, index) => harborRowJson({ ...row, id: index + 1 }, 'ext'))
)

export const QUAY_LOGS: readonly Record<string, unknown>[] = json(
  generateQuayLogs(SIZE, 7).map((log) => toWireLog(log, (name) => `${name}@example.com`))
)

/** A fresh deep copy of a pool record, safe to mutate. */
export function copyOf<T>(value: T): T {
  return structuredClone(value)
}

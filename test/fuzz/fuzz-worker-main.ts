import { parentPort, workerData } from 'node:worker_threads'
import { runFuzzTarget, type FuzzRunOptions } from './fuzz-runner'
import { allFuzzTargets } from './fuzz-targets'

/** What scripts/fuzz.ts hands a worker: one target and how to run it. */
export interface FuzzWorkerData extends Omit<FuzzRunOptions, 'heartbeat'> {
  name: string
  /** Float64Array over it: [input index, start time of that input]. */
  heartbeat: SharedArrayBuffer
}

const data = workerData as FuzzWorkerData
const target = allFuzzTargets().find((candidate) => candidate.name === data.name)
if (target === undefined) throw new Error(`no fuzz target named ${data.name}`)
const teardown = target.setup ? await target.setup() : undefined
try {
  const report = await runFuzzTarget(target, { ...data, heartbeat: new Float64Array(data.heartbeat) })
  parentPort?.postMessage(report)
} finally {
  await teardown?.()
}

/**
 * The full fuzz run (issue 6 §5): every parser — each source's page parser, the query and time
 * parsers, the import readers and importFile — with 100,000 generated inputs each by default.
 *
 *   node --import tsx scripts/fuzz.ts [--runs N] [--seed S] [--only a,b] [--jobs N]
 *                                     [--time-bound MS] [--hang MS] [--path P]
 *
 * Each target runs in its own worker thread, so a parser stuck in a loop is caught: a watchdog
 * reads the worker's heartbeat (which input, since when) and, after --hang ms on one input,
 * stops the worker and regenerates that input from the seed. Prints the inputs run per parser,
 * the slowest input, and for a failure the seed and path that replay it. Exit status 1 on any
 * failure. The CI-size run of the same targets is test/unit/fuzz-parsers.test.ts.
 */
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import type { FuzzWorkerData } from '../test/fuzz/fuzz-worker-main'
import { nthInput, printFuzzInput, type FuzzReport } from '../test/fuzz/fuzz-runner'
import { allFuzzTargets } from '../test/fuzz/fuzz-targets'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100000' },
    seed: { type: 'string' },
    only: { type: 'string' },
    jobs: { type: 'string', default: '2' },
    'time-bound': { type: 'string', default: '2000' },
    hang: { type: 'string', default: '60000' },
    path: { type: 'string' },
    help: { type: 'boolean', short: 'h' }
  }
})

if (values.help) {
  console.log('usage: node --import tsx scripts/fuzz.ts [--runs N] [--seed S] [--only a,b] [--jobs N] [--time-bound MS] [--hang MS] [--path P]')
  console.log(`targets: ${allFuzzTargets().map((target) => target.name).join(', ')}`)
  process.exit(0)
}

function positive(name: string, text: string | undefined): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 1) {
    console.error(`fuzz: --${name} must be a whole number of at least 1`)
    process.exit(2)
  }
  return value
}

const runs = positive('runs', values.runs)
const jobs = positive('jobs', values.jobs)
const timeBoundMs = positive('time-bound', values['time-bound'])
const hangMs = positive('hang', values.hang)
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed)
if (!Number.isSafeInteger(seed)) {
  console.error('fuzz: --seed must be a whole number')
  process.exit(2)
}
const all = allFuzzTargets()
const names = values.only?.split(',').map((name) => name.trim()) ?? all.map((target) => target.name)
const unknown = names.filter((name) => !all.some((target) => target.name === name))
if (unknown.length > 0) {
  console.error(`fuzz: no target named ${unknown.join(', ')}; targets: ${all.map((target) => target.name).join(', ')}`)
  process.exit(2)
}
if (values.path !== undefined && names.length !== 1) {
  console.error('fuzz: --path replays one failure: name its target with --only')
  process.exit(2)
}

const WORKER = new URL('../test/fuzz/fuzz-worker.mjs', import.meta.url)
const width = Math.max(...names.map((name) => name.length))

/** Runs one target in a worker, watching its heartbeat for a hang. */
function runInWorker(name: string): Promise<FuzzReport> {
  const heartbeat = new SharedArrayBuffer(2 * Float64Array.BYTES_PER_ELEMENT)
  const beat = new Float64Array(heartbeat)
  const data: FuzzWorkerData = { name, runs, seed, timeBoundMs, heartbeat, ...(values.path === undefined ? {} : { path: values.path }) }
  const worker = new Worker(WORKER, { workerData: data })
  const started = Date.now()
  return new Promise((resolve) => {
    let settled = false
    const finish = (report: FuzzReport): void => {
      if (settled) return
      settled = true
      clearInterval(watchdog)
      resolve(report)
    }
    const failure = (error: string, extra: Partial<FuzzReport> = {}): FuzzReport => ({
      name,
      covers: all.find((target) => target.name === name)?.covers ?? '',
      seed,
      inputs: Math.max(0, beat[0]! - 1),
      failed: true,
      error,
      slowestMs: Number.NaN,
      outcomes: {},
      totalMs: Date.now() - started,
      ...extra
    })
    const watchdog = setInterval(() => {
      const index = beat[0]!
      const since = beat[1]!
      if (index === 0 || Date.now() - since < hangMs) return
      void worker.terminate()
      const target = all.find((candidate) => candidate.name === name)!
      const shrinking = index > runs
      const input = shrinking ? undefined : nthInput(target, seed, index)
      finish(
        failure(`no answer within ${hangMs} ms on input #${index}${shrinking ? ' (while shrinking a failure)' : ''}: a hang`, {
          counterexample: input === undefined ? undefined : printFuzzInput(input)
        })
      )
    }, 500)
    worker.once('message', (report: FuzzReport) => finish(report))
    worker.once('error', (error) => finish(failure(`the worker crashed: ${error.stack ?? error.message}`)))
    worker.once('exit', (code) => finish(failure(`the worker exited (${code}) without a report`)))
  })
}

function line(report: FuzzReport): string {
  const status = report.failed ? 'FAILED' : 'ok'
  const slowest = Number.isNaN(report.slowestMs) ? '—' : `${report.slowestMs} ms`
  const outcomes = Object.entries(report.outcomes)
    .map(([outcome, count]) => `${outcome} ${count}`)
    .join(', ')
  return `${report.name.padEnd(width)}  ${report.inputs.toLocaleString('en-US').padStart(9)} inputs  ${status.padEnd(6)}  slowest ${slowest.padStart(9)}  ${(report.totalMs / 1000).toFixed(1)} s${outcomes === '' ? '' : `  (${outcomes})`}`
}

console.log(`fuzzing ${names.length} parsers, ${runs.toLocaleString('en-US')} inputs each, seed ${seed}, ${jobs} at a time, per-input bound ${timeBoundMs} ms`)
const reports: FuzzReport[] = []
const queue = [...names]
await Promise.all(
  Array.from({ length: Math.min(jobs, queue.length) }, async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const report = await runInWorker(name)
      reports.push(report)
      console.log(line(report))
      if (report.failed) {
        console.log(`  error: ${report.error}`)
        if (report.counterexample !== undefined) console.log(`  input: ${report.counterexample}`)
        const replay = report.path === undefined ? '' : ` --path ${report.path}`
        console.log(`  replay: node --import tsx scripts/fuzz.ts --only ${report.name} --seed ${report.seed}${replay}`)
      }
    }
  })
)

const failed = reports.filter((report) => report.failed)
const total = reports.reduce((sum, report) => sum + report.inputs, 0)
console.log('')
console.log('parser'.padEnd(width), ' inputs fuzzed   result')
for (const name of names) {
  const report = reports.find((candidate) => candidate.name === name)!
  console.log(`${name.padEnd(width)}  ${report.inputs.toLocaleString('en-US').padStart(13)}   ${report.failed ? 'FAILED' : 'no failure'}`)
}
console.log(`${'total'.padEnd(width)}  ${total.toLocaleString('en-US').padStart(13)}   ${failed.length} failed (seed ${seed})`)
process.exit(failed.length > 0 ? 1 : 0)

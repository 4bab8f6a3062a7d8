import fc from 'fast-check'
import type { FuzzOutcome, FuzzTarget } from './fuzz-target'
import { expectNoPrototypePollution, FuzzFailure } from './fuzz-oracle'

/**
 * Runs one fuzz target with fast-check: `runs` inputs from `seed`, each judged by the target and
 * timed against a per-input bound, the shared prototypes checked after each. A failure is shrunk
 * and reported with the seed and path that replay it (`--seed S --path P`).
 */

export interface FuzzRunOptions {
  runs: number
  seed: number
  /** An input taking longer than this fails the run (a parser that is slow on some input is a hang in waiting). */
  timeBoundMs: number
  /** Replays one failure: the counterexample path fast-check printed. */
  path?: string
  /**
   * Written before each input: [index of the input, Date.now() at its start]. A watchdog in another
   * thread reads it to tell a hang from a slow run, and which input hung.
   */
  heartbeat?: Float64Array
}

export interface FuzzReport {
  name: string
  covers: string
  seed: number
  /** Inputs generated and run (shrinking runs not counted). */
  inputs: number
  failed: boolean
  /** The shrunk failing input, printed (cut to 2,000 characters). */
  counterexample?: string
  /** fast-check's path to the failing input, for `--path`. */
  path?: string
  error?: string
  /** The slowest input's time, in ms. */
  slowestMs: number
  /** How many inputs came to what (targets that say). */
  outcomes: Partial<Record<FuzzOutcome, number>>
  totalMs: number
}

function printed(value: unknown): string {
  const text = fc.stringify(value)
  return text.length > 2000 ? `${text.slice(0, 2000)}… (${text.length} characters)` : text
}

export async function runFuzzTarget<T>(target: FuzzTarget<T>, options: FuzzRunOptions): Promise<FuzzReport> {
  const started = performance.now()
  let slowestMs = 0
  // Counts every call: past `runs`, fast-check is shrinking a failure.
  let calls = 0
  const outcomes: Partial<Record<FuzzOutcome, number>> = {}
  const property = fc.asyncProperty(target.arbitrary, async (input) => {
    calls++
    if (options.heartbeat) {
      options.heartbeat[0] = calls
      options.heartbeat[1] = Date.now()
    }
    const begin = performance.now()
    const outcome = await target.run(input)
    const ms = performance.now() - begin
    if (outcome !== undefined && calls <= options.runs) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
    if (calls <= options.runs && ms > slowestMs) slowestMs = ms
    expectNoPrototypePollution(target.name)
    const bound = Math.max(options.timeBoundMs, target.timeBoundMs ?? 0)
    if (ms > bound) throw new FuzzFailure(`${target.name} took ${Math.round(ms)} ms on one input (bound ${bound} ms)`)
  })
  const details = await fc.check(property, {
    seed: options.seed,
    numRuns: options.runs,
    ...(options.path === undefined ? {} : { path: options.path })
  })
  const report: FuzzReport = {
    name: target.name,
    covers: target.covers,
    seed: options.seed,
    inputs: details.failed ? details.numRuns : Math.min(calls, options.runs),
    failed: details.failed,
    slowestMs: Math.round(slowestMs * 10) / 10,
    outcomes,
    totalMs: Math.round(performance.now() - started)
  }
  if (details.failed) {
    report.counterexample = details.counterexample === null ? undefined : printed(details.counterexample[0])
    report.path = details.counterexamplePath ?? undefined
    const error = details.errorInstance
    report.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  }
  return report
}

/** Regenerates the `index`-th input (1-based) of a run from its seed, without running the target: for a hang report. */
export function nthInput<T>(target: FuzzTarget<T>, seed: number, index: number): T | undefined {
  let seen = 0
  let found: T | undefined
  fc.check(
    fc.property(target.arbitrary, (input) => {
      seen++
      if (seen === index) found = input
      return true
    }),
    { seed, numRuns: index }
  )
  return found
}

export { printed as printFuzzInput }

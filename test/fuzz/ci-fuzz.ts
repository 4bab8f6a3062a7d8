import { expect, it } from 'vitest'
import type { SomeFuzzTarget } from './fuzz-target'
import { runFuzzTarget } from './fuzz-runner'

/**
 * The CI-size fuzz run: the same targets as scripts/fuzz.ts, a thousand inputs each from a fixed
 * seed (deterministic), FUZZ_RUNS and FUZZ_SEED to change either. The per-input bound is looser
 * than the script's, since CI machines run other tests beside it; a hang is far beyond it.
 */

export const CI_FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 1000)
export const CI_FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20260101)
const TIME_BOUND_MS = 5000

/** One `it` per target: every input returns or throws a typed error, none is slow. */
export function fuzzEach(targets: readonly SomeFuzzTarget[]): void {
  for (const target of targets) {
    it(`${target.name}: ${CI_FUZZ_RUNS} inputs, no crash, only typed errors (${target.covers})`, async () => {
      const teardown = target.setup ? await target.setup() : undefined
      try {
        const report = await runFuzzTarget(target, { runs: CI_FUZZ_RUNS, seed: CI_FUZZ_SEED, timeBoundMs: TIME_BOUND_MS })
        const replay = `node --import tsx scripts/fuzz.ts --only ${target.name} --seed ${report.seed}${report.path ? ` --path ${report.path}` : ''}`
        expect(report.failed, `${report.error}\ninput: ${report.counterexample}\nreplay: ${replay}`).toBe(false)
        expect(report.inputs).toBe(CI_FUZZ_RUNS)
      } finally {
        await teardown?.()
      }
    }, 180_000)
  }
}

/** Timing helpers for the benchmarks: percentiles, CPU-time measurement and rounding for reports. */

export interface Timing {
  /** Runs measured. */
  n: number
  p50: number
  p95: number
  mean: number
  max: number
}

/** Nearest-rank percentile of `values` (any order), `p` in [0, 100]. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!
}

export function summarise(values: readonly number[]): Timing {
  return {
    n: values.length,
    p50: round(percentile(values, 50)),
    p95: round(percentile(values, 95)),
    mean: round(values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)),
    max: round(Math.max(...values))
  }
}

/** Milliseconds of wall time and of this process's CPU time (user + system) that `work` took. */
export function measure<T>(work: () => T): { wallMs: number; cpuMs: number; value: T } {
  const cpu = process.cpuUsage()
  const start = performance.now()
  const value = work()
  const wallMs = performance.now() - start
  const used = process.cpuUsage(cpu)
  return { wallMs, cpuMs: (used.user + used.system) / 1000, value }
}

/** 3 significant decimals for small values, fewer for large ones: readable and stable in JSON. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value
  const abs = Math.abs(value)
  const digits = abs >= 100 ? 1 : abs >= 10 ? 2 : 3
  return Number(value.toFixed(digits))
}

export function ratio(a: number, b: number): number {
  return b > 0 ? round(a / b) : Number.NaN
}

export interface RepeatOptions {
  warmup: number
  /** Runs always measured (at least one). */
  minRuns: number
  /** Runs measured at most. */
  maxRuns: number
  /** After minRuns, stop once the measured runs took this long in all. */
  budgetMs: number
}

/**
 * Runs `work` `warmup` times unmeasured, then measures it between minRuns and maxRuns times,
 * stopping early once budgetMs is spent: cheap operations get many samples for a stable p95,
 * slow ones a few, and the whole benchmark stays within its time. A warm-up run that alone
 * takes longer than budgetMs is measured and ends the repetition (one sample of seconds-long work).
 */
export function repeat<T>(work: () => T, options: RepeatOptions): { wallMs: number[]; cpuMs: number[]; last: T } {
  let last: T | undefined
  const wallMs: number[] = []
  const cpuMs: number[] = []
  let spent = 0
  for (let i = 0; i < options.warmup; i++) {
    const timed = measure(work)
    last = timed.value
    // Seconds-long work gains nothing from warming up: that run counts, and the rest is spared.
    if (options.budgetMs > 0 && timed.wallMs > options.budgetMs) {
      wallMs.push(timed.wallMs)
      cpuMs.push(timed.cpuMs)
      return { wallMs, cpuMs, last: last as T }
    }
  }
  while (wallMs.length < Math.max(1, options.minRuns) || (wallMs.length < options.maxRuns && spent < options.budgetMs)) {
    const timed = measure(work)
    wallMs.push(timed.wallMs)
    cpuMs.push(timed.cpuMs)
    spent += timed.wallMs
    last = timed.value
  }
  return { wallMs, cpuMs, last: last as T }
}

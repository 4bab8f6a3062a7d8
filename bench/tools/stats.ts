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

/**
 * Seeded sampling helpers for the benchmark workload: a PRNG and Zipf-distributed picks, so a few
 * actors and repositories take most events and a long tail takes the rest.
 */

export { seededRandom } from '../../test/sim/dockerhub-events'

/** Draws an index in [0, n) with P(i) ∝ 1 / (i + 1)^exponent. */
export class ZipfSampler {
  private readonly cumulative: Float64Array

  constructor(
    readonly size: number,
    exponent: number
  ) {
    if (!Number.isSafeInteger(size) || size < 1) throw new Error(`ZipfSampler: size ${size} must be a whole number ≥ 1`)
    this.cumulative = new Float64Array(size)
    let sum = 0
    for (let i = 0; i < size; i++) {
      sum += 1 / Math.pow(i + 1, exponent)
      this.cumulative[i] = sum
    }
    for (let i = 0; i < size; i++) this.cumulative[i]! /= sum
  }

  /** `u` uniform in [0, 1). */
  pick(u: number): number {
    let lo = 0
    let hi = this.size - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.cumulative[mid]! > u) hi = mid
      else lo = mid + 1
    }
    return lo
  }
}

/** Picks a key from `weights` (not necessarily normalised), `u` uniform in [0, 1). */
export class WeightedPicker<T> {
  private readonly items: T[]
  private readonly cumulative: number[]

  constructor(weights: ReadonlyArray<readonly [T, number]>) {
    this.items = weights.map(([item]) => item)
    let sum = 0
    this.cumulative = weights.map(([, weight]) => (sum += weight))
    this.cumulative = this.cumulative.map((value) => value / sum)
  }

  pick(u: number): T {
    for (let i = 0; i < this.cumulative.length; i++) if (u < this.cumulative[i]!) return this.items[i]!
    return this.items[this.items.length - 1]!
  }
}

const HEX = '0123456789abcdef'

/** `length` lowercase hex characters from `random`. */
export function randomHex(random: () => number, length: number): string {
  let out = ''
  while (out.length < length) {
    const word = Math.floor(random() * 0x100000000)
    for (let shift = 28; shift >= 0 && out.length < length; shift -= 4) out += HEX[(word >>> shift) & 15]
  }
  return out
}

/** A version-4-shaped UUID from `random`. */
export function randomUuid(random: () => number): string {
  const h = randomHex(random, 32)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

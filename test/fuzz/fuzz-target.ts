import type fc from 'fast-check'

/** What one input came to, tallied in the report. */
export type FuzzOutcome = 'refused' | 'accepted' | 'accepted, empty' | 'partly refused'

/** One parser under fuzzing: how its inputs are made and how one input is run and judged. */
export interface FuzzTarget<T> {
  /** Short and stable: the script's `--only` and the report use it. */
  name: string
  /** The functions the target drives, for the report. */
  covers: string
  arbitrary: fc.Arbitrary<T>
  /**
   * Runs one input; throws FuzzFailure (or anything unexpected) when the parser broke its contract.
   * May name what happened (`refused`, `accepted`), so the report shows how deep inputs got.
   */
  run(input: T): FuzzOutcome | void | Promise<FuzzOutcome | void>
  /** A larger per-input bound for a target that does real I/O (files, SQLite); the run's bound otherwise. */
  timeBoundMs?: number
  /** Once per process before the first run (a temp archive); returns the teardown. */
  setup?(): Promise<() => Promise<void>>
}

/** A target whose input type is erased, for lists of targets: its inputs never leave it. */
export type SomeFuzzTarget = FuzzTarget<unknown>

export function eraseInput<T>(target: FuzzTarget<T>): SomeFuzzTarget {
  return target as unknown as SomeFuzzTarget
}

import type { ErrorCode } from '../../src/shared/errors'
import type { NormalisedEvent } from '../../src/shared/event'
import { AppError } from '../../src/main/core/errors'
import { normalisedEventSchema } from '../../src/main/core/import/import-source'

/**
 * What every fuzzed call must satisfy, whatever its input: it returns, or it throws one of the
 * typed errors its contract names — never a TypeError, a RangeError or an untyped Error — and
 * anything it returns is something the archive can store and export.
 */

/** A broken promise of a parser, with what was expected. */
export class FuzzFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'FuzzFailure'
  }
}

/** Error messages go to a one-line CLI error and a notification: short, and free of characters that reorder or hide text. */
export const MAX_MESSAGE_LENGTH = 1000
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_MESSAGE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/

/** Years 0000–9999, what exports and the UI can print. */
const MIN_INSTANT = -62_167_219_200_000
const MAX_INSTANT = 253_402_300_799_999

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message.slice(0, 300)}`
  return `a thrown ${typeof error}: ${String(error).slice(0, 100)}`
}

/** Checks a message's shape (length, no control or bidi characters). */
export function expectCleanMessage(error: Error, what: string): void {
  if (error.message.trim() === '') throw new FuzzFailure(`${what}: ${error.name} with an empty message`)
  if (error.message.length > MAX_MESSAGE_LENGTH) {
    throw new FuzzFailure(`${what}: ${error.name} message of ${error.message.length} characters (> ${MAX_MESSAGE_LENGTH}): ${error.message.slice(0, 200)}…`)
  }
  const unsafe = UNSAFE_IN_MESSAGE.exec(error.message)
  if (unsafe) {
    throw new FuzzFailure(
      `${what}: ${error.name} message holds U+${unsafe[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${unsafe.index}: ${JSON.stringify(error.message.slice(0, 200))}`
    )
  }
}

/** Rethrows unless `error` is an AppError with one of `codes` and a clean message. */
export function expectAppError(error: unknown, codes: readonly ErrorCode[], what: string): void {
  if (error instanceof FuzzFailure) throw error
  if (!(error instanceof AppError)) throw new FuzzFailure(`${what} threw ${describe(error)} instead of an AppError`, { cause: error })
  if (!codes.includes(error.code)) throw new FuzzFailure(`${what} threw AppError ${error.code} (${error.message.slice(0, 200)}), expected ${codes.join(' or ')}`)
  expectCleanMessage(error, what)
}

/** Rethrows unless `error` is an instance of `type` (exactly that class or a subclass) with a clean message. */
export function expectErrorOf(error: unknown, type: abstract new (...args: never[]) => Error, what: string): void {
  if (error instanceof FuzzFailure) throw error
  if (!(error instanceof type)) throw new FuzzFailure(`${what} threw ${describe(error)} instead of a ${type.name}`, { cause: error })
  expectCleanMessage(error, what)
}

/**
 * For readers whose contract is "throw an Error whose message is the reason" (import row readers):
 * an AppError or a plain Error; never a TypeError, RangeError or SyntaxError, which mean a crash.
 */
export function expectReasonError(error: unknown, what: string): void {
  if (error instanceof FuzzFailure) throw error
  if (!(error instanceof Error) || (error.constructor !== Error && !(error instanceof AppError))) {
    throw new FuzzFailure(`${what} threw ${describe(error)} instead of an AppError or a plain Error with a reason`, { cause: error })
  }
  expectCleanMessage(error, what)
}

/** A normalised event the archive will store and every export can print. */
export function expectStorable(event: NormalisedEvent, what: string): void {
  const checked = normalisedEventSchema.safeParse(event)
  if (!checked.success) {
    throw new FuzzFailure(`${what} returned an event the archive cannot store: ${checked.error.issues[0]?.path.join('.')} ${checked.error.issues[0]?.message}`)
  }
  if (event.occurred_at < MIN_INSTANT || event.occurred_at > MAX_INSTANT) {
    throw new FuzzFailure(`${what} returned occurred_at ${event.occurred_at}, outside the years 0000–9999 that exports print`)
  }
}

const OBJECT_PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort().join(',')
const ARRAY_PROTOTYPE_KEYS = Object.getOwnPropertyNames(Array.prototype).sort().join(',')

/** Fails when an input has added or replaced anything on the shared prototypes. */
export function expectNoPrototypePollution(what: string): void {
  const probe = {} as Record<string, unknown>
  if (
    Object.getOwnPropertyNames(Object.prototype).sort().join(',') !== OBJECT_PROTOTYPE_KEYS ||
    Object.getOwnPropertyNames(Array.prototype).sort().join(',') !== ARRAY_PROTOTYPE_KEYS ||
    probe['a'] !== undefined ||
    Object.getPrototypeOf(probe) !== Object.prototype
  ) {
    throw new FuzzFailure(`${what} polluted a shared prototype`)
  }
}

import type { ErrorCode, ErrorInfo } from '../../shared/errors'

/**
 * The one error type the core throws. `message` is a complete sentence for a user and must never
 * contain a secret; `account` names the account it concerns, when there is one.
 */
export class AppError extends Error {
  readonly code: ErrorCode
  readonly account: string | undefined
  /** HTTP status, when the error came from a response. */
  readonly status: number | undefined

  constructor(
    code: ErrorCode,
    message: string,
    options: { account?: string; status?: number; cause?: unknown } = {}
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'AppError'
    this.code = code
    this.account = options.account
    this.status = options.status
  }

  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message }
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError
}

/** Wraps anything thrown into an AppError, keeping typed errors as they are. */
export function toAppError(value: unknown, fallback: ErrorCode = 'INTERNAL'): AppError {
  if (value instanceof AppError) return value
  const message = value instanceof Error ? value.message : String(value)
  return new AppError(fallback, message, { cause: value })
}

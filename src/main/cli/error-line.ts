import type { ErrorCode } from '../../shared/errors'
import { isAppError } from '../core/errors'
import { inertText } from './terminal-text'

/**
 * Turning any failure into the CLI's one line on stderr: `registry-audit: <account>: <cause>`.
 * The cause starts with the kind of failure in plain words, so a cron mail says at a glance
 * whether the token, the network or the server is at fault.
 */

export const PROGRAM = 'registry-audit'

/**
 * Plain words for each kind of failure, leading the line unless the message already says it
 * (the pattern: "bad response from docker hub" needs no "bad response from the server" before it).
 */
const CAUSES: Partial<Record<ErrorCode, [phrase: string, alreadySaid: RegExp]>> = {
  AUTH_FAILED: ['authentication failed', /authentication failed/i],
  PERMISSION: ['permission denied', /permission|not allowed|forbidden/i],
  RATE_LIMITED: ['rate limited', /rate limit/i],
  NETWORK: ['network error', /network/i],
  TIMEOUT: ['timed out', /timed out|time-out|timeout/i],
  TLS: ['TLS error', /\bTLS\b|certificate/i],
  BAD_RESPONSE: ['bad response from the server', /bad response/i],
  NO_TOKEN: ['no token', /no token/i],
  KEYCHAIN: ['keychain error', /keychain/i],
  SCHEMA_TOO_NEW: ['archive too new', /newer/i],
  ARCHIVE_DAMAGED: ['archive damaged', /damaged|corrupt/i],
  ARCHIVE_LOCKED: ['archive locked', /locked/i],
  INTERNAL: ['internal error', /internal error/i]
}

/** What to append for a failure the user can fix from the command line. */
const HINTS: Partial<Record<ErrorCode, (account: string) => string>> = {
  AUTH_FAILED: (account) => `to replace the token: ${PROGRAM} account set-token ${account}`,
  NO_TOKEN: (account) => `to set one: ${PROGRAM} account set-token ${account}`
}

export interface ErrorLineOptions {
  /** Strings that must never be printed (tokens this run has seen); replaced by `[redacted]`. */
  secrets?: Iterable<string>
  /** REGISTRY_AUDIT_DEBUG=1: the stack and causes follow the line. */
  debug?: boolean
}

/** The message of any error, as one line ready for stderr (with a trailing newline). */
export function formatErrorLine(error: unknown, options: ErrorLineOptions = {}): string {
  let line: string
  if (isAppError(error)) {
    const account = error.account
    let message = error.message
    // Messages often begin with the account name already ("hub: ..."); say it once.
    if (account !== undefined && message.startsWith(`${account}: `)) message = message.slice(account.length + 2)
    const cause = CAUSES[error.code]
    if (cause !== undefined && !cause[1].test(message)) message = `${cause[0]}: ${message}`
    const hint = account === undefined ? undefined : HINTS[error.code]?.(account)
    if (hint !== undefined && !message.includes(`${PROGRAM} account`)) message = `${message} — ${hint}`
    line = account === undefined ? message : `${account}: ${message}`
  } else {
    line = `internal error: ${error instanceof Error ? error.message : String(error)}`
  }
  let text = `${PROGRAM}: ${inertText(oneLine(line))}\n`
  if (options.debug === true) text += debugDetails(error)
  return redact(text, options.secrets)
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim()
}

function debugDetails(error: unknown): string {
  const lines: string[] = []
  let current: unknown = error
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    lines.push(current instanceof Error ? (current.stack ?? current.message) : String(current))
    current = current instanceof Error ? current.cause : undefined
    if (current !== undefined && current !== null) lines.push('caused by:')
  }
  return lines.map((line) => line.split('\n').map(inertText).join('\n') + '\n').join('')
}

/** Replaces every occurrence of each secret (at least 4 characters long) by `[redacted]`. */
export function redact(text: string, secrets: Iterable<string> | undefined): string {
  if (secrets === undefined) return text
  let out = text
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]')
  }
  return out
}

import { Entry, type EntryOptions } from '@napi-rs/keyring'
import { ACCOUNT_NAME_PATTERN } from '../../../shared/account'
import { AppError } from '../errors'

/** The keychain service every account's token is stored under. */
export const KEYCHAIN_SERVICE = 'registry-audit-viewer'

/** `REGISTRY_AUDIT_TOKEN_<ACCOUNT>` supplies a token for one run without storing it (cron). */
export const TOKEN_ENV_PREFIX = 'REGISTRY_AUDIT_TOKEN_'

/** Where a token was found. */
export type TokenSource = 'env' | 'keychain' | 'session'
export type TokenStatus = TokenSource | 'missing'

export interface StoredToken {
  token: string
  source: TokenSource
}

export interface TokenSetResult {
  /** `session`: the keychain refused, so the token lives only as long as this process. */
  storage: 'keychain' | 'session'
  /** Why the keychain was not used (never contains the token). */
  reason?: string
}

export interface TokenStoreOptions {
  /** Keychain service name; default `registry-audit-viewer`. Tests use a unique one per run. */
  service?: string
  /** Where `REGISTRY_AUDIT_TOKEN_*` is read from; default `process.env`. */
  env?: NodeJS.ProcessEnv
}

/**
 * On Linux the library silently falls back from the Secret Service to the kernel keyring, which
 * is in-memory and lost at reboot. Reporting that as "keychain" would be a lie to the user, so we
 * require the Secret Service and treat its absence as "no keychain" (session storage, said so).
 * The option is ignored on macOS and Windows.
 */
const ENTRY_OPTIONS: EntryOptions = { linux: { store: 'secret-service' } }

/** Not a valid account name (starts with "."), so the probe can never clash with a real entry. */
const PROBE_ACCOUNT = '.keychain-probe'

/** The environment variable that overrides an account's token: name upper-cased, others as `_`. */
export function envVarName(account: string): string {
  return TOKEN_ENV_PREFIX + account.toUpperCase().replace(/[^A-Z0-9]/g, '_')
}

/**
 * Account tokens: the OS keychain through @napi-rs/keyring, one service, keyed by account name;
 * a process-memory map when no keychain is reachable; an environment variable above both.
 * Nothing here ever puts a token into an error message.
 */
export class TokenStore {
  readonly service: string
  private readonly env: NodeJS.ProcessEnv
  private readonly session = new Map<string, string>()
  private probed: boolean | undefined

  constructor(options: TokenStoreOptions = {}) {
    this.service = options.service ?? KEYCHAIN_SERVICE
    this.env = options.env ?? process.env
  }

  /** Whether the OS keychain answers; asked once per store, on first need. */
  keychainAvailable(): boolean {
    if (this.probed === undefined) {
      try {
        new Entry(this.service, PROBE_ACCOUNT, ENTRY_OPTIONS).getPassword()
        this.probed = true
      } catch {
        // Unavailable is an answer, not a failure: callers fall back to session storage and say so.
        this.probed = false
      }
    }
    return this.probed
  }

  /** Stores the account's token in the keychain, or for this process only when it refuses. */
  set(account: string, token: string): TokenSetResult {
    const value = checkToken(account, token)
    if (!this.keychainAvailable()) {
      this.session.set(account, value)
      return { storage: 'session', reason: 'no OS keychain is available' }
    }
    try {
      this.entry(account).setPassword(value)
    } catch (error) {
      this.session.set(account, value)
      return { storage: 'session', reason: `the OS keychain refused it: ${describe(error, value)}` }
    }
    this.session.delete(account)
    return { storage: 'keychain' }
  }

  /**
   * The account's token: the environment variable first, then one held for this session (newer
   * than the keychain's, as it exists only because the keychain refused a set), then the keychain.
   */
  get(account: string): StoredToken | undefined {
    checkAccount(account)
    const fromEnv = this.env[envVarName(account)]?.trim()
    if (fromEnv !== undefined && fromEnv !== '') return { token: fromEnv, source: 'env' }
    const fromSession = this.session.get(account)
    if (fromSession !== undefined) return { token: fromSession, source: 'session' }
    const fromKeychain = this.readKeychain(account)
    return fromKeychain === null ? undefined : { token: fromKeychain, source: 'keychain' }
  }

  /** Removes the stored token (session and keychain); true if there was one. */
  delete(account: string): boolean {
    checkAccount(account)
    const hadSession = this.session.delete(account)
    if (!this.keychainAvailable()) return hadSession
    try {
      return this.entry(account).deleteCredential() || hadSession
    } catch (error) {
      throw keychainError(account, 'delete the token of', error)
    }
  }

  /** Where `get` would find the token, without returning it. */
  status(account: string): TokenStatus {
    return this.get(account)?.source ?? 'missing'
  }

  private readKeychain(account: string): string | null {
    if (!this.keychainAvailable()) return null
    try {
      return this.entry(account).getPassword()
    } catch (error) {
      throw keychainError(account, 'read the token of', error)
    }
  }

  private entry(account: string): Entry {
    return new Entry(this.service, account, ENTRY_OPTIONS)
  }
}

/**
 * The token as it would be stored (trimmed), or INVALID_INPUT: the same check set() makes, for
 * callers that must know before they change anything else.
 */
export function checkToken(account: string, token: string): string {
  checkAccount(account)
  const value = token.trim()
  if (value === '') throw new AppError('INVALID_INPUT', `the token for ${account} is empty`, { account })
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new AppError('INVALID_INPUT', `the token for ${account} contains control characters`, { account })
  }
  return value
}

function checkAccount(account: string): void {
  if (!ACCOUNT_NAME_PATTERN.test(account)) {
    throw new AppError('INVALID_INPUT', `"${account.slice(0, 80)}" is not a valid account name`)
  }
}

function keychainError(account: string, what: string, error: unknown): AppError {
  // No `cause`: the library's error object is not ours to vouch for, so only the scrubbed text goes on.
  return new AppError('KEYCHAIN', `could not ${what} ${account} in the OS keychain: ${describe(error)}`, {
    account
  })
}

/** The library's message, with the secret cut out should it ever appear, kept to one short line. */
function describe(error: unknown, secret?: string): string {
  let text = error instanceof Error ? error.message : String(error)
  if (secret !== undefined && secret !== '') text = text.split(secret).join('[redacted]')
  text = text.replace(/\s+/g, ' ').trim()
  return text.length > 300 ? `${text.slice(0, 300)}…` : text
}

import fs from 'node:fs'
import type { ZodType } from 'zod'
import {
  accountNameSchema,
  DEFAULT_URLS,
  dockerHubOptionsSchema,
  sourceKindSchema,
  type Account
} from '../../shared/account'
import { harborOptionsSchema } from '../../shared/account-options/harbor'
import { ibmOptionsSchema } from '../../shared/account-options/ibm'
import { msrOptionsSchema } from '../../shared/account-options/msr'
import { notaryOptionsSchema } from '../../shared/account-options/notary'
import { quayOptionsSchema } from '../../shared/account-options/quay'
import type { ConnectionTestReport, ExportFormat, SyncElsewhere, SyncRunSummary, TokenStorage } from '../../shared/contract'
import { ERROR_CODES, type ErrorCode } from '../../shared/errors'
import type { AuditEvent, SourceKind } from '../../shared/event'
import type { ImportFormatChoice, ImportReport } from '../../shared/import'
import {
  DEFAULT_SORT,
  MAX_PAGE_SIZE,
  type EventQuery,
  type EventSort,
  type FacetField,
  type PageRequest
} from '../../shared/query'
import type { SyncAccountResult, SyncProgress } from '../../shared/sync'
import { openArchiveGuarded, type GuardedArchive } from './db/archive-guard'
import type { EventCount, EventPage, FacetCounts, NewAccount, SyncRun } from './db/archive-types'
import { isHeldByOtherLiveProcess } from './db/sync-lock'
import { AppError, toAppError } from './errors'
import { exportEvents as writeExport } from './export/export-events'
import { importFile } from './import/import-file'
import { InvestigationDb } from './investigate/investigation-db'
import { Investigator } from './investigate/investigator'
import { archivePath } from './paths'
import { checkToken, envVarName, TokenStore, type TokenStatus as StoredTokenStatus } from './secrets/token-store'
import { FILE_ACCOUNT_URL, fileOptionsSchema } from '../../shared/account-options/file'
import { createConnector } from './sources/index'
import { currentLockOwner, syncAccounts, type PageWriteFn } from './sync/sync-account'

/**
 * The core's one entry object (DESIGN.md §4): what the CLI calls in-process, and what the
 * desktop app's IPC and browser mode's HTTP binding wrap. Accounts are referred to by name;
 * every failure is an AppError naming the account it concerns; no method ever returns a token.
 */

/** The settings each source kind takes, checked when an account is added or changed. */
export const ACCOUNT_OPTION_SCHEMAS: Partial<Record<SourceKind, ZodType<Record<string, unknown>>>> = {
  dockerhub: dockerHubOptionsSchema,
  file: fileOptionsSchema,
  harbor: harborOptionsSchema,
  ibm: ibmOptionsSchema,
  msr: msrOptionsSchema,
  notary: notaryOptionsSchema,
  quay: quayOptionsSchema
}

export interface AuditServiceOptions {
  /** The data folder; the archive is `archive.sqlite` inside it (created on first use). */
  dataDir: string
  /** Default: the OS keychain under the app's service name, env from `process.env`. */
  tokenStore?: TokenStore
  /** better-sqlite3's native binding to load (the Electron build); default: the Node build. */
  nativeBinding?: string
  /**
   * Writes syncs' pages to this service's archive file off this thread (CoreRuntime's PageWriter);
   * default: on this thread, through the archive's own connection (the CLI).
   */
  writePage?: PageWriteFn
}

export interface NewAccountRequest {
  name: string
  kind: SourceKind
  /** Default: the kind's public API (DEFAULT_URLS). */
  url?: string
  options: Record<string, unknown>
  /** Stored in the keychain (or for this process only); never stored elsewhere, never returned. */
  token?: string
}

export interface AccountUpdate {
  url?: string
  options?: Record<string, unknown>
  token?: string
}

/** An account with where its token is held and how its last sync went. */
export interface AccountSummary extends Account {
  token: TokenStorage
  lastSync: SyncRunSummary | null
}

/** Where a token went when it was set, and why it is not in the keychain when it is not. */
export interface TokenPlacement {
  storage: TokenStorage
  /** Set when the keychain was not used: says why, never contains the token. */
  reason?: string
  /** The environment variable that supplies (or would supply) this account's token. */
  envVar: string
}

export interface AddAccountResult {
  account: AccountSummary
  tokenStorage: TokenPlacement
}

export interface SyncRequestOptions {
  signal?: AbortSignal
  onProgress?: (progress: SyncProgress) => void
}

export interface ExportOptions {
  format: ExportFormat
  /** `UTC`, `local` or an IANA name: the zone the times are written in. */
  timeZone: string
  signal?: AbortSignal
}

export class AuditService {
  readonly dataDir: string
  private readonly tokens: TokenStore
  private readonly nativeBinding: string | undefined
  private readonly writePage: PageWriteFn | undefined
  private opened: GuardedArchive | undefined
  private investigating: InvestigationDb | undefined
  /**
   * Digest lineage, tag history, the deletion explainer, chain verification, coverage, local
   * retention, saved queries, cases and evidence export (investigate/investigator.ts), over a
   * connection of their own opened after this service has opened and migrated the archive.
   */
  readonly investigation: Investigator

  constructor(options: AuditServiceOptions) {
    this.dataDir = options.dataDir
    this.tokens = options.tokenStore ?? new TokenStore()
    this.nativeBinding = options.nativeBinding
    this.writePage = options.writePage
    this.investigation = new Investigator({
      db: () => {
        this.archive()
        this.investigating ??= InvestigationDb.open(this.archiveFile, { nativeBinding: this.nativeBinding })
        return this.investigating
      },
      iterateEvents: (query, sort, options) => this.iterateEvents(query, sort, options),
      archiveFile: this.archiveFile,
      now: () => Date.now()
    })
  }

  /** The archive file this service reads and writes. */
  get archiveFile(): string {
    return archivePath(this.dataDir)
  }

  /** Whether tokens set now go to the OS keychain (false: session only). */
  keychainAvailable(): boolean {
    return this.tokens.keychainAvailable()
  }

  // -------------------------------------------------------------------------------------------
  // Accounts

  /**
   * Adds an account and stores its token, if one is given. The account is checked completely
   * first (name, kind, URL, the kind's options) and nothing is kept if storing the token fails.
   */
  addAccount(request: NewAccountRequest): AddAccountResult {
    const { name, kind, url, options } = this.checkNewAccount(request)
    // A token that would be refused is refused before the archive changes at all.
    if (request.token !== undefined) checkToken(name, request.token)
    const archive = this.archive()
    const account = archive.addAccount({ name, kind, url, options })
    let placement: TokenPlacement
    try {
      placement = request.token === undefined ? this.tokenPlacement(name) : this.storeToken(name, request.token)
    } catch (error) {
      // An account without the token the caller meant to give it would only fail later, less
      // clearly, so the add is undone. The name may have brought back a removed account with the
      // events it kept: those stay, and the account goes back to removed. Only a new, empty
      // account is deleted outright.
      const held = archive.countEvents({ account: { any: [name] }, includePull: true }, { limit: 1 }).count
      archive.removeAccount(account.id, { purgeEvents: held === 0 })
      throw withAccount(toAppError(error, 'KEYCHAIN'), name)
    }
    return { account: this.summarise(account), tokenStorage: placement }
  }

  /**
   * Checks a new account as addAccount would (name free, kind supported, URL, the kind's
   * options) without storing anything, and returns it with defaults applied.
   */
  checkNewAccount(request: Omit<NewAccountRequest, 'token'>): NewAccount {
    const name = checkName(request.name)
    const kind = checkKind(request.kind, name)
    // A file account calls no server, so it has no URL to check.
    const url = kind === 'file' ? FILE_ACCOUNT_URL : checkUrl(request.url ?? defaultUrl(kind, name), name)
    const options = checkOptions(kind, request.options, name)
    if (this.archive().getAccount(name) !== undefined) {
      throw new AppError('CONFLICT', `an account named ${name} already exists`, { account: name })
    }
    return { name, kind, url, options }
  }

  /** Changes an account's URL, options or token; the name and kind are fixed. */
  updateAccount(name: string, update: AccountUpdate): AccountSummary {
    const account = this.requireAccount(name)
    const url = update.url === undefined || account.kind === 'file' ? undefined : checkUrl(update.url, account.name)
    const options = update.options === undefined ? undefined : checkOptions(account.kind, update.options, account.name)
    const patch: { url?: string; options?: Record<string, unknown> } = {}
    if (url !== undefined) patch.url = url
    if (options !== undefined) patch.options = options
    const updated = Object.keys(patch).length > 0 ? this.archive().updateAccount(account.id, patch) : account
    if (update.token !== undefined) this.storeToken(account.name, update.token)
    return this.summarise(updated)
  }

  /** Every account with its token's whereabouts and its last sync run. */
  listAccounts(): AccountSummary[] {
    return this.archive()
      .listAccounts()
      .map((account) => this.summarise(account))
  }

  getAccount(name: string): AccountSummary {
    return this.summarise(this.requireAccount(name))
  }

  /**
   * Removes the account and its keychain entry. Its events stay unless `purgeEvents`: the
   * archive may hold what the registry has already expired.
   */
  removeAccount(name: string, options: { purgeEvents?: boolean } = {}): { eventsDeleted: number; tokenRemoved: boolean } {
    const account = this.requireAccount(name)
    // The token first: if the keychain refuses, nothing has changed yet and the user can retry.
    const tokenRemoved = this.tokens.delete(account.name)
    const { eventsDeleted } = this.archive().removeAccount(account.id, { purgeEvents: options.purgeEvents === true })
    return { eventsDeleted, tokenRemoved }
  }

  /** Replaces the account's token (write-only). */
  setToken(name: string, token: string): TokenPlacement {
    return this.storeToken(this.requireAccount(name).name, token)
  }

  /** Where the account's token is held, without reading it out. */
  tokenStatus(name: string): TokenPlacement {
    return this.tokenPlacement(this.requireAccount(name).name)
  }

  /** Authenticates with the account's token and reads one small page. */
  async testConnection(name: string, options: { signal?: AbortSignal } = {}): Promise<ConnectionTestReport> {
    const account = this.requireAccount(name)
    try {
      const result = await createConnector(account).testConnection({
        account: account.name,
        getToken: () => this.readToken(account),
        signal: options.signal ?? new AbortController().signal,
        notify: () => {}
      })
      return { details: result.details, warnings: result.warnings }
    } catch (error) {
      throw withAccount(toAppError(error), account.name)
    }
  }

  // -------------------------------------------------------------------------------------------
  // Sync

  /**
   * Syncs the named accounts (all when `names` is empty), one after another; one failing does
   * not stop the others. Unknown names are refused before anything starts.
   */
  async sync(names: readonly string[], options: SyncRequestOptions = {}): Promise<SyncAccountResult[]> {
    const archive = this.archive()
    // "All accounts" means all that have a source to call: a file account only grows by import.
    // Named explicitly, it is synced and fails with a message that says so.
    const accounts =
      names.length === 0
        ? archive.listAccounts().filter((account) => account.kind !== 'file')
        : [...new Set(names)].map((name) => this.requireAccount(name))
    const writePage = this.writePage
    return syncAccounts({
      archive,
      accounts,
      createConnector,
      getToken: (account) => this.readToken(account),
      signal: options.signal,
      onProgress: options.onProgress,
      // Written elsewhere, a page still meets this archive's damage latch: damage found by the
      // writer keeps the same backup and message, and stops every later call here.
      writePage:
        writePage === undefined
          ? undefined
          : (accountId, stream, events, cursor) => archive.guardAsync(() => writePage(accountId, stream, events, cursor))
    })
  }

  /**
   * Another live process syncing the account now (the CLI, a browser-mode server), judged as
   * taking the lock would judge it (sync-lock.ts); null when none does. This process's own runs
   * are never "elsewhere". One read of the account's lock row: takes the account as listAccounts
   * or getAccount returned it.
   */
  syncElsewhere(account: Pick<Account, 'id'>): SyncElsewhere | null {
    const holder = this.archive().syncLockHolder(account.id)
    if (holder === undefined) return null
    const viewer = currentLockOwner()
    if (!isHeldByOtherLiveProcess(holder, viewer, Date.now())) return null
    return {
      pid: holder.pid,
      host: holder.host,
      sameHost: holder.host === viewer.host,
      since: holder.acquired_at,
      heartbeatAt: holder.heartbeat_at
    }
  }

  /**
   * Imports an export file into the named account's history (import/import-file.ts): the format
   * detected (or forced), every row checked, rejects reported with their line numbers, and nothing
   * stored twice — not on a second import, nor against what a sync already read.
   */
  importFile(
    name: string,
    file: string,
    options: { format?: ImportFormatChoice; signal?: AbortSignal; onProgress?: (report: ImportReport) => void } = {}
  ): Promise<ImportReport> {
    const account = this.requireAccount(name)
    return importFile({ archive: this.archive(), account: account.name, file, ...options })
  }

  // -------------------------------------------------------------------------------------------
  // Events

  /** One keyset page of events. */
  queryEvents(request: PageRequest): EventPage {
    return this.archive().queryEvents(request)
  }

  /** Counts matching events, stopping at `limit` when given. */
  countEvents(query: EventQuery, options: { limit?: number } = {}): EventCount {
    return this.archive().countEvents(query, options)
  }

  facets(query: EventQuery, options: { fields?: FacetField[]; top?: number; approximate?: boolean } = {}): FacetCounts {
    return this.archive().facets(query, options)
  }

  /** One event with its raw record. @throws AppError NOT_FOUND */
  getEvent(id: number): AuditEvent {
    const event = Number.isSafeInteger(id) && id > 0 ? this.archive().getEvent(id) : undefined
    if (event === undefined) throw new AppError('NOT_FOUND', `there is no event with id ${String(id)}`)
    return event
  }

  /**
   * Every matching event in order, fetched in keyset pages. Between pages nothing is held open,
   * so a sync (in the same process, as in the desktop app's worker) can write while a long
   * listing or export is being consumed.
   */
  async *iterateEvents(
    query: EventQuery,
    sort: EventSort = DEFAULT_SORT,
    options: { limit?: number; signal?: AbortSignal } = {}
  ): AsyncGenerator<AuditEvent> {
    let remaining = options.limit ?? Number.POSITIVE_INFINITY
    let cursor: string | null = null
    while (remaining > 0) {
      throwIfAborted(options.signal)
      const page: EventPage = this.archive().queryEvents({
        query,
        sort,
        limit: Math.min(MAX_PAGE_SIZE, remaining),
        cursor
      })
      for (const event of page.rows) yield event
      remaining -= page.rows.length
      if (page.nextCursor === null || page.rows.length === 0) return
      cursor = page.nextCursor
    }
  }

  /**
   * Writes every matching event to `out` (a file path, or a stream the caller owns and ends) as
   * CSV or NDJSON, streamed. A file is written under a temporary name and renamed when complete,
   * so a failed export never leaves a truncated file that looks finished.
   */
  exportEvents(
    query: EventQuery,
    sort: EventSort | undefined,
    out: string | NodeJS.WritableStream,
    options: ExportOptions
  ): Promise<{ rows: number }> {
    const events = this.iterateEvents(query, sort ?? DEFAULT_SORT, { signal: options.signal })
    return writeExport(events, out, { format: options.format, timeZone: options.timeZone })
  }

  /** Closes the archive; the service may be used again (it reopens on demand). */
  close(): void {
    this.investigating?.close()
    this.investigating = undefined
    this.opened?.close()
    this.opened = undefined
  }

  // -------------------------------------------------------------------------------------------

  private archive(): GuardedArchive {
    if (this.opened === undefined) {
      try {
        fs.mkdirSync(this.dataDir, { recursive: true, mode: 0o700 })
      } catch (error) {
        throw new AppError('IO', `cannot create the data folder ${this.dataDir}: ${errorText(error)}`, {
          cause: error
        })
      }
      // Damage, a read-only file or folder: refused with the fix, a damaged file kept aside first.
      this.opened = openArchiveGuarded(this.archiveFile, { nativeBinding: this.nativeBinding })
    }
    return this.opened
  }

  private requireAccount(name: string): Account {
    const account = typeof name === 'string' ? this.archive().getAccount(name) : undefined
    if (account === undefined) {
      throw new AppError('NOT_FOUND', `there is no account named ${String(name)}`, { account: String(name) })
    }
    return account
  }

  private summarise(account: Account): AccountSummary {
    return {
      ...account,
      token: toStorage(this.tokens.status(account.name)),
      lastSync: runSummary(this.archive().lastSyncRun(account.id))
    }
  }

  private storeToken(name: string, token: string): TokenPlacement {
    const result = this.tokens.set(name, token)
    const placement: TokenPlacement = { storage: result.storage, envVar: envVarName(name) }
    if (result.reason !== undefined) placement.reason = result.reason
    return placement
  }

  private tokenPlacement(name: string): TokenPlacement {
    return { storage: toStorage(this.tokens.status(name)), envVar: envVarName(name) }
  }

  private async readToken(account: Account): Promise<string> {
    const stored = this.tokens.get(account.name)
    if (stored === undefined) {
      throw new AppError(
        'NO_TOKEN',
        `no token is held for ${account.name}: set one, or set ${envVarName(account.name)} for this run`,
        { account: account.name }
      )
    }
    return stored.token
  }
}

// ---------------------------------------------------------------------------------------------
// Checks

function checkName(name: unknown): string {
  const parsed = accountNameSchema.safeParse(name)
  if (!parsed.success) {
    throw new AppError('INVALID_INPUT', `bad account name: ${parsed.error.issues[0]?.message ?? 'not accepted'}`)
  }
  return parsed.data
}

function checkKind(kind: unknown, account: string): SourceKind {
  const parsed = sourceKindSchema.safeParse(kind)
  if (!parsed.success) {
    throw new AppError('INVALID_INPUT', `unknown kind ${JSON.stringify(String(kind))}`, { account })
  }
  if (ACCOUNT_OPTION_SCHEMAS[parsed.data] === undefined) {
    const supported = Object.keys(ACCOUNT_OPTION_SCHEMAS).join(', ')
    throw new AppError('INVALID_INPUT', `kind ${parsed.data} is not supported yet (supported: ${supported})`, {
      account
    })
  }
  return parsed.data
}

function checkOptions(kind: SourceKind, options: unknown, account: string): Record<string, unknown> {
  const schema = ACCOUNT_OPTION_SCHEMAS[kind]
  if (schema === undefined) throw new AppError('INVALID_INPUT', `kind ${kind} is not supported yet`, { account })
  const parsed = schema.safeParse(options)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''
    throw new AppError('INVALID_INPUT', `bad ${kind} settings — ${where}${issue?.message ?? 'not accepted'}`, {
      account
    })
  }
  return parsed.data
}

function defaultUrl(kind: SourceKind, account: string): string {
  const url = DEFAULT_URLS[kind]
  if (url === undefined) throw new AppError('INVALID_INPUT', `a ${kind} account needs a URL`, { account })
  return url
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * https, or http to a loopback address (simulators, a local proxy). No credentials in the URL:
 * they would be stored in the archive in clear, which is what the keychain is for.
 */
export function checkUrl(text: string, account: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new AppError('INVALID_INPUT', `bad URL ${JSON.stringify(text.slice(0, 200))}`, { account })
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new AppError('INVALID_INPUT', 'the URL must start with https:// (http:// only for a loopback address)', {
      account
    })
  }
  if (url.username !== '' || url.password !== '') {
    throw new AppError('INVALID_INPUT', 'the URL must not contain a user name or password: give the token instead', {
      account
    })
  }
  if (url.search !== '' || url.hash !== '') {
    throw new AppError('INVALID_INPUT', 'the URL must not contain a query or fragment', { account })
  }
  // One spelling per server: no trailing slash, so paths join the same way everywhere.
  return url.href.replace(/\/+$/, '')
}

function toStorage(status: StoredTokenStatus): TokenStorage {
  switch (status) {
    case 'env':
      return 'environment'
    case 'missing':
      return 'none'
    default:
      return status
  }
}

function runSummary(run: SyncRun | undefined): SyncRunSummary | null {
  if (run === undefined) return null
  return {
    started_at: run.started_at,
    finished_at: run.finished_at,
    status: run.status,
    pages: run.pages,
    inserted: run.inserted,
    duplicates: run.duplicates,
    error:
      run.error_code === null
        ? null
        : { code: asErrorCode(run.error_code), message: run.error_message ?? run.error_code }
  }
}

function asErrorCode(code: string): ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : 'INTERNAL'
}

function withAccount(error: AppError, account: string): AppError {
  if (error.account === account) return error
  return new AppError(error.code, error.message, { account, status: error.status, cause: error.cause })
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AppError('CANCELLED', 'cancelled')
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

import { realpathSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Account } from '../../../shared/account'
import { isActivity, isOutcome, isVerb, type NormalisedEvent } from '../../../shared/event'
import type { SyncAccountResult, SyncProgress, SyncStatus, SyncSummary } from '../../../shared/sync'
import type { ArchiveApi, IngestEvent, SyncLockOwner, WriteStats } from '../db/archive-types'
import { AppError, toAppError } from '../errors'
import type { Connector, ConnectorContext, ConnectorNotice, SourcePage } from '../sources/connector'

/** How often a running sync refreshes its lock's heartbeat besides after each page. */
const HEARTBEAT_INTERVAL_MS = 60_000

/**
 * Writes a page's events and its cursor in one transaction (Archive.writePage's contract), maybe
 * elsewhere than on the calling thread (PageWriter).
 */
export type PageWriteFn = (accountId: number, stream: string, events: IngestEvent[], cursor: unknown) => Promise<WriteStats>

/** Accounts syncing in this process, by archive file and account id. */
const runningHere = new Set<string>()

export interface SyncAccountOptions {
  archive: ArchiveApi
  account: Account
  connector: Connector
  /** Resolves the account's token when the connector needs it; never stored by the sync. */
  getToken: () => Promise<string>
  /** Aborting it ends the run with status `cancelled` and AppError CANCELLED. */
  signal?: AbortSignal
  onProgress?: (progress: SyncProgress) => void
  /** Who holds the account's sync lock; default this process on this host. */
  lockOwner?: SyncLockOwner
  /**
   * Writes each page; default `archive.writePage` on this thread. The app's core passes a
   * PageWriter's, so its queries never wait for a page's transaction.
   */
  writePage?: PageWriteFn
}

/** This process, as recorded in a sync lock. */
export function currentLockOwner(): SyncLockOwner {
  return { pid: process.pid, host: os.hostname() }
}

/**
 * Syncs one account: every stream from its stored cursor to the source's end. Each page is read
 * from the network completely, normalised completely, then written with its cursor in one
 * transaction (on this thread, or on a PageWriter's), so a crash at any moment loses and doubles
 * nothing (DESIGN.md §5).
 * Resolves with the run's summary; throws an AppError naming the account on failure or
 * cancellation, after recording the run and reporting an `error` progress event.
 */
export async function syncAccount(options: SyncAccountOptions): Promise<SyncSummary> {
  let outcome: SyncOutcome
  try {
    outcome = await runSync(options)
  } catch (error) {
    // Only the archive's own bookkeeping (closing the run record, releasing the lock) throws past runSync.
    const failure = withAccount(toAppError(error), options.account)
    options.onProgress?.({ type: 'error', account: options.account.name, error: failure.toInfo() })
    throw failure
  }
  if (outcome.failure !== undefined) throw outcome.failure
  return outcome.summary
}

interface SyncOutcome {
  summary: SyncSummary
  failure?: AppError
}

/** The run itself; reports failure as a value so a multi-account sync keeps its partial counts. */
async function runSync(options: SyncAccountOptions): Promise<SyncOutcome> {
  const { archive, account, connector, onProgress } = options
  const writePage: PageWriteFn =
    options.writePage ?? ((accountId, stream, events, cursor) => Promise.resolve(archive.writePage(accountId, stream, events, cursor)))
  const emit = (progress: SyncProgress): void => onProgress?.(progress)
  const owner = options.lockOwner ?? currentLockOwner()
  const started = performance.now()
  const totals = { pages: 0, inserted: 0, duplicates: 0 }
  const summarise = (status: SyncStatus): SyncSummary => ({
    account: account.name,
    ...totals,
    ms: Math.round(performance.now() - started),
    status
  })

  if (options.signal?.aborted) return fail(cancelledError(account), 'cancelled')
  // The archive's lock tells processes apart; two runs inside this process need their own guard.
  const localKey = `${resolvedFile(archive.file)}\u0000${account.id}`
  if (runningHere.has(localKey)) return fail(busyError(account, currentLockOwner()), 'failed')
  try {
    if (!archive.acquireSyncLock(account.id, owner)) {
      return fail(busyError(account, archive.syncLockHolder(account.id)), 'failed')
    }
  } catch (error) {
    return fail(withAccount(toAppError(error), account), 'failed')
  }
  runningHere.add(localKey)

  // The connector always gets a signal; the caller's, when given, aborts it.
  const controller = new AbortController()
  const onAbort = (): void => controller.abort(options.signal?.reason)
  options.signal?.addEventListener('abort', onAbort, { once: true })

  // The lock's heartbeat tells other hosts (which cannot check our pid) that the run is alive,
  // also through long rate-limit waits; losing the lock stops the run.
  let lockLost = false
  const heartbeat = (): void => {
    if (lockLost || archive.heartbeatSyncLock(account.id, owner)) return
    lockLost = true
    controller.abort()
  }
  const heartbeatTimer = setInterval(() => {
    try {
      heartbeat()
    } catch (error) {
      // A failed heartbeat write is not fatal on its own: the next page write will meet the same
      // database problem and fail the run with it. Say so rather than swallowing it.
      const message = `could not refresh the sync lock: ${toAppError(error).message}`
      emit({ type: 'warning', account: account.name, message })
    }
  }, HEARTBEAT_INTERVAL_MS)
  heartbeatTimer.unref()

  let runId: number | undefined
  let status: SyncStatus = 'failed'
  let failure: AppError | undefined
  try {
    runId = archive.startSyncRun(account.id).id
    const ctx: ConnectorContext = {
      account: account.name,
      getToken: options.getToken,
      signal: controller.signal,
      notify: (notice) => {
        const progress = noticeToProgress(account.name, notice)
        if (progress !== undefined) emit(progress)
      }
    }
    for (const stream of connector.streams()) {
      throwIfCancelled(controller.signal, account)
      emit({ type: 'start', account: account.name, stream })
      const cursor = archive.getCursor(account.id, stream)
      for await (const page of connector.pages(stream, cursor, ctx)) {
        // A page that arrived after a cancel is not written: cancel means stop now.
        throwIfCancelled(controller.signal, account)
        const events = normalisePage(connector, account, stream, page, totals.pages + 1)
        const written = await writePage(account.id, stream, events, page.cursor)
        totals.pages += 1
        totals.inserted += written.inserted
        totals.duplicates += written.duplicates
        emit({ type: 'page', account: account.name, stream, ...totals })
        heartbeat()
      }
    }
    throwIfCancelled(controller.signal, account)
    status = 'ok'
  } catch (error) {
    failure = lockLost
      ? new AppError('SYNC_BUSY', `the sync of ${account.name} stopped: another process took over its sync lock`, {
          account: account.name
        })
      : controller.signal.aborted
        ? cancelledError(account, error)
        : withAccount(toAppError(error), account)
    status = failure.code === 'CANCELLED' ? 'cancelled' : 'failed'
  } finally {
    clearInterval(heartbeatTimer)
    options.signal?.removeEventListener('abort', onAbort)
    try {
      if (runId !== undefined) {
        archive.finishSyncRun(runId, {
          status,
          ...totals,
          error_code: failure?.code ?? null,
          error_message: failure?.message ?? null
        })
      }
    } finally {
      runningHere.delete(localKey)
      archive.releaseSyncLock(account.id, owner)
    }
  }

  if (failure !== undefined) return fail(failure, status)
  const summary = summarise('ok')
  emit({ type: 'done', account: account.name, summary })
  return { summary }

  function fail(error: AppError, ended: SyncStatus): SyncOutcome {
    emit({ type: 'error', account: account.name, error: error.toInfo() })
    return { summary: summarise(ended), failure: error }
  }
}

export interface SyncAccountsOptions {
  archive: ArchiveApi
  accounts: Account[]
  /** The account's connector; a throw fails that account only. */
  createConnector: (account: Account) => Connector
  getToken: (account: Account) => Promise<string>
  signal?: AbortSignal
  onProgress?: (progress: SyncProgress) => void
  lockOwner?: SyncLockOwner
  writePage?: PageWriteFn
}

/**
 * Syncs accounts one after another. One account failing does not stop the others; after a
 * cancel the remaining accounts are reported cancelled without being started.
 */
export async function syncAccounts(options: SyncAccountsOptions): Promise<SyncAccountResult[]> {
  const results: SyncAccountResult[] = []
  for (const account of options.accounts) {
    let outcome: SyncOutcome
    try {
      outcome = await runSync({
        archive: options.archive,
        account,
        connector: options.createConnector(account),
        getToken: () => options.getToken(account),
        signal: options.signal,
        onProgress: options.onProgress,
        lockOwner: options.lockOwner,
        writePage: options.writePage
      })
    } catch (error) {
      // createConnector, or closing the run record: a run reports its other failures as values.
      const failure = withAccount(toAppError(error), account)
      options.onProgress?.({ type: 'error', account: account.name, error: failure.toInfo() })
      outcome = {
        summary: { account: account.name, pages: 0, inserted: 0, duplicates: 0, ms: 0, status: 'failed' },
        failure
      }
    }
    results.push(
      outcome.failure === undefined
        ? { account: account.name, ok: true, summary: outcome.summary }
        : { account: account.name, ok: false, summary: outcome.summary, error: outcome.failure.toInfo() }
    )
  }
  return results
}

/**
 * Normalises a whole page before anything of it is written: one unreadable record rejects the
 * page, so the archive and the cursor stay where they were and the next run reads it again.
 */
function normalisePage(
  connector: Connector,
  account: Account,
  stream: string,
  page: SourcePage,
  pageNumber: number
): IngestEvent[] {
  return page.records.map((record, index) => {
    const where = `record ${index + 1} of page ${pageNumber} of ${account.name}'s ${stream}`
    if (typeof record.sourceEventId !== 'string' || record.sourceEventId === '') {
      throw new AppError('BAD_RESPONSE', `${where} has no event id; the page was not stored`, {
        account: account.name
      })
    }
    let normalised: NormalisedEvent
    try {
      normalised = connector.normalise(stream, record.raw)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      throw new AppError('BAD_RESPONSE', `${where} could not be read (${reason}); the page was not stored`, {
        account: account.name,
        cause: error
      })
    }
    const problem = checkNormalised(normalised)
    if (problem !== undefined) {
      throw new AppError('BAD_RESPONSE', `${where} could not be read (${problem}); the page was not stored`, {
        account: account.name
      })
    }
    return { sourceEventId: record.sourceEventId, raw: record.raw, normalised }
  })
}

/** The columns the archive indexes and filters on must hold what the model promises. */
function checkNormalised(event: NormalisedEvent): string | undefined {
  if (!Number.isSafeInteger(event.occurred_at)) return 'no valid time'
  if (!isVerb(event.verb)) return `unknown verb ${String(event.verb)}`
  if (!isActivity(event.activity)) return `unknown activity ${String(event.activity)}`
  if (!isOutcome(event.outcome)) return `unknown outcome ${String(event.outcome)}`
  return undefined
}

function noticeToProgress(account: string, notice: ConnectorNotice): SyncProgress | undefined {
  switch (notice.type) {
    case 'waiting':
      return { type: 'waiting', account, reason: notice.reason, ms: notice.ms }
    case 'warning':
      return { type: 'warning', account, message: notice.message }
    case 'reauthenticated':
      // Routine (the bearer lives ten minutes); nothing a user needs to see.
      return undefined
  }
}

function throwIfCancelled(signal: AbortSignal, account: Account): void {
  if (signal.aborted) throw cancelledError(account)
}

function cancelledError(account: Account, cause?: unknown): AppError {
  return new AppError('CANCELLED', `the sync of ${account.name} was cancelled`, { account: account.name, cause })
}

function busyError(account: Account, holder: SyncLockOwner | undefined): AppError {
  const who =
    holder === undefined
      ? ''
      : holder.host === os.hostname()
        ? ` (pid ${holder.pid})`
        : ` (pid ${holder.pid} on ${holder.host})`
  return new AppError('SYNC_BUSY', `a sync of ${account.name} is already running${who}`, {
    account: account.name
  })
}

/** One key for one file however it was named (relative, through a symlink). */
function resolvedFile(file: string): string {
  try {
    return realpathSync(file)
  } catch {
    return path.resolve(file)
  }
}

/** Every error leaving a sync names its account. */
function withAccount(error: AppError, account: Account): AppError {
  if (error.account === account.name) return error
  return new AppError(error.code, error.message, { account: account.name, status: error.status, cause: error.cause })
}

import type { AccountSyncState, AutoSync, SyncRunSummary, SyncStartResult } from '../../../shared/contract'
import type { SyncProgress } from '../../../shared/sync'
import { AppError, toAppError } from '../errors'
import type { PushEmitter } from '../push-events'
import type { AccountSummary, AuditService } from '../service'

/** What the manager needs to know about the accounts it runs; the runtime supplies it. */
export interface SyncManagerHost {
  /** The service of the archive shown now (it changes when the demo archive opens). */
  service(): AuditService
  /** The schedule in force for an account. */
  autoSyncFor(account: AccountSummary): AutoSync
  /** False while an archive that must not sync (the demo) is open. */
  canSync(): boolean
}

export interface SyncManagerOptions {
  host: SyncManagerHost
  events: PushEmitter
  /** Run accounts on their schedules (default true). Off for tests and `serve --no-auto-sync`. */
  scheduler?: boolean
  now?: () => number
}

interface RunningSync {
  controller: AbortController
  startedAt: number
  progress: SyncProgress | null
  done: Promise<void>
}

/** How often, at most, a running sync tells the UI that new events are there to show. */
const CHANGE_NOTICE_MS = 2000

/**
 * Runs syncs for the UI: on demand (sync:start), and on each account's schedule while the app
 * runs (default every 5 minutes). Runs go in the background; their progress and their failures
 * are pushed as `sync:progress` events and kept as state for sync:status, never thrown at the
 * UI: an offline laptop shows "network unreachable" in the sync panel, not a dialog.
 */
export class SyncManager {
  private readonly host: SyncManagerHost
  private readonly events: PushEmitter
  private readonly schedulerOn: boolean
  private readonly now: () => number
  private readonly running = new Map<string, RunningSync>()
  /** The last progress event of each account's last run in this session. */
  private readonly lastProgress = new Map<string, SyncProgress>()
  /** When each account's last run in this session ended (ms), for the schedule. */
  private readonly lastEnded = new Map<string, number>()
  private timer: ReturnType<typeof setTimeout> | undefined
  private closed = false
  /** While the archive is being switched: nothing starts. */
  private suspended = false

  constructor(options: SyncManagerOptions) {
    this.host = options.host
    this.events = options.events
    this.schedulerOn = options.scheduler ?? true
    this.now = options.now ?? Date.now
  }

  /**
   * Starts a run for each named account (every account when none are named) and returns at once.
   * Unknown names are refused before anything starts.
   */
  start(names: readonly string[] = []): SyncStartResult {
    this.checkOpen()
    if (!this.host.canSync()) {
      throw new AppError('PERMISSION', 'the demo archive holds generated events and cannot sync; close the demo first')
    }
    const service = this.host.service()
    const accounts = names.length === 0 ? service.listAccounts().map((account) => account.name) : [...new Set(names)]
    for (const name of accounts) service.getAccount(name)
    const result: SyncStartResult = { started: [], alreadyRunning: [] }
    for (const name of accounts) {
      if (this.running.has(name)) {
        result.alreadyRunning.push(name)
      } else {
        this.launch(service, name)
        result.started.push(name)
      }
    }
    this.reschedule()
    return result
  }

  /** Cancels the named running syncs (all when none); returns those it cancelled. */
  cancel(names: readonly string[] = []): { cancelled: string[] } {
    const wanted = names.length === 0 ? [...this.running.keys()] : names.filter((name) => this.running.has(name))
    for (const name of wanted) this.running.get(name)?.controller.abort()
    return { cancelled: wanted }
  }

  /** Whether the account is syncing in this process. */
  isRunning(name: string): boolean {
    return this.running.has(name)
  }

  /** Cancels the account's run, if any, and waits for it to end (before removing the account). */
  async stop(name: string): Promise<void> {
    const run = this.running.get(name)
    if (run === undefined) return
    run.controller.abort()
    await run.done
  }

  /** The sync panel's state of every account. */
  status(): AccountSyncState[] {
    const service = this.host.service()
    return service.listAccounts().map((account) => this.stateOf(account))
  }

  stateOf(account: AccountSummary): AccountSyncState {
    const run = this.running.get(account.name)
    const autoSync = this.host.autoSyncFor(account)
    return {
      account: account.name,
      running: run !== undefined,
      progress: run?.progress ?? this.lastProgress.get(account.name) ?? null,
      startedAt: run?.startedAt ?? null,
      lastRun: account.lastSync,
      autoSync,
      nextRunAt: run === undefined ? this.nextRunAt(account, autoSync) : null,
      // While this process runs the account, the lock is its own; only read it otherwise.
      elsewhere: run === undefined ? this.host.service().syncElsewhere(account) : null
    }
  }

  /**
   * Recomputes the scheduler's timer: one timer, for the earliest account due. Call after
   * anything that changes a schedule (settings, account added or removed, a run ended).
   */
  reschedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    if (!this.schedulerOn || this.closed || this.suspended || !this.host.canSync()) return
    let accounts: AccountSummary[]
    try {
      accounts = this.host.service().listAccounts()
    } catch {
      // An archive that cannot be read (damaged, locked) has nothing to schedule; the UI's own
      // calls report why.
      return
    }
    let earliest = Number.POSITIVE_INFINITY
    for (const account of accounts) {
      if (this.running.has(account.name)) continue
      const next = this.nextRunAt(account, this.host.autoSyncFor(account))
      if (next !== null) earliest = Math.min(earliest, next)
    }
    if (earliest === Number.POSITIVE_INFINITY) return
    // setTimeout's limit is about 24.8 days; a longer wait is simply re-armed on the next change.
    const delay = Math.min(Math.max(0, earliest - this.now()), 2 ** 31 - 1)
    this.timer = setTimeout(() => this.runDue(), delay)
    // The schedule never keeps a process alive by itself (the CLI server, a test runner).
    this.timer.unref?.()
  }

  /** Stops the scheduler for good, cancels every run and waits for them to end. */
  async close(): Promise<void> {
    this.closed = true
    await this.stopAll()
  }

  /** Cancels every run and holds the scheduler until `resume` (the archive is being switched). */
  async suspend(): Promise<void> {
    this.suspended = true
    await this.stopAll()
  }

  /** Starts again over the archive now shown, forgetting what the session knew of the last one. */
  resume(): void {
    this.suspended = false
    this.lastProgress.clear()
    this.lastEnded.clear()
    this.reschedule()
  }

  private async stopAll(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    const runs = [...this.running.values()]
    for (const run of runs) run.controller.abort()
    await Promise.all(runs.map((run) => run.done))
  }

  private runDue(): void {
    this.timer = undefined
    if (this.closed || this.suspended || !this.host.canSync()) return
    try {
      const service = this.host.service()
      const now = this.now()
      for (const account of service.listAccounts()) {
        if (this.running.has(account.name)) continue
        const next = this.nextRunAt(account, this.host.autoSyncFor(account))
        if (next !== null && next <= now) this.launch(service, account.name)
      }
    } catch (error) {
      console.error('auto-sync could not read the accounts:', toAppError(error).message)
    }
    this.reschedule()
  }

  /**
   * When the scheduler next runs the account: one interval after its last run ended (in this
   * session, or as the archive recorded it, so a cron run counts too), or after it was added.
   */
  private nextRunAt(account: AccountSummary, schedule: AutoSync): number | null {
    if (!this.schedulerOn || !schedule.enabled || !this.host.canSync()) return null
    const interval = schedule.intervalMinutes * 60_000
    const lastRun = lastRunEnd(account.lastSync)
    const base = Math.max(this.lastEnded.get(account.name) ?? 0, lastRun ?? 0, lastRun === null ? account.created_at : 0)
    return base + interval
  }

  private launch(service: AuditService, name: string): void {
    const controller = new AbortController()
    let ended = false
    let pendingChange = false
    let lastNotice = 0
    let inserted = 0
    const noticeChange = (force: boolean): void => {
      if (!pendingChange) return
      const now = this.now()
      if (!force && now - lastNotice < CHANGE_NOTICE_MS) return
      pendingChange = false
      lastNotice = now
      this.events.emit('events:changed', { accounts: [name], reason: 'sync' })
    }
    const run: RunningSync = { controller, startedAt: this.now(), progress: null, done: Promise.resolve() }
    // The run is over for the UI at its `done` or `error` event (the archive has recorded it by
    // then), so sync:status answers "not running" to a UI that asks on that event.
    const finish = (): void => {
      if (ended) return
      ended = true
      if (run.progress !== null) this.lastProgress.set(name, run.progress)
      this.lastEnded.set(name, this.now())
      if (this.running.get(name) === run) this.running.delete(name)
    }
    const onProgress = (progress: SyncProgress): void => {
      if (ended) return
      // Page totals are running totals; a page that added rows is worth a (rate-limited) refresh.
      if (progress.type === 'page' && progress.inserted > inserted) {
        inserted = progress.inserted
        pendingChange = true
      }
      run.progress = progress
      const terminal = progress.type === 'done' || progress.type === 'error'
      if (terminal) finish()
      this.events.emit('sync:progress', progress)
      noticeChange(terminal)
    }
    this.running.set(name, run)
    run.done = service
      .sync([name], { signal: controller.signal, onProgress })
      .then(
        (results) => {
          // Every ending reports itself; this only covers one that somehow did not.
          const failed = results.find((result) => !result.ok)
          if (failed !== undefined && !failed.ok) onProgress({ type: 'error', account: name, error: failed.error })
          const summary = results[0]?.summary
          if (failed === undefined && summary !== undefined) onProgress({ type: 'done', account: name, summary })
        },
        (error: unknown) => {
          // Refused before the run began (the account was removed meanwhile, the archive is locked).
          onProgress({ type: 'error', account: name, error: toAppError(error).toInfo() })
        }
      )
      .finally(() => {
        finish()
        noticeChange(true)
        this.reschedule()
      })
  }

  private checkOpen(): void {
    if (this.closed) throw new AppError('CANCELLED', 'the app is shutting down')
    if (this.suspended) throw new AppError('SYNC_BUSY', 'the archive is being switched; try again in a moment')
  }
}

function lastRunEnd(run: SyncRunSummary | null): number | null {
  if (run === null) return null
  return run.finished_at ?? run.started_at
}

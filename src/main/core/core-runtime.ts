import { randomUUID } from 'node:crypto'
import path from 'node:path'
import type { Writable } from 'node:stream'
import type { AccountView, AppInfo, ExportFormat, PushEvents } from '../../shared/contract'
import type { AuditEvent } from '../../shared/event'
import type { EventQuery, EventSort } from '../../shared/query'
import { ArchiveExtras } from './db/archive-extras'
import { PageWriter } from './db/page-writer'
import { ensureDemoArchive } from './demo/demo-archive'
import { AppError, toAppError } from './errors'
import { archivePath } from './paths'
import { exportEvents as writeExport } from './export/export-events'
import { PushEmitter } from './push-events'
import { TokenStore } from './secrets/token-store'
import { AuditService, type AccountSummary } from './service'
import { SyncManager } from './sync/sync-manager'

export interface CoreRuntimeOptions {
  /** The data folder of the real archive. */
  dataDir: string
  /** Default: the OS keychain (session storage when there is none). */
  tokenStore?: TokenStore
  /** better-sqlite3's native binding (the Electron build in the desktop app). */
  nativeBinding?: string
  /** The app's version, for app:info. */
  version: string
  transport: AppInfo['transport']
  /** Sync accounts on their schedules while running (default true). */
  autoSync?: boolean
  now?: () => number
}

export interface ExportRun {
  query: EventQuery
  sort?: EventSort
  format: ExportFormat
  timeZone: string
}

/** The demo archive's data folder, inside the real one but never the same archive file. */
export function demoDataDir(dataDir: string): string {
  return path.join(dataDir, 'demo')
}

/** How often, at most, an export reports its row count. */
const EXPORT_PROGRESS_MS = 250

/**
 * The core as the UI sees it, one per process that serves a UI (the desktop app's worker, the
 * browser-mode server): the service of the archive shown, the sync manager and its scheduler,
 * the UI's settings, the demo switch, and the events pushed to the UI. The contract handlers
 * (api-handlers.ts) are thin over this.
 */
export class CoreRuntime {
  readonly events = new PushEmitter()
  readonly syncs: SyncManager
  readonly tokens: TokenStore
  private readonly options: CoreRuntimeOptions
  private current: AuditService
  /** Writes the current archive's sync pages on a thread of its own (started on the first page). */
  private currentWriter: PageWriter
  private currentExtras: ArchiveExtras | undefined
  private demoOpen = false
  private readonly now: () => number

  constructor(options: CoreRuntimeOptions) {
    this.options = options
    this.now = options.now ?? Date.now
    this.tokens = options.tokenStore ?? new TokenStore()
    const [service, writer] = this.openService(options.dataDir)
    this.current = service
    this.currentWriter = writer
    this.syncs = new SyncManager({
      host: {
        service: () => this.current,
        autoSyncFor: (account) => this.extras.settings.autoSyncFor(account.id),
        // Generated events have no source to sync from.
        canSync: () => !this.demoOpen
      },
      events: this.events,
      scheduler: options.autoSync ?? true,
      now: this.now
    })
  }

  /** Arms the auto-sync scheduler. */
  start(): void {
    this.syncs.reschedule()
  }

  /** The service of the archive shown now (the real one, or the demo). */
  get service(): AuditService {
    return this.current
  }

  /** The page writer of the archive shown now: syncs write their pages there, off this thread. */
  get pageWriter(): PageWriter {
    return this.currentWriter
  }

  /** The UI's own reads and settings over the archive shown now. */
  get extras(): ArchiveExtras {
    this.currentExtras ??= ArchiveExtras.open(this.current, { nativeBinding: this.options.nativeBinding, now: this.now })
    return this.currentExtras
  }

  get demo(): boolean {
    return this.demoOpen
  }

  appInfo(): AppInfo {
    return {
      version: this.options.version,
      transport: this.options.transport,
      demo: this.demoOpen,
      archive: this.current.archiveFile
    }
  }

  /** The account as the contract shows it: settings, token status, schedule, held range; no token. */
  accountView(account: AccountSummary): AccountView {
    return {
      id: account.id,
      name: account.name,
      kind: account.kind,
      url: account.url,
      options: account.options,
      created_at: account.created_at,
      updated_at: account.updated_at,
      token: account.token,
      autoSync: this.extras.settings.autoSyncFor(account.id),
      lastSync: account.lastSync,
      held: this.extras.heldRange(account.id)
    }
  }

  /**
   * Switches to the demo archive, generating it on first use. Syncs of the real archive are
   * cancelled first (they write to the archive being closed).
   */
  async openDemo(): Promise<AppInfo> {
    if (this.demoOpen) return this.appInfo()
    const demoDir = demoDataDir(this.options.dataDir)
    await this.switchTo(() => {
      ensureDemoArchive(demoDir, { nativeBinding: this.options.nativeBinding, now: this.now() })
      return this.openService(demoDir)
    }, true)
    return this.appInfo()
  }

  /** Back to the real archive. */
  async closeDemo(): Promise<AppInfo> {
    if (!this.demoOpen) return this.appInfo()
    await this.switchTo(() => this.openService(this.options.dataDir), false)
    return this.appInfo()
  }

  /**
   * Writes exactly the events of `run.query` in `run.sort`'s order to `out` (a file path, or a
   * stream the caller ends), pushing `export:progress` with the row count as it goes.
   */
  async exportEvents(
    run: ExportRun,
    out: string | Writable,
    options: { exportId?: string; signal?: AbortSignal } = {}
  ): Promise<{ exportId: string; rows: number }> {
    const exportId = options.exportId ?? randomUUID()
    let rows = 0
    let lastReport = 0
    const report = (payload: PushEvents['export:progress']): void => this.events.emit('export:progress', payload)
    const service = this.current
    const source = service.iterateEvents(run.query, run.sort, { signal: options.signal })
    const now = this.now
    async function* counted(): AsyncGenerator<AuditEvent> {
      for await (const event of source) {
        yield event
        rows += 1
        const at = now()
        if (at - lastReport >= EXPORT_PROGRESS_MS) {
          lastReport = at
          report({ exportId, rows, done: false })
        }
      }
    }
    try {
      const result = await writeExport(counted(), out, { format: run.format, timeZone: run.timeZone })
      report({ exportId, rows: result.rows, done: true })
      return { exportId, rows: result.rows }
    } catch (error) {
      const failure = toAppError(error, 'IO')
      report({ exportId, rows, done: true, error: failure.toInfo() })
      throw failure
    }
  }

  /** Cancels every sync, waits for them, and closes the archive and its page writer. */
  async close(): Promise<void> {
    await this.syncs.close()
    await this.closeArchive()
  }

  private openService(dataDir: string): [AuditService, PageWriter] {
    const { nativeBinding } = this.options
    const writer = new PageWriter(archivePath(dataDir), { nativeBinding })
    const service = new AuditService({
      dataDir,
      tokenStore: this.tokens,
      nativeBinding,
      writePage: (accountId, stream, events, cursor) => writer.write(accountId, stream, events, cursor)
    })
    return [service, writer]
  }

  /** Closes the archive shown now; its syncs have ended (their last page is written) by then. */
  private async closeArchive(): Promise<void> {
    const writer = this.currentWriter
    try {
      this.currentExtras?.close()
      this.currentExtras = undefined
      this.current.close()
    } finally {
      await writer.close()
    }
  }

  private async switchTo(open: () => [AuditService, PageWriter], demo: boolean): Promise<void> {
    // Runs write to the archive being closed: they end (cancelled) before it does.
    await this.syncs.suspend()
    try {
      const [service, writer] = open()
      await this.closeArchive()
      this.current = service
      this.currentWriter = writer
      this.demoOpen = demo
    } catch (error) {
      throw toAppError(error)
    } finally {
      // On failure we stay on the archive we had, and its schedule goes on.
      this.syncs.resume()
    }
    this.events.emit('events:changed', { accounts: [], reason: 'archive-switched' })
  }
}

/** An AppError for a method the archive shown now cannot serve. */
export function demoReadOnly(what: string): AppError {
  return new AppError('PERMISSION', `the demo archive is read-only: ${what} is not possible while it is open`)
}

import { z } from 'zod'
import { accountNameSchema, sourceKindSchema } from './account'
import type { ErrorInfo, Result } from './errors'
import { ACTIVITIES, OUTCOMES, VERBS } from './event'
import type { Activity, AuditEvent, SourceKind } from './event'
import { FACET_FIELDS, MAX_FILTER_TEXT, MAX_FILTER_VALUES, MAX_PAGE_SIZE, SORT_KEYS } from './query'
import type { FacetField } from './query'
import type { SyncProgress } from './sync'
import { METHOD_CHANNELS, type MethodName, type PushEventName } from './contract-channels'
import { validateTimeZone } from './time'
import { IMPORT_FORMATS, type ImportReport } from './import'
import type {
  CaseDetail,
  CasePin,
  CaseSummary,
  ChainVerification,
  CoverageReport,
  DeletionReport,
  DigestLineage,
  EvidenceResult,
  PrunePreview,
  PruneResult,
  RecentQuery,
  RepositoryTagState,
  SavedQuery,
  TagHistory,
  TagStateDiff
} from './investigation'

export type * from './investigation'

/**
 * The API contract between the UI and the core (DESIGN.md §4, STYLE.md "The API contract").
 *
 * Written once, here, and used by every transport: the Electron preload and IPC guard, the
 * browser-mode HTTP server and its fetch shim, the handlers in the core, and the tests. Each method
 * has a channel name (`domain:verb`), a zod schema for its one input, and a result type; every call
 * resolves to `Result<T>` — errors travel as data (`{ code, message }`), never as exceptions,
 * because Electron only carries a thrown error's message across `invoke`.
 *
 * No result ever contains a token: tokens go in (accounts:add, accounts:update, token:set) and
 * only their storage status comes back.
 */

export {
  API_GLOBAL,
  isPushEventName,
  METHOD_CHANNELS,
  METHOD_NAMES,
  methodForChannel,
  PUSH_EVENT_NAMES,
  type Channel,
  type MethodName,
  type PushEventName
} from './contract-channels'

// ---------------------------------------------------------------------------------------------
// Input schemas
// ---------------------------------------------------------------------------------------------

/** Upper bounds keep a hostile or buggy caller from making the core allocate without limit. */
const MAX_TEXT = MAX_FILTER_TEXT
const MAX_LIST = MAX_FILTER_VALUES

const text = z.string().max(MAX_TEXT)
const epochMs = z.number().int().min(-8.64e15).max(8.64e15)

/** Methods without parameters take nothing (or `{}`). */
const noInput = z.object({}).strict().optional()

function valueFilter<T extends z.ZodType<string>>(value: T) {
  return z
    .object({ any: z.array(value).max(MAX_LIST).optional(), none: z.array(value).max(MAX_LIST).optional() })
    .strict()
}

/** `EventQuery` from query.ts, validated. */
export const eventQuerySchema = z
  .object({
    account: valueFilter(text).optional(),
    since: epochMs.optional(),
    until: epochMs.optional(),
    verb: valueFilter(z.enum(VERBS)).optional(),
    activity: valueFilter(z.enum(ACTIVITIES)).optional(),
    actor: valueFilter(text).optional(),
    repository: valueFilter(text).optional(),
    tag: valueFilter(text).optional(),
    digest: valueFilter(text).optional(),
    outcome: valueFilter(z.enum(OUTCOMES)).optional(),
    text: z.array(text).max(MAX_LIST).optional(),
    notText: z.array(text).max(MAX_LIST).optional(),
    includePull: z.boolean().optional()
  })
  .strict()

export const eventSortSchema = z.object({ key: z.enum(SORT_KEYS), dir: z.enum(['asc', 'desc']) }).strict()

/** `PageRequest` from query.ts, validated. */
export const pageRequestSchema = z
  .object({
    query: eventQuerySchema,
    sort: eventSortSchema.optional(),
    limit: z.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
    cursor: z.string().max(4096).nullable().optional()
  })
  .strict()

/** A token as the user pastes it; never echoed back by any method. */
export const tokenSchema = z.string().min(1, 'the token is empty').max(16_384)

export const AUTO_SYNC_DEFAULT_MINUTES = 5
export const autoSyncSchema = z
  .object({
    enabled: z.boolean(),
    /** Minutes between the end of one run and the start of the next. */
    intervalMinutes: z.number().int().min(1).max(7 * 24 * 60)
  })
  .strict()
export type AutoSync = z.infer<typeof autoSyncSchema>

/**
 * `local` (the viewer's zone), `UTC`, or an IANA zone name such as `Europe/Berlin`; checked by the
 * same code that formats times (time.ts), so anything accepted here can be printed.
 */
export const timeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine(isKnownTimeZone, {
    message: 'a time zone is "local", "UTC" or an IANA zone name such as "Europe/Berlin"'
  })

function isKnownTimeZone(zone: string): boolean {
  try {
    validateTimeZone(zone)
    return true
  } catch {
    return false
  }
}

const accountUrl = z
  .string()
  .max(2048)
  .refine((url) => /^https?:\/\/[^\s]+$/i.test(url), { message: 'the URL must start with https:// (or http:// for loopback)' })

export const newAccountSchema = z
  .object({
    name: accountNameSchema,
    kind: sourceKindSchema,
    /** Base URL of the source's API; the kind's default when omitted. */
    url: accountUrl.optional(),
    /** The kind's own settings, checked by the core against the kind's schema. */
    options: z.record(z.string(), z.unknown()),
    token: tokenSchema.optional(),
    autoSync: autoSyncSchema.optional()
  })
  .strict()
export type NewAccountInput = z.infer<typeof newAccountSchema>

export const updateAccountSchema = z
  .object({
    /** The account to change; names are fixed once created (the keychain entry is keyed by name). */
    name: accountNameSchema,
    url: accountUrl.optional(),
    options: z.record(z.string(), z.unknown()).optional(),
    /** A new token replaces the stored one; omitted leaves it as it is. */
    token: tokenSchema.optional(),
    autoSync: autoSyncSchema.optional()
  })
  .strict()
export type UpdateAccountInput = z.infer<typeof updateAccountSchema>

/** Test a saved account, or a draft from the add/edit form before it is saved. */
export const testConnectionSchema = z.union([
  z.object({ name: accountNameSchema }).strict(),
  z
    .object({
      draft: z
        .object({
          name: accountNameSchema,
          kind: sourceKindSchema,
          url: accountUrl.optional(),
          options: z.record(z.string(), z.unknown())
        })
        .strict(),
      /** Falls back to the stored token of the account with the draft's name, if any. */
      token: tokenSchema.optional()
    })
    .strict()
])
export type TestConnectionInput = z.infer<typeof testConnectionSchema>

/** Omitted or empty names mean every account. */
const accountNames = z
  .object({ names: z.array(accountNameSchema).max(MAX_LIST).optional() })
  .strict()
  .optional()

export const settingsSchema = z
  .object({
    timeZone: timeZoneSchema,
    /** The schedule a new account starts with. */
    defaultAutoSync: autoSyncSchema
  })
  .strict()
export type Settings = z.infer<typeof settingsSchema>

export const DEFAULT_SETTINGS: Settings = {
  timeZone: 'local',
  defaultAutoSync: { enabled: true, intervalMinutes: AUTO_SYNC_DEFAULT_MINUTES }
}

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

export const exportRequestSchema = z
  .object({
    query: eventQuerySchema,
    sort: eventSortSchema.optional(),
    format: z.enum(EXPORT_FORMATS).default('csv'),
    /**
     * The zone the times are written in. Pass a resolved zone (the renderer turns `local` into
     * its own IANA zone): in browser mode the core may not run in the viewer's zone.
     */
    timeZone: timeZoneSchema
  })
  .strict()
export type ExportRequest = z.input<typeof exportRequestSchema>

export const HISTOGRAM_MAX_BUCKETS = 400

// Investigation (issue 7). Names and texts are checked again, more closely, by the core.

const repositoryInput = z.string().min(1).max(MAX_TEXT)
/** A saved query's or a case's name (the core's rule: 1–64 letters, digits, ".", "_", "-", spaces). */
const investigationName = z.string().min(1).max(64)
/** A query in the query syntax (query-parser.ts), as typed. */
const queryTextSchema = z.string().max(10_000)
const eventId = z.number().int().positive()

export const LINEAGE_MAX_LIMIT = 5000

/** What the deletion explainer is asked about: a repository's tag, or an image digest (or a prefix of one). */
export const deletionTargetSchema = z.union([
  z.object({ repository: repositoryInput, tag: z.string().min(1).max(MAX_TEXT) }).strict(),
  z.object({ digest: z.string().min(1).max(MAX_TEXT) }).strict()
])

export const evidenceRequestSchema = z
  .object({
    query: eventQuerySchema,
    sort: eventSortSchema.optional(),
    /** The zone of the CSV's times; pass a resolved zone, as for export:run. */
    timeZone: timeZoneSchema,
    /** Adds the case (pins and notes) to the folder. */
    caseName: investigationName.optional(),
    /** The query as the user typed it, recorded beside the parsed one. */
    queryText: queryTextSchema.optional()
  })
  .strict()

/**
 * import:file — which account the file is imported into, and how to read it. The file itself is
 * never named by the renderer: Electron's main process asks with an open dialog; browser mode
 * uploads it first (`POST /api/upload`, streamed to a temporary file) and passes the ticket.
 */
export const importFileSchema = z
  .object({
    account: accountNameSchema,
    format: z.enum(IMPORT_FORMATS).default('auto'),
    /** Browser mode only: the ticket the upload answered with (single use). */
    upload: z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'not an upload ticket').optional()
  })
  .strict()
export type ImportFileRequest = z.input<typeof importFileSchema>

// ---------------------------------------------------------------------------------------------
// Result types
// ---------------------------------------------------------------------------------------------

/**
 * Where an account's token is held (the token itself never leaves the core): the OS keychain,
 * this process only (no keychain), a `REGISTRY_AUDIT_TOKEN_<ACCOUNT>` variable, or nowhere.
 */
export type TokenStorage = 'keychain' | 'session' | 'environment' | 'none'

export interface TokenStatus {
  account: string
  storage: TokenStorage
}

/** One finished (or running) sync run, as the sync panel shows it. */
export interface SyncRunSummary {
  started_at: number
  finished_at: number | null
  status: 'running' | 'ok' | 'failed' | 'cancelled'
  pages: number
  inserted: number
  duplicates: number
  error: ErrorInfo | null
}

/** An account as the UI sees it: its settings, never its token. */
export interface AccountView {
  id: number
  name: string
  kind: SourceKind
  url: string
  options: Record<string, unknown>
  created_at: number
  updated_at: number
  token: TokenStorage
  autoSync: AutoSync
  lastSync: SyncRunSummary | null
  /** The events held for this account: count and the oldest and newest event times. */
  held: { count: number; oldest: number | null; newest: number | null }
}

export interface ConnectionTestReport {
  /** What the source said about who we are and what we can read. */
  details: string[]
  warnings: string[]
}

/** The sync side of one account, for the sync panel. */
export interface AccountSyncState {
  account: string
  running: boolean
  /** Running totals of the run in progress (or the last event of the last run in this session). */
  progress: SyncProgress | null
  /** When the current run started, if one is running. */
  startedAt: number | null
  lastRun: SyncRunSummary | null
  autoSync: AutoSync
  /** When the scheduler will next start a run; null when auto-sync is off or a run is going. */
  nextRunAt: number | null
  /**
   * Another live process syncing this account now (the `registry-audit` CLI, a browser-mode
   * server): it holds the account's cross-process sync lock. Null when none does, so a last run
   * still 'running' that this process does not run either was left by a process that died
   * (closed as interrupted when the lock is next taken).
   */
  elsewhere: SyncElsewhere | null
}

/**
 * The process that holds an account's sync lock, alive as the lock itself judges it: on this
 * host its pid exists; on another host it renewed its heartbeat within the lock's stale limit.
 */
export interface SyncElsewhere {
  pid: number
  host: string
  /** True when that process runs on this machine (its pid means something here). */
  sameHost: boolean
  /** When it took the lock (ms). */
  since: number
  /** When it last said it was still working (ms). */
  heartbeatAt: number
}

/** archive:check's result: the archive file as SQLite's integrity check found it. */
export interface ArchiveCheck {
  file: string
  /** `archive`, or why it is not one: missing, not-sqlite, foreign, newer-schema, unreadable. */
  kind: 'archive' | 'missing' | 'not-sqlite' | 'foreign' | 'newer-schema' | 'unreadable'
  /** True when the integrity check passed and every table could be read. */
  ok: boolean
  schemaVersion: number | null
  problems: string[]
  /** Rows per table; null where a table could not be read to its end. */
  tables: Array<{ name: string; rows: number | null }>
  /** Copies of a damaged archive kept beside it (archive.sqlite.damaged-<time>). */
  backups: string[]
}

export interface SyncStartResult {
  started: string[]
  /** Accounts that were already syncing (in this process or another one, such as a cron run). */
  alreadyRunning: string[]
}

export interface EventPage {
  rows: AuditEvent[]
  /** Cursor for the next page, null when this was the last. */
  nextCursor: string | null
}

export interface EventCount {
  count: number
  /** False when counting stopped at the limit (the true count is at least `count`). */
  exact: boolean
}

/** Per field, values and counts; `approximate` marks a count estimated from a sample (shown as ≈). */
export type FacetCounts = Record<FacetField, Array<{ value: string; count: number; approximate?: boolean }>>

/** Why an event is related to the one asked about. */
export type Relation = 'digest' | 'tag'

export interface RelatedEvents {
  /** The event asked about; its own row is in `events` too, so the timeline shows where it sits. */
  id: number
  digest: string | null
  repository: string | null
  tag: string | null
  /** Oldest first. */
  events: Array<AuditEvent & { relations: Relation[] }>
  /** True when there were more than `limit` related events. */
  truncated: boolean
}

export interface HistogramBucket {
  /** Bucket start, ms since the epoch (UTC). */
  start: number
  total: number
  /** Only activities with a count > 0. */
  byActivity: Partial<Record<Activity, number>>
}

export interface Histogram {
  /** The range the buckets cover: [from, to). Null when nothing matches and no range was given. */
  from: number | null
  to: number | null
  /** Width of each bucket in ms. */
  bucketMs: number
  buckets: HistogramBucket[]
}

export type ExportResult =
  /** Electron: written to the file the user chose in the save dialog. */
  | { kind: 'file'; path: string; rows: number }
  /** Browser mode: a one-time URL that streams the file; the browser downloads it. */
  | { kind: 'download'; url: string; filename: string }
  /** The user closed the save dialog. */
  | { kind: 'cancelled' }

export interface AppInfo {
  version: string
  transport: 'electron' | 'browser'
  /** True while the demo archive is open (the UI marks every screen DEMO). */
  demo: boolean
  /** The archive file shown, so the user knows what they look at. */
  archive: string
}

export type ImportFileResult =
  /** The file was read; the report counts what was imported, already held and rejected. */
  | { kind: 'imported'; report: ImportReport }
  /** The user closed the open dialog (or the browser's file chooser) without choosing a file. */
  | { kind: 'cancelled' }

/** Browser mode's answer to `POST /api/upload`: the ticket import:file takes. */
export interface UploadTicket {
  upload: string
  bytes: number
}

// ---------------------------------------------------------------------------------------------
// The method table
// ---------------------------------------------------------------------------------------------

/** One method: its channel, its input schema and (as a phantom type) its result. */
export interface MethodSpec<I extends z.ZodType, R> {
  channel: string
  input: I
  /** Never set; carries the result type for `ContractResult`. */
  readonly result?: R
}

function method<R>() {
  return <C extends string, I extends z.ZodType>(channel: C, input: I): MethodSpec<I, R> & { channel: C } => ({
    channel,
    input
  })
}

/**
 * Every call the UI can make, by method name. The preload and the browser shim expose exactly
 * these names; the transports route by `channel`.
 */
export const contract = {
  /** accounts:list — every account with token status, schedule, last run and held range. */
  listAccounts: method<AccountView[]>()(METHOD_CHANNELS.listAccounts, noInput),
  /** accounts:add — stores the account and, if given, its token (keychain, else session). */
  addAccount: method<AccountView>()(METHOD_CHANNELS.addAccount, newAccountSchema),
  /** accounts:update — changes URL, options, token or schedule; the name is fixed. */
  updateAccount: method<AccountView>()(METHOD_CHANNELS.updateAccount, updateAccountSchema),
  /** accounts:remove — removes the account and its token; its events only with purgeEvents. */
  removeAccount: method<{ eventsDeleted: number }>()(
    METHOD_CHANNELS.removeAccount,
    z.object({ name: accountNameSchema, purgeEvents: z.boolean().default(false) }).strict()
  ),
  /** accounts:test — authenticates and reads one small page. */
  testConnection: method<ConnectionTestReport>()(METHOD_CHANNELS.testConnection, testConnectionSchema),

  /** token:set — write-only: replaces the account's token; returns where it is now held. */
  setToken: method<TokenStatus>()(METHOD_CHANNELS.setToken, z.object({ name: accountNameSchema, token: tokenSchema }).strict()),
  /** token:status — where the account's token is held (keychain, session only, environment, missing). */
  tokenStatus: method<TokenStatus>()(METHOD_CHANNELS.tokenStatus, z.object({ name: accountNameSchema }).strict()),

  /**
   * sync:start — starts a run for each named account (all when none) and returns at once;
   * progress arrives as `sync:progress` events, new rows as `events:changed`.
   */
  startSync: method<SyncStartResult>()(METHOD_CHANNELS.startSync, accountNames),
  /** sync:cancel — cancels the named running syncs (all when none). */
  cancelSync: method<{ cancelled: string[] }>()(METHOD_CHANNELS.cancelSync, accountNames),
  /** sync:status — the sync panel's state for every account. */
  syncStatus: method<AccountSyncState[]>()(METHOD_CHANNELS.syncStatus, noInput),

  /** events:query — one keyset page, sorted in SQL. */
  queryEvents: method<EventPage>()(METHOD_CHANNELS.queryEvents, pageRequestSchema),
  /** events:count — counted apart from the page, so the grid never waits on it. */
  countEvents: method<EventCount>()(
    METHOD_CHANNELS.countEvents,
    z.object({ query: eventQuerySchema, limit: z.number().int().min(1).optional() }).strict()
  ),
  /** events:facets — value counts per facet field for the current filter. */
  facets: method<FacetCounts>()(
    METHOD_CHANNELS.facets,
    z
      .object({
        query: eventQuerySchema,
        fields: z.array(z.enum(FACET_FIELDS)).max(FACET_FIELDS.length).optional(),
        top: z.number().int().min(1).max(1000).optional(),
        /** Allow estimates for fields read from very many events (their entries say `approximate`). */
        approximate: z.boolean().optional()
      })
      .strict()
  ),
  /** events:get — one event with its raw record; NOT_FOUND when there is none. */
  getEvent: method<AuditEvent>()(METHOD_CHANNELS.getEvent, z.object({ id: z.number().int().positive() }).strict()),
  /** events:related — events with the same digest, or the same repository:tag, across accounts. */
  relatedEvents: method<RelatedEvents>()(
    METHOD_CHANNELS.relatedEvents,
    z
      .object({
        id: z.number().int().positive(),
        limit: z.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
        /** Pulls of the same image are left out unless asked for (they swamp the history). */
        includePull: z.boolean().optional()
      })
      .strict()
  ),
  /** events:histogram — counts over time for the current filter, stacked by activity. */
  histogram: method<Histogram>()(
    METHOD_CHANNELS.histogram,
    z
      .object({
        query: eventQuerySchema,
        /** About how many buckets to return; the width is rounded to a readable step. */
        buckets: z.number().int().min(1).max(HISTOGRAM_MAX_BUCKETS).optional()
      })
      .strict()
  ),

  /** export:run — exactly the current filter and sort; a save dialog (Electron) or a download (browser). */
  runExport: method<ExportResult>()(METHOD_CHANNELS.runExport, exportRequestSchema),

  /** settings:get — display time zone and the default auto-sync schedule. */
  getSettings: method<Settings>()(METHOD_CHANNELS.getSettings, noInput),
  /** settings:set — changes some settings; returns all of them. */
  setSettings: method<Settings>()(METHOD_CHANNELS.setSettings, settingsSchema.partial().strict()),

  /** app:info — version, transport, and whether the demo archive is open. */
  appInfo: method<AppInfo>()(METHOD_CHANNELS.appInfo, noInput),
  /**
   * demo:open — switches to the demo archive (about 50,000 generated events across the source
   * kinds, in its own data folder, never mixed with real data); created on first use.
   */
  openDemo: method<AppInfo>()(METHOD_CHANNELS.openDemo, noInput),
  /** demo:close — back to the real archive. */
  closeDemo: method<AppInfo>()(METHOD_CHANNELS.closeDemo, noInput),

  /**
   * lineage:digest — every event of an image digest (or a unique prefix of one) across accounts,
   * oldest first: pushes and retags, pulls, scans, promotions, mirrors, deletions, the tag
   * deletions and overwrites that removed it, and Notary signatures linked by repository and time.
   */
  digestLineage: method<DigestLineage>()(
    METHOD_CHANNELS.digestLineage,
    z
      .object({
        digest: z.string().min(1).max(MAX_TEXT),
        /** Pulls are listed unless false (they are always counted in `pulls`). */
        includePull: z.boolean().optional(),
        limit: z.number().int().min(1).max(LINEAGE_MAX_LIMIT).optional()
      })
      .strict()
  ),
  /** tags:history — every change of a repository's tags (or one tag), per account, with the overwrites. */
  tagHistory: method<TagHistory>()(
    METHOD_CHANNELS.tagHistory,
    z.object({ repository: repositoryInput, account: accountNameSchema.optional(), tag: text.optional() }).strict()
  ),
  /** tags:state — a repository's tags and their digests at a moment (default now), per account. */
  tagState: method<RepositoryTagState[]>()(
    METHOD_CHANNELS.tagState,
    z.object({ repository: repositoryInput, account: accountNameSchema.optional(), at: epochMs.optional() }).strict()
  ),
  /** tags:diff — what changed in a repository's tags between two moments (`to` default now). */
  tagDiff: method<TagStateDiff>()(
    METHOD_CHANNELS.tagDiff,
    z
      .object({ repository: repositoryInput, account: accountNameSchema.optional(), from: epochMs, to: epochMs.optional() })
      .strict()
  ),
  /**
   * deletion:explain — each recorded deletion of the tag or digest, newest first, with candidate
   * causes ranked by their evidence (never one without) and the actor's events in the hour around it.
   */
  explainDeletion: method<DeletionReport>()(METHOD_CHANNELS.explainDeletion, deletionTargetSchema),
  /** integrity:verify — recomputes every account's integrity chain; where it breaks, if it does. */
  verifyArchive: method<ChainVerification>()(METHOD_CHANNELS.verifyArchive, noInput),
  /**
   * archive:check — SQLite's integrity check of the archive file, read-only (what `registry-audit
   * archive check` prints): what kind of file it is, rows per table, problems, kept damaged copies.
   */
  checkArchive: method<ArchiveCheck>()(METHOD_CHANNELS.checkArchive, noInput),
  /**
   * evidence:export — an evidence folder (the view as CSV and NDJSON, query, time zone, sync state,
   * chain heads and verification, the case, manifest.sha256) under the data folder's `evidence/`.
   */
  exportEvidence: method<EvidenceResult>()(METHOD_CHANNELS.exportEvidence, evidenceRequestSchema),
  /** coverage:get — per account: events held, the source's retention, gaps between runs, warnings. */
  coverage: method<CoverageReport>()(METHOD_CHANNELS.coverage, noInput),
  /** retention:preview — how many of an account's events are older than N days (pinned ones are kept). */
  previewPrune: method<PrunePreview>()(
    METHOD_CHANNELS.previewPrune,
    z.object({ account: accountNameSchema, olderThanDays: z.number().int().min(1).max(100_000) }).strict()
  ),
  /**
   * retention:prune — deletes the account's unpinned events older than `before` (the preview's
   * `before`, after the user confirmed its count); the chain stays verifiable. Pushes events:changed.
   */
  pruneEvents: method<PruneResult>()(
    METHOD_CHANNELS.pruneEvents,
    z.object({ account: accountNameSchema, before: epochMs }).strict()
  ),
  /** queries:list — the saved queries, by name. */
  listSavedQueries: method<SavedQuery[]>()(METHOD_CHANNELS.listSavedQueries, noInput),
  /** queries:save — saves a query (its text) under a name; CONFLICT for a taken name unless `replace`. */
  saveQuery: method<SavedQuery>()(
    METHOD_CHANNELS.saveQuery,
    z
      .object({ name: investigationName, query: queryTextSchema, sort: eventSortSchema.optional(), replace: z.boolean().optional() })
      .strict()
  ),
  /** queries:delete — forgets a saved query. */
  deleteSavedQuery: method<{ deleted: string }>()(METHOD_CHANNELS.deleteSavedQuery, z.object({ name: investigationName }).strict()),
  /** queries:recent — the last queries run, newest first. */
  listRecentQueries: method<RecentQuery[]>()(METHOD_CHANNELS.listRecentQueries, noInput),
  /** queries:record — remembers a query the user ran (an empty one is not kept). */
  recordRecentQuery: method<RecentQuery[]>()(
    METHOD_CHANNELS.recordRecentQuery,
    z.object({ query: queryTextSchema, sort: eventSortSchema.optional() }).strict()
  ),
  /** cases:list — every case with its number of pins. */
  listCases: method<CaseSummary[]>()(METHOD_CHANNELS.listCases, noInput),
  /** cases:create — a new, empty case; CONFLICT for a taken name. */
  createCase: method<CaseSummary>()(
    METHOD_CHANNELS.createCase,
    z.object({ name: investigationName, description: z.string().max(10_000).optional() }).strict()
  ),
  /** cases:get — a case with its pinned events and notes. */
  getCase: method<CaseDetail>()(METHOD_CHANNELS.getCase, z.object({ name: investigationName }).strict()),
  /** cases:delete — deletes a case and its pins (the events stay). */
  deleteCase: method<{ deleted: string }>()(METHOD_CHANNELS.deleteCase, z.object({ name: investigationName }).strict()),
  /** cases:pin — pins an event to a case with a note (pinning again replaces the note). */
  pinEvent: method<CasePin>()(
    METHOD_CHANNELS.pinEvent,
    z.object({ name: investigationName, eventId, note: z.string().max(10_000).optional() }).strict()
  ),
  /** cases:unpin — takes an event off a case. */
  unpinEvent: method<{ unpinned: number }>()(METHOD_CHANNELS.unpinEvent, z.object({ name: investigationName, eventId }).strict()),
  /**
   * import:file — imports an export file into the account's history (format detected or forced,
   * every row checked); the report lists imported rows, duplicates and rejects with line numbers.
   * Pushes events:changed when rows were added.
   */
  importFile: method<ImportFileResult>()(METHOD_CHANNELS.importFile, importFileSchema)
} as const

export type Contract = typeof contract

/** What the caller passes (defaults not yet applied). */
export type ContractInput<M extends MethodName> = z.input<Contract[M]['input']>
/** What a handler receives, after zod parsed it. */
export type ContractParsedInput<M extends MethodName> = z.output<Contract[M]['input']>
export type ContractResult<M extends MethodName> = Contract[M] extends MethodSpec<z.ZodType, infer R> ? R : never

/** Methods whose input may be omitted take an optional argument. */
export type ContractArgs<M extends MethodName> = undefined extends ContractInput<M>
  ? [input?: ContractInput<M>]
  : [input: ContractInput<M>]

// Every name in METHOD_CHANNELS has its method here, and no other: checked by the compiler.
const _everyMethod: Record<MethodName, unknown> = contract
const _onlyMethods: Record<keyof Contract, unknown> = METHOD_CHANNELS
void _everyMethod
void _onlyMethods

// ---------------------------------------------------------------------------------------------
// Pushed events
// ---------------------------------------------------------------------------------------------

/** Events the core pushes to the UI, by name. */
export interface PushEvents {
  /** A sync's progress, for every account that runs (also runs started by the scheduler). */
  'sync:progress': SyncProgress
  /** The archive's contents changed (a sync wrote events, an account was removed, demo switched). */
  'events:changed': { accounts: string[]; reason: 'sync' | 'account-removed' | 'archive-switched' | 'pruned' | 'imported' }
  /** An export's progress (rows written so far), so the UI can show a count while it runs. */
  'export:progress': { exportId: string; rows: number; done: boolean; error?: ErrorInfo }
}
// Every pushed event has a payload type, and only those: checked by the compiler.
const _everyPayload: Record<PushEventName, unknown> = {} as PushEvents
const _onlyPayloads: Record<keyof PushEvents, unknown> = {} as Record<PushEventName, unknown>
void _everyPayload
void _onlyPayloads

// ---------------------------------------------------------------------------------------------
// The API object the renderer gets
// ---------------------------------------------------------------------------------------------

export type ApiMethod<M extends MethodName> = (...args: ContractArgs<M>) => Promise<Result<ContractResult<M>>>

export type ContractMethods = { [M in MethodName]: ApiMethod<M> }

/**
 * What the renderer calls: the preload (Electron) and the browser shim both build exactly this.
 * `on` subscribes to a pushed event and returns the function that unsubscribes.
 */
export interface RegistryAuditApi extends ContractMethods {
  on<E extends PushEventName>(event: E, listener: (payload: PushEvents[E]) => void): () => void
}

/** Turns a zod failure into the contract's error, naming the first bad field. */
export function invalidInput(error: z.ZodError): ErrorInfo {
  const issue = error.issues[0]
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''
  return { code: 'INVALID_INPUT', message: `Invalid input — ${where}${issue?.message ?? 'not accepted'}` }
}

import path from 'node:path'
import {
  contract,
  invalidInput,
  methodForChannel,
  type ContractParsedInput,
  type ContractResult,
  type EventCount as ContractEventCount,
  type EventPage as ContractEventPage,
  type ArchiveCheck,
  type ExportResult,
  type FacetCounts as ContractFacetCounts,
  type ImportFileResult,
  type MethodName
} from '../../shared/contract'
import type { ImportFormatChoice, ImportReport } from '../../shared/import'
import type { Result } from '../../shared/errors'
import type { CoreRuntime } from './core-runtime'
import { demoReadOnly } from './core-runtime'
import { checkArchiveFile, type ArchiveCheckReport } from './db/archive-check'
import type { EventCount, EventPage, FacetCounts } from './db/archive-types'
import { testDraftConnection } from './draft-connection-test'
import { AppError, toAppError } from './errors'

/**
 * The contract's methods over the core, shared by every transport (the desktop app's worker and
 * browser mode's HTTP server). Inputs arrive here already parsed by the method's zod schema
 * ({@link dispatchCall} does it); what a handler returns is what the UI gets, so each one builds
 * its result from named fields and never passes a core object through whole.
 */
export type ContractHandlers = {
  [M in MethodName]: (input: ContractParsedInput<M>) => ContractResult<M> | Promise<ContractResult<M>>
}

/** The part of export:run that differs per transport: a save dialog, or a download URL. */
export interface ExportTransport {
  runExport(request: ContractParsedInput<'runExport'>): Promise<ExportResult>
}

/**
 * The part of import:file that differs per transport. Browser mode redeems the ticket of a file
 * the page uploaded (server/import-uploads.ts); the desktop app has no tickets (main shows an open
 * dialog and sends the path to the worker, see {@link importIntoAccount}).
 */
export interface ImportTransport {
  /** The uploaded file a ticket names, once; `release` deletes it. Undefined for an unknown or used ticket. */
  redeemUpload?(ticket: string): { path: string; release(): void } | undefined
}

// The archive's result types and the contract's are declared apart (src/shared cannot import
// src/main); these lines fail to compile the day they drift.
const _pageFits = (page: EventPage): ContractEventPage => page
const _countFits = (count: EventCount): ContractEventCount => count
const _facetsFit = (facets: FacetCounts): ContractFacetCounts => facets
void _pageFits
void _countFits
void _facetsFit
const _checkFits = (report: ArchiveCheckReport): ArchiveCheck => report
void _checkFits

export function createContractHandlers(runtime: CoreRuntime, transport: ExportTransport & ImportTransport): ContractHandlers {
  const writable = (what: string): void => {
    if (runtime.demo) throw demoReadOnly(what)
  }
  const view = (name: string) => runtime.accountView(runtime.service.getAccount(name))

  return {
    listAccounts: () => runtime.service.listAccounts().map((account) => runtime.accountView(account)),

    addAccount: (input) => {
      writable('adding an account')
      const { account } = runtime.service.addAccount({
        name: input.name,
        kind: input.kind,
        url: input.url,
        options: input.options,
        token: input.token
      })
      if (input.autoSync !== undefined) runtime.extras.settings.setAutoSync(account.id, input.autoSync)
      runtime.syncs.reschedule()
      return view(account.name)
    },

    updateAccount: (input) => {
      writable('changing an account')
      const account = runtime.service.updateAccount(input.name, {
        url: input.url,
        options: input.options,
        token: input.token
      })
      if (input.autoSync !== undefined) {
        runtime.extras.settings.setAutoSync(account.id, input.autoSync)
        runtime.syncs.reschedule()
      }
      return view(account.name)
    },

    removeAccount: async (input) => {
      writable('removing an account')
      const account = runtime.service.getAccount(input.name)
      // Its run writes to the rows about to go; it ends (cancelled) first.
      await runtime.syncs.stop(account.name)
      const { eventsDeleted } = runtime.service.removeAccount(account.name, { purgeEvents: input.purgeEvents })
      runtime.extras.settings.clearAutoSync(account.id)
      runtime.syncs.reschedule()
      runtime.events.emit('events:changed', { accounts: [account.name], reason: 'account-removed' })
      return { eventsDeleted }
    },

    testConnection: (input) =>
      'name' in input ? runtime.service.testConnection(input.name) : testDraftConnection(input, runtime.tokens),

    setToken: (input) => {
      writable('setting a token')
      return { account: input.name, storage: runtime.service.setToken(input.name, input.token).storage }
    },

    tokenStatus: (input) => ({ account: input.name, storage: runtime.service.tokenStatus(input.name).storage }),

    startSync: (input) => runtime.syncs.start(input?.names ?? []),
    cancelSync: (input) => runtime.syncs.cancel(input?.names ?? []),
    syncStatus: () => runtime.syncs.status(),

    queryEvents: (input) => runtime.service.queryEvents(input),
    countEvents: (input) => runtime.service.countEvents(input.query, input.limit === undefined ? {} : { limit: input.limit }),
    facets: (input) =>
      runtime.service.facets(input.query, {
        ...(input.fields === undefined ? {} : { fields: input.fields }),
        ...(input.top === undefined ? {} : { top: input.top }),
        ...(input.approximate === undefined ? {} : { approximate: input.approximate })
      }),
    getEvent: (input) => runtime.service.getEvent(input.id),
    relatedEvents: (input) => runtime.extras.relatedEvents(input.id, input),
    histogram: (input) => runtime.extras.histogram(input.query, input.buckets),

    runExport: (input) => transport.runExport(input),

    getSettings: () => runtime.extras.settings.getSettings(),
    setSettings: (input) => {
      const settings = runtime.extras.settings.setSettings(input)
      if (input.defaultAutoSync !== undefined) runtime.syncs.reschedule()
      return settings
    },

    appInfo: () => runtime.appInfo(),
    checkArchive: () => {
      const report = checkArchiveFile(runtime.service.archiveFile)
      return { ...report, problems: [...report.problems], tables: report.tables.map((table) => ({ ...table })), backups: [...report.backups] }
    },
    openDemo: () => runtime.openDemo(),
    closeDemo: () => runtime.closeDemo(),

    importFile: async (input): Promise<ImportFileResult> => {
      if (input.upload === undefined) {
        throw new AppError('INVALID_INPUT', 'import:file needs a file: choose it in the app, which asks for it')
      }
      const upload = transport.redeemUpload?.(input.upload)
      if (upload === undefined) {
        throw new AppError('NOT_FOUND', 'This upload has expired or was already imported; choose the file again')
      }
      try {
        return { kind: 'imported', report: await importIntoAccount(runtime, input.account, upload.path, input.format) }
      } finally {
        upload.release()
      }
    },

    ...investigationHandlers(runtime, writable)
  }
}

/**
 * Imports a file the transport has made available (the path main's open dialog chose, or an
 * upload's temporary file) and tells the windows when rows were added. The demo archive refuses.
 */
export async function importIntoAccount(
  runtime: CoreRuntime,
  account: string,
  file: string,
  format: ImportFormatChoice
): Promise<ImportReport> {
  if (runtime.demo) throw demoReadOnly('importing a file')
  const report = await runtime.service.importFile(account, file, { format })
  if (report.imported > 0) runtime.events.emit('events:changed', { accounts: [report.account], reason: 'imported' })
  return report
}

type InvestigationMethod =
  | 'digestLineage'
  | 'tagHistory'
  | 'tagState'
  | 'tagDiff'
  | 'explainDeletion'
  | 'verifyArchive'
  | 'exportEvidence'
  | 'coverage'
  | 'previewPrune'
  | 'pruneEvents'
  | 'listSavedQueries'
  | 'saveQuery'
  | 'deleteSavedQuery'
  | 'listRecentQueries'
  | 'recordRecentQuery'
  | 'listCases'
  | 'createCase'
  | 'getCase'
  | 'deleteCase'
  | 'pinEvent'
  | 'unpinEvent'

/**
 * The investigation methods (issue 7) over `service.investigation`. Only local retention counts as
 * a change the demo archive refuses; saved queries and cases in the demo are the user's own notes.
 */
function investigationHandlers(
  runtime: CoreRuntime,
  writable: (what: string) => void
): Pick<ContractHandlers, InvestigationMethod> {
  const investigation = () => runtime.service.investigation
  const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
    (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>
  return {
    digestLineage: (input) =>
      investigation().digestLineage(input.digest, { ...optional('includePull', input.includePull), ...optional('limit', input.limit) }),
    tagHistory: (input) =>
      investigation().tagHistory(input.repository, { ...optional('account', input.account), ...optional('tag', input.tag) }),
    tagState: (input) =>
      investigation().tagState(input.repository, { ...optional('account', input.account), ...optional('at', input.at) }),
    tagDiff: (input) =>
      investigation().tagDiff(input.repository, { ...optional('account', input.account), from: input.from, ...optional('to', input.to) }),
    explainDeletion: (input) => investigation().explainDeletion(input),
    verifyArchive: () => investigation().verify(),
    exportEvidence: (input) => {
      // The renderer never names a path: evidence goes into a new folder under the data folder.
      const stamp = new Date(Date.now()).toISOString().replace(/[:.]/g, '-')
      const dir = path.join(runtime.service.dataDir, 'evidence', `${stamp}${input.caseName === undefined ? '' : `-${input.caseName.replace(/[^\w.-]+/g, '_')}`}`)
      return investigation().exportEvidence(
        {
          dir,
          query: input.query,
          ...optional('sort', input.sort),
          timeZone: input.timeZone,
          ...optional('caseName', input.caseName),
          ...optional('queryText', input.queryText)
        },
        { appVersion: runtime.appInfo().version }
      )
    },
    coverage: () => investigation().coverage(),
    previewPrune: (input) => investigation().previewPrune(input.account, input.olderThanDays),
    pruneEvents: (input) => {
      writable('pruning events')
      const result = investigation().prune(input.account, input.before)
      if (result.deleted > 0) runtime.events.emit('events:changed', { accounts: [result.account], reason: 'pruned' })
      return result
    },
    listSavedQueries: () => investigation().queries.list(),
    saveQuery: (input) =>
      investigation().queries.save(input.name, input.query, { sort: input.sort ?? null, replace: input.replace === true }),
    deleteSavedQuery: (input) => {
      investigation().queries.delete(input.name)
      return { deleted: input.name }
    },
    listRecentQueries: () => investigation().queries.recent(),
    recordRecentQuery: (input) => {
      const queries = investigation().queries
      queries.recordRecent(input.query, input.sort ?? null)
      return queries.recent()
    },
    listCases: () => investigation().cases.list(),
    createCase: (input) => investigation().cases.create(input.name, input.description ?? ''),
    getCase: (input) => investigation().cases.get(input.name),
    deleteCase: (input) => {
      investigation().cases.delete(input.name)
      return { deleted: input.name }
    },
    pinEvent: (input) => investigation().cases.pin(input.name, input.eventId, input.note ?? ''),
    unpinEvent: (input) => {
      investigation().cases.unpin(input.name, input.eventId)
      return { unpinned: input.eventId }
    }
  }
}

/**
 * Runs one call from a transport: finds the method behind the channel, parses the input with
 * its schema, runs the handler, and turns every failure into the contract's error value. Never
 * throws, so a transport can hand the result straight back.
 */
export async function dispatchCall(handlers: ContractHandlers, channel: string, input: unknown): Promise<Result<unknown>> {
  const method = methodForChannel(channel)
  if (method === undefined) {
    return { ok: false, error: { code: 'NOT_FOUND', message: `"${channel.slice(0, 80)}" is not a method of the API` } }
  }
  const parsed = contract[method].input.safeParse(input)
  if (!parsed.success) return { ok: false, error: invalidInput(parsed.error) }
  try {
    const handler = handlers[method] as (input: unknown) => unknown
    const value = await handler(parsed.data)
    return { ok: true, value }
  } catch (error) {
    return { ok: false, error: errorInfo(error) }
  }
}

/**
 * The error as the UI gets it. An AppError's message is written for users (and never holds a
 * secret); anything else is a bug, so the UI gets its text, capped, under INTERNAL.
 */
function errorInfo(error: unknown): { code: AppError['code']; message: string } {
  const failure = toAppError(error)
  const message = failure.message.length > 1000 ? `${failure.message.slice(0, 1000)}…` : failure.message
  return { code: failure.code, message }
}

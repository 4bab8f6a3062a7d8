import type { ApiMethod, PushEvents, RegistryAuditApi } from '../shared/contract'
import { isPushEventName, METHOD_CHANNELS, type MethodName, type PushEventName } from '../shared/contract-channels'
import type { Result } from '../shared/errors'

// Names only (contract-channels.ts): the sandboxed preload bundles no zod; main's guard validates.

/** The two things the preload needs from `ipcRenderer`, so the API object can be built and tested apart. */
export interface RendererIpc {
  invoke(channel: string, input: unknown): Promise<unknown>
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown
}

/**
 * The API the preload exposes: exactly the contract's methods, by name, each bound to its own
 * channel, plus `on` for the events main pushes. Nothing generic: the page can neither name a
 * channel nor reach `ipcRenderer`.
 */
export function createContractApi(ipc: RendererIpc): RegistryAuditApi {
  function bind<M extends MethodName>(method: M): ApiMethod<M> {
    const channel = METHOD_CHANNELS[method]
    return (async (input?: unknown) => {
      try {
        return (await ipc.invoke(channel, input)) as Result<unknown>
      } catch (error) {
        // Only a missing handler or a dead main process gets here; the guard itself never throws.
        const detail = error instanceof Error ? error.message : String(error)
        return { ok: false, error: { code: 'INTERNAL', message: `The app's main process did not answer: ${detail}` } }
      }
    }) as ApiMethod<M>
  }

  function on<E extends PushEventName>(event: E, listener: (payload: PushEvents[E]) => void): () => void {
    if (!isPushEventName(event)) throw new Error(`"${String(event)}" is not an event the app pushes`)
    // The IPC event object stays here: it carries `sender`, which the page must never get.
    const relay = (_event: unknown, payload: unknown): void => listener(payload as PushEvents[E])
    ipc.on(event, relay)
    return () => {
      ipc.removeListener(event, relay)
    }
  }

  return Object.freeze({
    listAccounts: bind('listAccounts'),
    addAccount: bind('addAccount'),
    updateAccount: bind('updateAccount'),
    removeAccount: bind('removeAccount'),
    testConnection: bind('testConnection'),
    setToken: bind('setToken'),
    tokenStatus: bind('tokenStatus'),
    startSync: bind('startSync'),
    cancelSync: bind('cancelSync'),
    syncStatus: bind('syncStatus'),
    queryEvents: bind('queryEvents'),
    countEvents: bind('countEvents'),
    facets: bind('facets'),
    getEvent: bind('getEvent'),
    relatedEvents: bind('relatedEvents'),
    histogram: bind('histogram'),
    runExport: bind('runExport'),
    getSettings: bind('getSettings'),
    setSettings: bind('setSettings'),
    appInfo: bind('appInfo'),
    openDemo: bind('openDemo'),
    closeDemo: bind('closeDemo'),
    digestLineage: bind('digestLineage'),
    tagHistory: bind('tagHistory'),
    tagState: bind('tagState'),
    tagDiff: bind('tagDiff'),
    explainDeletion: bind('explainDeletion'),
    verifyArchive: bind('verifyArchive'),
    checkArchive: bind('checkArchive'),
    exportEvidence: bind('exportEvidence'),
    coverage: bind('coverage'),
    previewPrune: bind('previewPrune'),
    pruneEvents: bind('pruneEvents'),
    listSavedQueries: bind('listSavedQueries'),
    saveQuery: bind('saveQuery'),
    deleteSavedQuery: bind('deleteSavedQuery'),
    listRecentQueries: bind('listRecentQueries'),
    recordRecentQuery: bind('recordRecentQuery'),
    listCases: bind('listCases'),
    createCase: bind('createCase'),
    getCase: bind('getCase'),
    deleteCase: bind('deleteCase'),
    pinEvent: bind('pinEvent'),
    unpinEvent: bind('unpinEvent'),
    importFile: bind('importFile'),
    on
  } satisfies RegistryAuditApi)
}

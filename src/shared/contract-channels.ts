/**
 * The contract's names, apart from its schemas (contract.ts), so the sandboxed preload can bind
 * every method to its channel without bundling zod. Channel names are `domain:verb`; everything
 * else imports them from here or through contract.ts, never retypes them.
 */
export const METHOD_CHANNELS = {
  listAccounts: 'accounts:list',
  addAccount: 'accounts:add',
  updateAccount: 'accounts:update',
  removeAccount: 'accounts:remove',
  testConnection: 'accounts:test',
  setToken: 'token:set',
  tokenStatus: 'token:status',
  startSync: 'sync:start',
  cancelSync: 'sync:cancel',
  syncStatus: 'sync:status',
  queryEvents: 'events:query',
  countEvents: 'events:count',
  facets: 'events:facets',
  getEvent: 'events:get',
  relatedEvents: 'events:related',
  histogram: 'events:histogram',
  runExport: 'export:run',
  getSettings: 'settings:get',
  setSettings: 'settings:set',
  appInfo: 'app:info',
  openDemo: 'demo:open',
  closeDemo: 'demo:close',
  digestLineage: 'lineage:digest',
  tagHistory: 'tags:history',
  tagState: 'tags:state',
  tagDiff: 'tags:diff',
  explainDeletion: 'deletion:explain',
  verifyArchive: 'integrity:verify',
  checkArchive: 'archive:check',
  exportEvidence: 'evidence:export',
  coverage: 'coverage:get',
  previewPrune: 'retention:preview',
  pruneEvents: 'retention:prune',
  listSavedQueries: 'queries:list',
  saveQuery: 'queries:save',
  deleteSavedQuery: 'queries:delete',
  listRecentQueries: 'queries:recent',
  recordRecentQuery: 'queries:record',
  listCases: 'cases:list',
  createCase: 'cases:create',
  getCase: 'cases:get',
  pinEvent: 'cases:pin',
  unpinEvent: 'cases:unpin',
  deleteCase: 'cases:delete',
  importFile: 'import:file'
} as const

export type MethodName = keyof typeof METHOD_CHANNELS
export type Channel = (typeof METHOD_CHANNELS)[MethodName]

export const METHOD_NAMES = Object.keys(METHOD_CHANNELS) as MethodName[]

const methodByChannel = new Map<string, MethodName>(METHOD_NAMES.map((name) => [METHOD_CHANNELS[name], name]))

/** The method behind a channel, or undefined for anything that is not in the contract. */
export function methodForChannel(channel: string): MethodName | undefined {
  return methodByChannel.get(channel)
}

/** The events the core pushes (payload types: `PushEvents` in contract.ts). */
export const PUSH_EVENT_NAMES = ['sync:progress', 'events:changed', 'export:progress'] as const
export type PushEventName = (typeof PUSH_EVENT_NAMES)[number]

export function isPushEventName(name: string): name is PushEventName {
  return (PUSH_EVENT_NAMES as readonly string[]).includes(name)
}

/** The name under which the preload exposes the API on `window`. */
export const API_GLOBAL = 'registryAudit'

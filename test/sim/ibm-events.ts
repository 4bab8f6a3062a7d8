import { createHash } from 'node:crypto'
import { seededRandom } from './dockerhub-events'

/**
 * A seeded generator of IBM Cloud Container Registry activity tracking events shaped as
 * sources/4-ibm-activity-tracker.md documents them (CADF): `eventTime` with two fractional digits
 * and a `+0000` offset, `target.name` by tag (or by digest), `target.id` the image by digest
 * (absent when a by-tag request failed before the digest was known), `reason.reasonCode` the HTTP
 * status, `initiator` with credential type, client IP and user agent, `dataEvent` per IBM's table.
 * Every documented action occurs; pushes and pulls dominate. A Cloud Logs instance also holds other
 * services' events, so a few of those are mixed in (`foreign`) for the query filter to leave out.
 */

export { seededRandom }

/** An event as Cloud Logs holds it: the record, when it was logged, and its labels. */
export interface SimLog {
  event: Record<string, unknown>
  /** The log's timestamp in Cloud Logs (ms), what a query's time range selects on. */
  loggedAt: number
  applicationName: string
  subsystemName: string
  /** A Container Registry event (what the connector must archive). */
  registry: boolean
}

/** Every current and deprecated action, with whether IBM documents it as a data event. */
export const IBM_DOCUMENTED_ACTIONS: ReadonlyArray<[action: string, dataEvent: boolean]> = [
  ['container-registry.auth.get', false],
  ['container-registry.auth.set', false],
  ['container-registry.plan.get', false],
  ['container-registry.plan.set', false],
  ['container-registry.quota.get', false],
  ['container-registry.quota.set', false],
  ['container-registry.settings.get', false],
  ['container-registry.settings.set', false],
  ['container-registry.image.inspect', false],
  ['container-registry.image.list', false],
  ['container-registry.image.tag', false],
  ['container-registry.image.untag', false],
  ['container-registry.manifest.inspect', false],
  ['container-registry.retention.analyze', false],
  ['container-registry.retention.list', false],
  ['container-registry.retention.set', false],
  ['container-registry.trash.list', false],
  ['container-registry.trash.restore', false],
  ['container-registry.image.bulkdelete', true],
  ['container-registry.image.delete', true],
  ['container-registry.image.pull', true],
  ['container-registry.image.push', true],
  ['container-registry.signature.delete', true],
  ['container-registry.signature.read', true],
  ['container-registry.signature.write', true],
  ['container-registry.namespace.create', false],
  ['container-registry.namespace.delete', false],
  ['container-registry.namespace.list', false],
  ['container-registry.account-vulnerability-report.list', false],
  ['container-registry.account-vulnerability-status.list', false],
  ['container-registry.image-vulnerability-report.read', false],
  ['container-registry.image-vulnerability-status.read', false],
  ['container-registry.exemption.create', false],
  ['container-registry.exemption.delete', false],
  ['container-registry.image.build', true],
  ['container-registry.image.rm', true],
  ['container-registry.registrytoken.delete', false],
  ['container-registry.registrytoken.get', false],
  ['container-registry.registrytoken.list', false],
  ['container-registry.registrytokens.delete', false]
]

const DATA_EVENT = new Map(IBM_DOCUMENTED_ACTIONS)

/** Other services' activity events found in the same instance. */
const FOREIGN_ACTIONS = ['iam-identity.apikey.login', 'cloud-object-storage.object.read', 'containers-kubernetes.cluster.get']

const WEIGHTS: Record<string, number> = {
  'container-registry.image.pull': 300,
  'container-registry.image.push': 120,
  'container-registry.image.inspect': 30,
  'container-registry.image.list': 30,
  'container-registry.image.delete': 15,
  'container-registry.image.tag': 15,
  'container-registry.signature.read': 10
}

export const NAMESPACES = ['acme-ns', 'platform', 'data-team']
const REPOS = ['payments-api', 'web-frontend', 'auth-service', 'billing-worker', 'base-images']
const TAGS = ['latest', '1.8.3', '1.8.4', '2.0.0-rc1', 'main', 'sha-3f9c1a2']
export const IBM_ACCOUNT_ID = '1a2b3c4d5e6f7a8b9c0d'

interface Initiator {
  id: string
  name: string
  typeURI: string
  credential: string
  address: string
  agent: string
}

const INITIATORS: Initiator[] = [
  {
    id: 'IBMid-550001ABCD',
    name: 'alice@example.com',
    typeURI: 'service/security/account/user',
    credential: 'token',
    address: '198.51.100.23',
    agent: 'docker/27.3.1 go/go1.22.7 git-commit/41ca978 kernel/6.8.0 os/linux arch/amd64'
  },
  {
    id: 'IBMid-550002EFGH',
    name: 'bob@example.com',
    typeURI: 'service/security/account/user',
    credential: 'apikey',
    address: '2001:db8::17',
    agent: 'ibmcloud-cli/2.30.0'
  },
  {
    id: 'iam-ServiceId-7d6c5b4a-3f2e-1d0c-9b8a-7f6e5d4c3b2a',
    name: 'ci-pipeline',
    typeURI: 'service/security/account/serviceid',
    credential: 'apikey',
    address: '203.0.113.7',
    agent: 'containers/5.30.1 (github.com/containers/image)'
  },
  {
    id: 'iam-Profile-9a8b7c6d-1111-2222-3333-444455556666',
    name: 'cluster-workers',
    typeURI: 'service/security/account/user',
    credential: 'compute-resource',
    address: '10.240.0.12',
    agent: 'containerd/1.7.22'
  },
  {
    id: 'crn-containers-kubernetes',
    name: 'IBM',
    typeURI: 'service/security/clientid',
    credential: 's2s-authorization',
    address: '',
    agent: 'IBM Cloud Kubernetes Service'
  }
]

const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)] as T

function hex(random: () => number, length: number): string {
  let out = ''
  while (out.length < length) out += Math.floor(random() * 0x100000000).toString(16).padStart(8, '0')
  return out.slice(0, length)
}

function uuid(random: () => number): string {
  const h = hex(random, 32)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** `2025-05-12T08:41:07.53+0000`: IBM's eventTime format (two fractional digits, offset without colon). */
export function ibmEventTime(ms: number): string {
  const iso = new Date(ms).toISOString()
  return `${iso.slice(0, 22)}+0000`
}

/** A stable digest for an image, so pulls and pushes of one tag share it. */
function digestOf(ns: string, repo: string, tag: string): string {
  return `sha256:${createHash('sha256').update(`${ns}/${repo}:${tag}`).digest('hex')}`
}

const SEVERITY: Record<number, string> = { 401: 'critical', 403: 'critical', 404: 'normal', 409: 'warning', 500: 'warning' }
const FAILURE_REASON: Record<number, string> = {
  401: 'The credentials are not valid',
  403: 'The user does not have access to the namespace',
  404: 'The image was not found',
  409: 'The tag already exists',
  500: 'Internal error'
}

export interface MakeEventOptions {
  domain?: string
  region?: string
  /** Force an outcome. */
  outcome?: 'success' | 'failure' | 'pending'
  initiator?: number
}

/** Builds one event for `action` at `at` (ms), with fields appropriate to that action. */
export function makeIbmEvent(
  random: () => number,
  action: string,
  at: number,
  options: MakeEventOptions = {}
): Record<string, unknown> {
  const domain = options.domain ?? 'us.icr.io'
  const region = options.region ?? 'us-south'
  const who = options.initiator === undefined ? pick(random, INITIATORS) : INITIATORS[options.initiator % INITIATORS.length]!
  const ns = pick(random, NAMESPACES)
  const repo = pick(random, REPOS)
  const tag = pick(random, TAGS)
  const digest = digestOf(ns, repo, tag)
  const roll = random()
  const outcome = options.outcome ?? (roll < 0.9 ? 'success' : roll < 0.98 ? 'failure' : 'pending')
  const code = outcome === 'success' ? 200 : outcome === 'pending' ? 202 : pick(random, [401, 403, 404, 409, 500])
  const resource = action.split('.')[1] ?? ''
  const verb = action.split('.').at(-1) ?? ''
  const image = `${domain}/${ns}/${repo}`
  const byDigest = random() < 0.2
  const crnBase = `crn:v1:bluemix:public:container-registry:${region}:a/${IBM_ACCOUNT_ID}::`

  let target: Record<string, unknown>
  let requestData: Record<string, unknown> | undefined
  let responseData: Record<string, unknown> | undefined
  const imageTarget = (): Record<string, unknown> => {
    const t: Record<string, unknown> = {
      name: byDigest ? `${image}@${digest}` : `${image}:${tag}`,
      typeURI: 'container-registry/image',
      resourceGroupId: `crn:v1:bluemix:public:resource-controller::a/${IBM_ACCOUNT_ID}::resource-group:5c3d${hex(random, 28)}`
    }
    // A by-tag request that failed before the digest was known has no target.id (S1).
    if (!(outcome === 'failure' && !byDigest && code === 404)) t['id'] = `${image}@${digest}`
    return t
  }
  switch (resource) {
    case 'image':
    case 'manifest':
    case 'trash':
      target = verb === 'list' ? { id: crnBase, name: domain, typeURI: `container-registry/${resource}` } : imageTarget()
      break
    case 'signature':
      target = imageTarget()
      requestData = { RequestParameters: { repository: image, signatureMethod: 'simple', signatureObject: 'image' } }
      break
    case 'namespace':
      target =
        verb === 'list'
          ? { id: crnBase, name: domain, typeURI: 'container-registry/namespace' }
          : { id: `${crnBase}namespace:${ns}`, name: ns, typeURI: 'container-registry/namespace' }
      break
    case 'image-vulnerability-report':
    case 'image-vulnerability-status':
      target = imageTarget()
      requestData = { RequestParameters: { name: `${image}:${tag}` } }
      responseData = {
        ...(resource === 'image-vulnerability-report' ? { id: uuid(random) } : {}),
        status: pick(random, ['OK', 'WARN', 'FAIL', 'UNSUPPORTED', 'INCOMPLETE', 'UNSCANNED'])
      }
      break
    case 'account-vulnerability-report':
    case 'account-vulnerability-status':
      target = { id: crnBase, name: domain, typeURI: `container-registry/${resource}` }
      requestData = { RequestParameters: { repository: image, includeIBM: 'false', includePrivate: 'true' } }
      break
    case 'exemption':
      target = { id: `${crnBase}exemption:${uuid(random)}`, name: image, typeURI: 'container-registry/exemption' }
      break
    case 'retention':
      target = { id: `${crnBase}namespace:${ns}`, name: ns, typeURI: 'container-registry/retention' }
      break
    default:
      target = { id: crnBase, name: domain, typeURI: `container-registry/${resource}` }
  }

  const description = `${verb} ${resource} ${String(target['name'])}`
  const event: Record<string, unknown> = {
    eventTime: ibmEventTime(at),
    action,
    outcome,
    reason: {
      reasonCode: code,
      reasonType: outcome === 'failure' ? (code === 500 ? 'Internal Server Error' : 'Client Error') : 'OK',
      ...(outcome === 'failure' ? { reasonForFailure: FAILURE_REASON[code] ?? 'failed' } : {})
    },
    severity: SEVERITY[code] ?? 'normal',
    message: `Container Registry: ${description}${outcome === 'failure' ? ' -failure' : ''}`,
    dataEvent: DATA_EVENT.get(action) ?? false,
    correlationId: uuid(random),
    logSourceCRN: `crn:v1:bluemix:public:container-registry:${region}:a/${IBM_ACCOUNT_ID}::`,
    saveServiceCopy: true,
    initiator: {
      id: who.id,
      name: who.name,
      typeURI: who.typeURI,
      credential: { type: who.credential },
      host: { address: who.address, addressType: who.address.includes(':') ? 'IPv6' : 'IPv4', agent: who.agent }
    },
    target,
    observer: { name: 'ActivityTracker' }
  }
  if (requestData) event['requestData'] = requestData
  if (responseData) event['responseData'] = responseData
  return event
}

function weightedActions(): string[] {
  const bag: string[] = []
  for (const [action] of IBM_DOCUMENTED_ACTIONS) {
    for (let i = 0; i < (WEIGHTS[action] ?? 3); i++) bag.push(action)
  }
  return bag
}

export interface GenerateIbmOptions {
  /** Newest event time (ms). */
  endTime: number
  /** Spread of the events, back from endTime (ms); default three days. */
  spanMs?: number
  domain?: string
  region?: string
  /** Share of other services' events (not counted as registry events); default 0.05. */
  foreignShare?: number
  applicationName?: string
}

/** `count` registry events (plus a few foreign ones), oldest first, logged 0–90 s after they happened. */
export function generateIbmLogs(count: number, seed: number, options: GenerateIbmOptions): SimLog[] {
  const random = seededRandom(seed)
  const span = options.spanMs ?? 3 * 86_400_000
  const bag = weightedActions()
  const logs: SimLog[] = []
  const foreignShare = options.foreignShare ?? 0.05
  // Bursts: a fifth of the events fall into a few busy minutes, so slices must split.
  const bursts = [0.2, 0.55, 0.8].map((f) => options.endTime - Math.floor(span * f))
  for (let i = 0; i < count; i++) {
    const at =
      random() < 0.2
        ? pick(random, bursts) + Math.floor(random() * 120_000)
        : options.endTime - Math.floor(random() * span)
    // The first events cover every documented action once.
    const action = i < IBM_DOCUMENTED_ACTIONS.length ? IBM_DOCUMENTED_ACTIONS[i]![0] : pick(random, bag)
    const event = makeIbmEvent(random, action, Math.min(at, options.endTime), options)
    logs.push(simLog(event, Math.min(at, options.endTime) + Math.floor(random() * 90_000), options.applicationName))
    if (random() < foreignShare) {
      const foreignAt = options.endTime - Math.floor(random() * span)
      const foreign = { ...makeIbmEvent(random, 'container-registry.image.pull', foreignAt, options), action: pick(random, FOREIGN_ACTIONS) }
      logs.push({ ...simLog(foreign, foreignAt + 1000, options.applicationName), subsystemName: 'iam-identity:', registry: false })
    }
  }
  return logs.sort((a, b) => a.loggedAt - b.loggedAt)
}

/** Wraps an event as a Cloud Logs log (labels per the contract: application `ibm-audit-event`). */
export function simLog(event: Record<string, unknown>, loggedAt: number, applicationName = 'ibm-audit-event'): SimLog {
  const action = typeof event['action'] === 'string' ? event['action'] : ''
  return {
    event,
    loggedAt,
    applicationName,
    subsystemName: `${action.split('.')[0] ?? 'unknown'}:`,
    registry: action.startsWith('container-registry.')
  }
}

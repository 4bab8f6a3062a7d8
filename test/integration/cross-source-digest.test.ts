import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditEvent } from '../../src/shared/event'
import { KEYCHAIN_SERVICE, TokenStore, envVarName } from '../../src/main/core/secrets/token-store'
import { AuditService } from '../../src/main/core/service'
import { startDockerHubSim, type DockerHubSim, type SimRecord } from '../sim/dockerhub'
import { startIbmSim, type IbmSim } from '../sim/ibm'
import { ibmEventTime, IBM_ACCOUNT_ID, simLog } from '../sim/ibm-events'
import { startMsrSim, type MsrSim } from '../sim/msr'
import { SIM_USERS, type MsrSimEvent } from '../sim/msr-events'
import { startNotaryStack, type NotaryStack } from './notary-stack'

/**
 * Issue 4's done-when: one real archive filled through the real connectors from all four seed
 * kinds (the Docker Hub, MSR and IBM simulators and a real notary-server) answers "everything that
 * touched digest X" across sources. X is pushed to each of the three registries; the Notary trust
 * records carry only TUF checksums, which are not image digests and must never match.
 */

const X = `sha256:${'7e'.repeat(32)}`
const OTHER = `sha256:${'0b'.repeat(32)}`
/** Recent, so the IBM connector's lookback window covers its event (the simulator uses the real clock). */
const T = Date.now() - 30 * 60_000

let dir: string
let service: AuditService
let hubSim: DockerHubSim
let msrSim: MsrSim
let ibmSim: IbmSim
let notary: NotaryStack

function hubPush(at: number, actor: string, repo: string, tag: string, digest: string): SimRecord {
  const name = `acme/${repo}`
  const stamp = new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z')
  return { account: 'acme', action: 'repo.tag.push', name, actor, data: { tag, digest }, timestamp: stamp, action_description: `repo.tag.push ${name}\n` }
}

function msrPush(at: number, id: string, digest: string, repository: string): MsrSimEvent {
  return {
    id,
    publishedAt: new Date(at).toISOString(),
    actor: SIM_USERS.alice,
    type: 'CREATE',
    object: { id: digest, type: 'MANIFEST', name: digest, content: digest },
    target: { id: `${id}-repo`, type: 'REPOSITORY', name: repository }
  }
}

function ibmPush(at: number, repo: string, tag: string, digest: string): Record<string, unknown> {
  const image = `us.icr.io/acme-ns/${repo}`
  return {
    eventTime: ibmEventTime(at),
    action: 'container-registry.image.push',
    outcome: 'success',
    reason: { reasonCode: 200, reasonType: 'OK' },
    severity: 'normal',
    message: `Container Registry: push image ${image}:${tag}`,
    dataEvent: true,
    correlationId: randomUUID(),
    logSourceCRN: `crn:v1:bluemix:public:container-registry:us-south:a/${IBM_ACCOUNT_ID}::`,
    saveServiceCopy: true,
    initiator: {
      id: 'IBMid-550000ABCD',
      name: 'carol@example.com',
      typeURI: 'service/security/account/user',
      credential: { type: 'user' },
      host: { address: '192.0.2.10', addressType: 'IPv4', agent: 'docker/27.0.3' }
    },
    target: { id: `${image}@${digest}`, name: `${image}:${tag}`, typeURI: 'container-registry/image' },
    observer: { name: 'ActivityTracker' }
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cross-source-digest-'))
  notary = await startNotaryStack()
  await notary.populate('registry.example/acme/app:2', 'registry.example/acme/web:1')
  hubSim = await startDockerHubSim({ records: [] })
  msrSim = await startMsrSim({ records: [] })
  ibmSim = await startIbmSim({ events: 0, queriesPerMinute: Number.POSITIVE_INFINITY })

  // The shared digest, plus a decoy per source so the query has something to leave out.
  hubSim.addEvents([hubPush(T, 'alice', 'app', '1.0', X), hubPush(T + 60_000, 'bob', 'app', 'other', OTHER)])
  msrSim.addEvents([
    msrPush(T + 2 * 60_000, '00000000-0000-4000-8000-00000000c001', X, 'payments/api'),
    msrPush(T + 3 * 60_000, '00000000-0000-4000-8000-00000000c002', OTHER, 'payments/api')
  ])
  ibmSim.addLogs([
    simLog(ibmPush(T + 4 * 60_000, 'app', '1.0', X), T + 4 * 60_000 + 500),
    simLog(ibmPush(T + 5 * 60_000, 'app', 'other', OTHER), T + 5 * 60_000 + 500)
  ])

  const env: Record<string, string> = {
    [envVarName('hub')]: hubSim.secret,
    [envVarName('msr')]: msrSim.admin.secret,
    [envVarName('icr')]: ibmSim.apiKey
  }
  const tokens = new TokenStore({ service: `${KEYCHAIN_SERVICE}-cross-source-${process.pid}-${randomUUID().slice(0, 8)}`, env })
  service = new AuditService({ dataDir: path.join(dir, 'data'), tokenStore: tokens })
  service.addAccount({ name: 'hub', kind: 'dockerhub', url: hubSim.url, options: { org: hubSim.org, username: hubSim.identifier } })
  service.addAccount({ name: 'msr', kind: 'msr', url: msrSim.url, options: { username: msrSim.admin.username } })
  service.addAccount({ name: 'icr', kind: 'ibm', url: ibmSim.url, options: { region: 'us.icr.io', iamUrl: ibmSim.url, lookbackDays: 1 } })
  service.addAccount({ name: 'trust', kind: 'notary', url: notary.url, options: { caFile: notary.caFile } })
  const results = await service.sync([])
  for (const result of results) {
    if (!result.ok) throw new Error(`sync of ${result.account} failed: ${JSON.stringify(result.error)}`)
  }
  expect(results.map((result) => result.account).sort()).toEqual(['hub', 'icr', 'msr', 'trust'])
}, 120_000)

afterAll(async () => {
  service?.close()
  await Promise.all([hubSim?.close(), msrSim?.close(), ibmSim?.close(), notary?.stop()])
  if (dir) rmSync(dir, { recursive: true, force: true })
})

function eventsOf(account: string): AuditEvent[] {
  return service.queryEvents({ query: { account: { any: [account] }, includePull: true }, limit: 1000 }).rows
}

describe('one archive of all four seed kinds', () => {
  it('answers "everything that touched digest X" with exactly the three registries\' pushes of X', () => {
    const rows = service.queryEvents({ query: { digest: { any: [X] }, includePull: true }, limit: 1000 }).rows
    expect(rows.map((event) => event.account).sort()).toEqual(['hub', 'icr', 'msr'])
    expect(rows.every((event) => event.digest === X)).toBe(true)
    const byAccount = new Map(rows.map((event) => [event.account, event]))
    expect(byAccount.get('hub')).toMatchObject({ actor: 'alice', repository: 'acme/app', tag: '1.0' })
    expect(byAccount.get('msr')).toMatchObject({ repository: 'payments/api' })
    expect(byAccount.get('icr')).toMatchObject({ tag: '1.0' })
    // Each of those is the very record the simulator served: X is in its raw JSON.
    for (const event of rows) expect(event.raw).toContain(X)
    // The decoys are archived too, so the filter (not a thin archive) is what left them out.
    for (const account of ['hub', 'msr', 'icr']) {
      expect(eventsOf(account).map((event) => event.digest).sort()).toEqual([OTHER, X].sort())
    }
  })

  it('holds the notary feed with TUF checksums in target and no digest, never matched by the digest query', async () => {
    const feed = await notary.feed()
    const trust = eventsOf('trust')
    expect(trust.length).toBe(feed.length)
    expect(trust.length).toBeGreaterThan(0)
    for (const event of trust) expect(event.digest).toBeNull()
    const checksums = feed.filter((record) => record['Category'] !== 'deletion').map((record) => `timestamp sha256:${String(record['SHA256'])}`)
    expect(checksums.length).toBeGreaterThan(0)
    expect(trust.filter((event) => event.target !== null).map((event) => event.target).sort()).toEqual(checksums.sort())
    // Asking for a TUF checksum as if it were an image digest finds nothing: it is not one.
    const tuf = `sha256:${String(feed.find((record) => record['Category'] !== 'deletion')!['SHA256'])}`
    expect(service.queryEvents({ query: { digest: { any: [tuf] }, includePull: true }, limit: 10 }).rows).toEqual([])
    const matched = service.queryEvents({ query: { digest: { any: [X, OTHER] }, includePull: true }, limit: 1000 }).rows
    expect(matched.some((event) => event.account === 'trust')).toBe(false)
  })

  it('traces the lineage of X through the three accounts', () => {
    const lineage = service.investigation.digestLineage(X)
    expect(lineage.digest).toBe(X)
    expect(lineage.accounts).toEqual(['hub', 'icr', 'msr'])
    const direct = lineage.entries.filter((entry) => entry.link === 'digest')
    expect(direct.map((entry) => entry.event.account)).toEqual(['hub', 'msr', 'icr'])
    expect(direct.every((entry) => entry.role === 'push')).toBe(true)
    expect(lineage.entries.some((entry) => entry.event.account === 'trust')).toBe(false)
  })
})

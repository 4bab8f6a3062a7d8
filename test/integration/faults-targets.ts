import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Account, } from '../../src/shared/account'
import { AppError } from '../../src/main/core/errors'
import type { Connector } from '../../src/main/core/sources/connector'
import { createConnector, type ConnectorDeps } from '../../src/main/core/sources/index'
import { createManualClock, startDockerHubSim, type ManualClock } from '../sim/dockerhub'
import { startHarborSim } from '../sim/harbor'
import { startIbmSim } from '../sim/ibm'
import { startMsrSim } from '../sim/msr'
import { startQuaySim } from '../sim/quay'

/**
 * Every connector with a simulator, behind one shape, so that faults-connectors.test.ts can run
 * the same table of network faults through each of them: start the source (plain or TLS), build
 * the account and its connector, inject a wire fault on the data route, and
 * list the secrets no message may carry.
 *
 * The connector's sleep records the wait and moves the shared hand-moved clock, so backoff,
 * rate-limit waits and token lifetimes play out in simulated time and a test never really waits.
 */

export type TargetKind = 'dockerhub' | 'msr' | 'notary' | 'ibm' | 'harbor' | 'quay'

/** The wire faults every simulator serves (test/sim/sim-faults.ts and its Docker Hub twin). */
export type WireFault =
  | { kind: 'reset-mid-body' }
  | { kind: 'stall-after-headers' }
  | { kind: 'hang-up' }
  | { kind: 'server-error'; status: number }
  | { kind: 'rate-limit'; seconds: number }
  | { kind: 'unauthorized' }
  | { kind: 'redirect'; location: string }

export interface TargetTls {
  key: string
  cert: string
  /** PEM file the account names as its CA file (absent: the system roots only). */
  caFile?: string
}

export interface FaultTarget {
  kind: TargetKind
  /** The one stream the account walks. */
  stream: string
  url: string
  clock: ManualClock
  /** Every wait the connectors asked for since the last `resetSleeps`, ms. */
  sleeps: number[]
  account(): Omit<Account, 'id' | 'created_at' | 'updated_at'>
  /** A fresh connector for `account` (as stored, or with another URL) with recording sleeps. */
  connector(account: Account, deps?: ConnectorDeps, url?: string): Connector
  secret: string
  /** The secret, its encodings and every bearer the source handed out. */
  secrets(): string[]
  /** `fault` on the data route, for the next `times` requests. */
  inject(fault: WireFault, times: number): void
  clearFaults(): void
  /** Token exchanges the source has answered 200 (0 where the account sends Basic each time). */
  tokensIssued(): number
  /** Path (and query) of a data request, for a redirect that points elsewhere. */
  dataPath: string
  close(): Promise<void>
}

export interface TargetOptions {
  events: number
  pageSize: number
  tls?: TargetTls
}

/** The hand-moved clocks start well after each generator's newest event. */
const START: Record<TargetKind, number> = {
  dockerhub: Date.parse('2025-06-01T12:00:00Z'),
  msr: Date.parse('2025-06-02T12:00:00Z'),
  notary: Date.parse('2025-06-02T12:00:00Z'),
  ibm: Date.parse('2025-06-01T12:00:00Z'),
  harbor: Date.parse('2025-06-02T12:00:00Z'),
  quay: Date.parse('2025-06-02T12:00:00Z')
}

const bearers = (requests: ReadonlyArray<{ authorization?: string | undefined }>): string[] => [
  ...new Set(
    requests
      .map((request) => /^Bearer (.+)$/.exec(request.authorization ?? '')?.[1])
      .filter((value): value is string => value !== undefined)
  )
]

function recordingDeps(clock: ManualClock, sleeps: number[], pageSize: number): ConnectorDeps {
  return {
    now: () => clock.now(),
    random: () => 0.5,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw new AppError('CANCELLED', 'cancelled')
      sleeps.push(ms)
      clock.advance(ms)
    },
    pageSize,
    trustPageSize: pageSize,
    timeoutMs: 5_000,
    idleTimeoutMs: 5_000
  }
}

export async function startFaultTarget(kind: TargetKind, options: TargetOptions): Promise<FaultTarget> {
  const clock = createManualClock(START[kind])
  const sleeps: number[] = []
  const baseDeps = recordingDeps(clock, sleeps, options.pageSize)
  const tls = options.tls === undefined ? undefined : { key: options.tls.key, cert: options.tls.cert }
  const urlHost = tls === undefined ? undefined : '127.0.0.1'
  const caOption = options.tls?.caFile === undefined ? {} : { caFile: options.tls.caFile }
  const build =
    (named: Omit<Account, 'id' | 'created_at' | 'updated_at'>) =>
    (account: Account, deps: ConnectorDeps = {}, url?: string): Connector => {
      const options = { ...account.options }
      // IBM reaches IAM at its own URL: a "dead host" test moves both.
      if (url !== undefined && named.kind === 'ibm') options['iamUrl'] = url
      return createConnector({ ...account, url: url ?? account.url, options }, { ...baseDeps, ...deps })
    }

  switch (kind) {
    case 'dockerhub': {
      const sim = await startDockerHubSim({ clock, events: options.events, seed: 7, maxPageSize: options.pageSize, tls, urlHost })
      const named = { name: 'hub', kind: 'dockerhub' as const, url: sim.url, options: { org: sim.org, username: sim.identifier, ...caOption } }
      return {
        kind,
        stream: 'auditlog',
        url: sim.url,
        clock,
        sleeps,
        account: () => named,
        connector: build(named),
        secret: sim.secret,
        secrets: () => [sim.secret, ...bearers(sim.requests)],
        inject: (fault, times) => {
          const mapped =
            fault.kind === 'server-error'
              ? { kind: 'server-error' as const, status: fault.status, body: 'rpc' as const }
              : fault.kind === 'rate-limit'
                ? { kind: 'rate-limit' as const, header: 'retry-after' as const, seconds: fault.seconds }
                : fault
          sim.inject(mapped, { route: 'auditlogs', times })
        },
        clearFaults: () => sim.clearFaults(),
        tokensIssued: () => sim.tokensIssued,
        dataPath: `/v2/auditlogs/${sim.org}?page=1`,
        close: () => sim.close()
      }
    }
    case 'msr':
    case 'notary': {
      const notary = kind === 'notary'
      const sim = await startMsrSim({
        clock,
        events: notary ? 0 : options.events,
        trustChanges: notary ? options.events : 0,
        seed: 7,
        maxPageSize: options.pageSize,
        tls,
        urlHost
      })
      const user = sim.admin
      const named = notary
        ? { name: 'trust', kind: 'notary' as const, url: sim.url, options: { authMode: 'token', username: user.username, ...caOption } }
        : { name: 'msr', kind: 'msr' as const, url: sim.url, options: { username: user.username, ...caOption } }
      const route = notary ? ('changefeed' as const) : ('events' as const)
      return {
        kind,
        stream: notary ? 'changefeed' : 'events',
        url: sim.url,
        clock,
        sleeps,
        account: () => named,
        connector: build(named),
        secret: user.secret,
        secrets: () => [user.secret, Buffer.from(`${user.username}:${user.secret}`).toString('base64'), ...bearers(sim.requests)],
        inject: (fault, times) => {
          const mapped =
            fault.kind === 'server-error'
              ? { kind: 'server-error' as const, status: fault.status, body: 'json' as const }
              : fault.kind === 'rate-limit'
                ? { kind: 'rate-limit' as const, header: 'retry-after' as const, seconds: fault.seconds }
                : fault
          sim.inject(mapped, { route, times })
        },
        clearFaults: () => sim.clearFaults(),
        tokensIssued: () => sim.tokensIssued,
        dataPath: notary ? '/v2/_trust/changefeed?change_id=0&records=10' : '/api/v0/events?pageSize=10',
        close: () => sim.close()
      }
    }
    case 'ibm': {
      const sim = await startIbmSim({
        clock,
        events: options.events,
        seed: 7,
        endTime: START.ibm - 120_000,
        queriesPerMinute: Number.POSITIVE_INFINITY,
        tls,
        urlHost
      })
      const named = {
        name: 'icr',
        kind: 'ibm' as const,
        url: sim.url,
        options: { region: 'us.icr.io', iamUrl: sim.url, lookbackDays: 7, overlapMinutes: 15, queryLimit: options.pageSize, ...caOption }
      }
      return {
        kind,
        stream: 'events',
        url: sim.url,
        clock,
        sleeps,
        account: () => named,
        connector: build(named),
        secret: sim.apiKey,
        secrets: () => [sim.apiKey, ...bearers(sim.requests)],
        inject: (fault, times) => {
          const mapped =
            fault.kind === 'server-error'
              ? { kind: 'server-error' as const, status: fault.status }
              : fault.kind === 'rate-limit'
                ? { kind: 'rate-limit' as const, header: 'retry-after' as const, seconds: fault.seconds }
                : fault
          sim.inject(mapped, { route: 'query', times })
        },
        clearFaults: () => sim.clearFaults(),
        tokensIssued: () => sim.requests.filter((request) => request.route === 'iam' && request.status === 200).length,
        dataPath: '/v1/query',
        close: () => sim.close()
      }
    }
    case 'harbor': {
      const sim = await startHarborSim({ clock, events: options.events, seed: 7, tls, urlHost })
      const user = sim.principal('admin')
      const named = { name: 'harbor', kind: 'harbor' as const, url: sim.url, options: { username: user.username, ...caOption } }
      const basic = Buffer.from(`${user.username}:${user.secret}`).toString('base64')
      return {
        kind,
        stream: 'auditlog-exts',
        url: sim.url,
        clock,
        sleeps,
        account: () => named,
        connector: build(named),
        secret: user.secret,
        secrets: () => [user.secret, basic],
        inject: (fault, times) => {
          const mapped =
            fault.kind === 'server-error'
              ? { kind: 'server-error' as const, status: fault.status, body: 'json' as const }
              : fault.kind === 'rate-limit'
                ? { kind: 'rate-limit' as const, header: 'retry-after' as const, seconds: fault.seconds }
                : fault
          sim.inject(mapped, { route: 'auditlog-exts', times })
        },
        clearFaults: () => sim.clearFaults(),
        tokensIssued: () => 0,
        dataPath: '/api/v2.0/auditlog-exts?page=1&page_size=10',
        close: () => sim.close()
      }
    }
    case 'quay': {
      // Quay's page size is the server's (20); the connector asks for no other.
      const sim = await startQuaySim({ clock, logs: options.events, seed: 7, tls, urlHost })
      const named = { name: 'quay', kind: 'quay' as const, url: sim.url, options: { org: 'acme', ...caOption } }
      return {
        kind,
        stream: 'org:acme',
        url: sim.url,
        clock,
        sleeps,
        account: () => named,
        connector: build(named),
        secret: sim.admin.token,
        secrets: () => sim.tokens.map((token) => token.token),
        inject: (fault, times) => {
          const mapped =
            fault.kind === 'server-error'
              ? { kind: 'server-error' as const, status: fault.status, body: 'json' as const }
              : fault.kind === 'rate-limit'
                ? { kind: 'rate-limit' as const, header: 'retry-after' as const, seconds: fault.seconds }
                : fault
          sim.inject(mapped, { route: 'logs', times })
        },
        clearFaults: () => sim.clearFaults(),
        tokensIssued: () => 0,
        dataPath: '/api/v1/organization/acme/logs',
        close: () => sim.close()
      }
    }
  }
}

/** A server on another port that records whatever reaches it: a redirect's target. */
export interface RecordingServer {
  url: string
  requests: Array<{ method: string; path: string; headers: http.IncomingHttpHeaders }>
  close(): Promise<void>
}

export async function startRecordingServer(): Promise<RecordingServer> {
  const requests: RecordingServer['requests'] = []
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers })
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** A loopback port nothing listens on (taken, then released). */
export async function closedPort(): Promise<number> {
  const probe = http.createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const port = (probe.address() as AddressInfo).port
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

import type { Account } from '../../src/shared/account'
import { AppError } from '../../src/main/core/errors'
import type { Connector } from '../../src/main/core/sources/connector'
import { createConnector, type ConnectorDeps } from '../../src/main/core/sources/index'
import { createManualClock, startDockerHubSim, type DockerHubSim, type DockerHubSimOptions, type ManualClock } from '../sim/dockerhub'
import { testContext, type TestContext } from './connector-behaviour'

/**
 * A Docker Hub simulator and a connector wired to it, sharing one hand-moved clock: the connector's
 * sleep records the wait and moves the clock by it, so rate-limit waits and token expiry play out
 * in simulated time and the tests never really wait.
 */
export interface DockerHubRig {
  sim: DockerHubSim
  clock: ManualClock
  account: Account
  connector: Connector
  /** Every sleep the connector asked for, ms. */
  sleeps: number[]
  ctx(): TestContext
  /** The secret and every bearer the simulator has seen. */
  secrets(): string[]
  /** Another connector for the same account (a new process, say), with extra deps. */
  newConnector(deps?: ConnectorDeps): Connector
  close(): Promise<void>
}

/** After the generator's newest event (2025-06-01T00:00:00Z), so every generated event is in the past. */
export const RIG_START = Date.parse('2025-06-01T12:00:00Z')

export interface RigOptions {
  sim?: DockerHubSimOptions
  deps?: ConnectorDeps
  overlapSeconds?: number
  /** Default 40, so a few hundred events make several pages. */
  pageSize?: number
  url?: string
  accountOptions?: Record<string, unknown>
}

export async function startDockerHubRig(options: RigOptions = {}): Promise<DockerHubRig> {
  const clock = createManualClock(RIG_START)
  const sim = await startDockerHubSim({ clock, ...options.sim })
  const sleeps: number[] = []
  const account: Account = {
    id: 1,
    name: 'acme-hub',
    kind: 'dockerhub',
    url: options.url ?? sim.url,
    options: {
      org: sim.org,
      username: sim.identifier,
      ...(options.overlapSeconds === undefined ? {} : { overlapSeconds: options.overlapSeconds }),
      ...options.accountOptions
    },
    created_at: 0,
    updated_at: 0
  }
  const baseDeps: ConnectorDeps = {
    now: () => clock.now(),
    random: () => 0.5,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw new AppError('CANCELLED', 'cancelled')
      sleeps.push(ms)
      clock.advance(ms)
    },
    pageSize: options.pageSize ?? 40,
    timeoutMs: 5_000,
    idleTimeoutMs: 5_000
  }
  const newConnector = (deps: ConnectorDeps = {}): Connector =>
    createConnector(account, { ...baseDeps, ...options.deps, ...deps })
  return {
    sim,
    clock,
    account,
    connector: newConnector(),
    sleeps,
    ctx: () => testContext(sim.secret, account.name),
    secrets: () => [
      sim.secret,
      ...new Set(
        sim.requests
          .map((request) => /^Bearer (.+)$/.exec(request.authorization ?? '')?.[1])
          .filter((value): value is string => value !== undefined)
      )
    ],
    newConnector,
    close: () => sim.close()
  }
}

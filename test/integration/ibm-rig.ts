import type { Account } from '../../src/shared/account'
import { AppError } from '../../src/main/core/errors'
import type { Connector } from '../../src/main/core/sources/connector'
import { createConnector, type ConnectorDeps } from '../../src/main/core/sources/index'
import { createManualClock, type ManualClock } from '../sim/dockerhub'
import { startIbmSim, type IbmSim, type IbmSimOptions } from '../sim/ibm'
import { testContext, type TestContext } from './connector-behaviour'

/**
 * An IBM simulator (IAM + Cloud Logs) and a connector wired to it, sharing one hand-moved clock:
 * the connector's sleep records the wait and moves the clock by it, so rate-limit waits, the
 * ten-queries-a-minute pacing and token expiry play out in simulated time.
 */
export interface IbmRig {
  sim: IbmSim
  clock: ManualClock
  account: Account
  connector: Connector
  sleeps: number[]
  ctx(): TestContext
  /** The API key and every bearer the simulator has seen. */
  secrets(): string[]
  newConnector(deps?: ConnectorDeps): Connector
  close(): Promise<void>
}

/** The rig's "now"; generated events end two minutes before it. */
export const IBM_RIG_START = Date.parse('2025-06-01T12:00:00Z')

export interface IbmRigOptions {
  sim?: IbmSimOptions
  deps?: ConnectorDeps
  accountOptions?: Record<string, unknown>
  url?: string
}

export async function startIbmRig(options: IbmRigOptions = {}): Promise<IbmRig> {
  const clock = createManualClock(IBM_RIG_START)
  const sim = await startIbmSim({ clock, endTime: IBM_RIG_START - 120_000, ...options.sim })
  const sleeps: number[] = []
  const account: Account = {
    id: 1,
    name: 'acme-icr',
    kind: 'ibm',
    url: options.url ?? sim.url,
    options: {
      region: 'us.icr.io',
      iamUrl: sim.url,
      lookbackDays: 7,
      overlapMinutes: 15,
      queryLimit: 40,
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
    timeoutMs: 5_000,
    idleTimeoutMs: 5_000
  }
  const newConnector = (deps: ConnectorDeps = {}): Connector => createConnector(account, { ...baseDeps, ...options.deps, ...deps })
  return {
    sim,
    clock,
    account,
    connector: newConnector(),
    sleeps,
    ctx: () => testContext(sim.apiKey, account.name),
    secrets: () => [
      sim.apiKey,
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

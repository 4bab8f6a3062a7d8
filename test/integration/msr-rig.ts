import type { Account } from '../../src/shared/account'
import { AppError } from '../../src/main/core/errors'
import type { Connector } from '../../src/main/core/sources/connector'
import { createConnector, type ConnectorDeps } from '../../src/main/core/sources/index'
import { createManualClock, type ManualClock } from '../sim/dockerhub'
import { startMsrSim, type MsrSim, type MsrSimOptions, type MsrSimUser } from '../sim/msr'
import { testContext, type TestContext } from './connector-behaviour'

/**
 * An MSR simulator and an msr connector wired to it, sharing one hand-moved clock: the
 * connector's sleep records the wait and moves the clock by it, so waits and token lifetimes play
 * out in simulated time and the tests never really wait.
 */
export interface MsrRig {
  sim: MsrSim
  clock: ManualClock
  account: Account
  user: MsrSimUser
  connector: Connector
  sleeps: number[]
  ctx(): TestContext
  /** The user's secret, its Basic header value and every bearer the simulator has seen. */
  secrets(): string[]
  newConnector(deps?: ConnectorDeps, accountOptions?: Record<string, unknown>): Connector
  close(): Promise<void>
}

/** Well after the generator's newest event (2025-06-01T00:00:00Z) and the trust changes' blackout. */
export const MSR_RIG_START = Date.parse('2025-06-02T12:00:00Z')

export interface MsrRigOptions {
  sim?: MsrSimOptions
  /** Sign in as the non-admin user. */
  nonAdmin?: boolean
  withTrust?: boolean
  deps?: ConnectorDeps
  accountOptions?: Record<string, unknown>
  url?: string
}

export async function startMsrRig(options: MsrRigOptions = {}): Promise<MsrRig> {
  const clock = createManualClock(MSR_RIG_START)
  const sim = await startMsrSim({ clock, ...options.sim })
  const user = options.nonAdmin ? sim.nonAdmin : sim.admin
  const sleeps: number[] = []
  const account: Account = {
    id: 1,
    name: 'acme-msr',
    kind: 'msr',
    url: options.url ?? sim.url,
    options: { username: user.username, ...(options.withTrust ? { withTrust: true } : {}), ...options.accountOptions },
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
    pageSize: 40,
    trustPageSize: 25,
    timeoutMs: 5_000,
    idleTimeoutMs: 5_000
  }
  const newConnector = (deps: ConnectorDeps = {}, accountOptions: Record<string, unknown> = {}): Connector =>
    createConnector({ ...account, options: { ...account.options, ...accountOptions } }, { ...baseDeps, ...options.deps, ...deps })
  return {
    sim,
    clock,
    account,
    user,
    connector: newConnector(),
    sleeps,
    ctx: () => testContext(user.secret, account.name),
    secrets: () => [
      user.secret,
      Buffer.from(`${user.username}:${user.secret}`).toString('base64'),
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

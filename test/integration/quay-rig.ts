import type { Account } from '../../src/shared/account'
import { AppError } from '../../src/main/core/errors'
import type { Connector } from '../../src/main/core/sources/connector'
import { createConnector, type ConnectorDeps } from '../../src/main/core/sources/index'
import { createManualClock, type ManualClock } from '../sim/dockerhub'
import { startQuaySim, type QuaySim, type QuaySimOptions, type QuaySimToken } from '../sim/quay'
import { testContext, type TestContext } from './connector-behaviour'

/**
 * A Quay simulator and a quay connector wired to it, sharing one hand-moved clock: the
 * connector's sleep records the wait and moves the clock by it, so waits and token lifetimes play
 * out in simulated time and the tests never really wait.
 */
export interface QuayRig {
  sim: QuaySim
  clock: ManualClock
  account: Account
  token: QuaySimToken
  connector: Connector
  sleeps: number[]
  ctx(): TestContext
  /** Every token the simulator knows: none may appear in a message. */
  secrets(): string[]
  newConnector(deps?: ConnectorDeps, accountOptions?: Record<string, unknown>): Connector
  close(): Promise<void>
}

/** Noon UTC; the generated logs span the 10 days before. */
export const QUAY_RIG_START = Date.parse('2025-06-02T12:00:00Z')

export interface QuayRigOptions {
  sim?: QuaySimOptions
  /** Which of the simulator's tokens the account holds; default the admin's. */
  token?: (sim: QuaySim) => QuaySimToken
  deps?: ConnectorDeps
  accountOptions?: Record<string, unknown>
  url?: string
}

export async function startQuayRig(options: QuayRigOptions = {}): Promise<QuayRig> {
  const clock = createManualClock(QUAY_RIG_START)
  const sim = await startQuaySim({ clock, ...options.sim })
  const token = options.token?.(sim) ?? sim.admin
  const sleeps: number[] = []
  const account: Account = {
    id: 1,
    name: 'acme-quay',
    kind: 'quay',
    url: options.url ?? sim.url,
    options: { org: 'acme', ...options.accountOptions },
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
  const newConnector = (deps: ConnectorDeps = {}, accountOptions: Record<string, unknown> = {}): Connector =>
    createConnector({ ...account, options: { ...account.options, ...accountOptions } }, { ...baseDeps, ...options.deps, ...deps })
  return {
    sim,
    clock,
    account,
    token,
    connector: newConnector(),
    sleeps,
    ctx: () => testContext(token.token, account.name),
    secrets: () => [token.token, ...sim.tokens.map((candidate) => candidate.token)],
    newConnector,
    close: () => sim.close()
  }
}

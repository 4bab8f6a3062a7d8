import type { Account } from '../../src/shared/account'
import { AppError } from '../../src/main/core/errors'
import type { Connector } from '../../src/main/core/sources/connector'
import { createConnector, type ConnectorDeps } from '../../src/main/core/sources/index'
import { createManualClock, type ManualClock } from '../sim/dockerhub'
import { startHarborSim, type HarborSim, type HarborSimOptions, type HarborSimPrincipal } from '../sim/harbor'
import { testContext, type TestContext } from './connector-behaviour'

/**
 * A Harbor simulator and a harbor connector wired to it, sharing one hand-moved clock: the
 * connector's sleep records the wait and moves the clock by it, so waits play out in simulated
 * time and the tests never really wait.
 */
export interface HarborRig {
  sim: HarborSim
  clock: ManualClock
  account: Account
  user: HarborSimPrincipal
  connector: Connector
  sleeps: number[]
  ctx(): TestContext
  /** The secret and its Basic header forms: none may appear in a message. */
  secrets(): string[]
  newConnector(deps?: ConnectorDeps, accountOptions?: Record<string, unknown>): Connector
  close(): Promise<void>
}

/** Well after the generator's newest row (2025-06-01T00:00:00Z). */
export const HARBOR_RIG_START = Date.parse('2025-06-02T12:00:00Z')

export interface HarborRigOptions {
  sim?: HarborSimOptions
  /** Who signs in; default the system admin. */
  as?: 'admin' | 'user' | 'robot' | 'project-robot'
  deps?: ConnectorDeps
  accountOptions?: Record<string, unknown>
  url?: string
}

export async function startHarborRig(options: HarborRigOptions = {}): Promise<HarborRig> {
  const clock = createManualClock(HARBOR_RIG_START)
  const sim = await startHarborSim({ clock, ...options.sim })
  const user = sim.principal(options.as ?? 'admin')
  const sleeps: number[] = []
  const account: Account = {
    id: 1,
    name: 'acme-harbor',
    kind: 'harbor',
    url: options.url ?? sim.url,
    options: { username: user.username, ...options.accountOptions },
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
    timeoutMs: 5_000,
    idleTimeoutMs: 5_000
  }
  const newConnector = (deps: ConnectorDeps = {}, accountOptions: Record<string, unknown> = {}): Connector =>
    createConnector({ ...account, options: { ...account.options, ...accountOptions } }, { ...baseDeps, ...options.deps, ...deps })
  const basic = Buffer.from(`${user.username}:${user.secret}`).toString('base64')
  return {
    sim,
    clock,
    account,
    user,
    connector: newConnector(),
    sleeps,
    ctx: () => testContext(user.secret, account.name),
    secrets: () => [user.secret, basic, `Basic ${basic}`],
    newConnector,
    close: () => sim.close()
  }
}

import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contract, type MethodName } from '../../src/shared/contract'
import { createContractHandlers, dispatchCall, type ContractHandlers } from '../../src/main/core/api-handlers'
import { CallScheduler } from '../../src/main/core/call-scheduler'
import { CoreRuntime } from '../../src/main/core/core-runtime'
import { AppError } from '../../src/main/core/errors'
import { TokenStore } from '../../src/main/core/secrets/token-store'
import { seedArchive } from '../e2e/support/seed-archive'

/**
 * The order in which the core starts API calls (browser mode and the Electron worker both use
 * CallScheduler): real calls through the real dispatch, over a real archive.
 */

let dir: string
let runtime: CoreRuntime
let handlers: ContractHandlers

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'call-scheduler-'))
  seedArchive({ dataDir: path.join(dir, 'data'), account: 'hub', url: 'http://127.0.0.1:9', count: 5000, newest: Date.now() })
  runtime = new CoreRuntime({ dataDir: path.join(dir, 'data'), version: 'x', transport: 'browser', autoSync: false, tokenStore: new TokenStore({ env: {} }) })
  handlers = createContractHandlers(runtime, { runExport: () => Promise.reject(new AppError('INTERNAL', 'unused')) })
})

afterAll(async () => {
  await runtime?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const query = { text: ['acme'] }
const inputs: Partial<Record<MethodName, unknown>> = {
  queryEvents: { query, sort: { key: 'occurred_at', dir: 'desc' }, limit: 100 },
  countEvents: { query },
  facets: { query, top: 50, approximate: true },
  histogram: { query, buckets: 60 },
  listAccounts: undefined
}

/** Schedules `method` and records, in `finished`, when its answer (a real one) came back. */
function call(scheduler: CallScheduler, method: MethodName, finished: string[]): Promise<void> {
  const channel = contract[method].channel
  return scheduler.schedule(channel, () => dispatchCall(handlers, channel, inputs[method])).then((result) => {
    expect(result, method).toMatchObject({ ok: true })
    finished.push(method)
  })
}

describe('the call scheduler', () => {
  it('starts a page of events before the summaries asked for with it, and keeps the rest in order', async () => {
    const scheduler = new CallScheduler()
    const finished: string[] = []
    // The renderer's order before the fix: the summaries first, then the page.
    await Promise.all(
      (['countEvents', 'facets', 'histogram', 'queryEvents', 'listAccounts'] as const).map((method) => call(scheduler, method, finished))
    )
    expect(finished).toEqual(['queryEvents', 'listAccounts', 'countEvents', 'facets', 'histogram'])
  })

  it('puts a page asked for while summaries run ahead of the summaries still waiting', async () => {
    const scheduler = new CallScheduler()
    const finished: string[] = []
    const first = [call(scheduler, 'facets', finished), call(scheduler, 'histogram', finished), call(scheduler, 'countEvents', finished)]
    // A new filter's page arrives after the first summary has started.
    await new Promise((resolve) => setImmediate(resolve))
    expect(finished).toEqual(['facets'])
    await Promise.all([...first, call(scheduler, 'queryEvents', finished)])
    expect(finished).toEqual(['facets', 'queryEvents', 'histogram', 'countEvents'])
  })

  it('orders only the starts: a call that waits lets the next ones run meanwhile', async () => {
    const scheduler = new CallScheduler()
    const finished: string[] = []
    let release: () => void = () => undefined
    const slow = scheduler.schedule(contract.testConnection.channel, () => new Promise<void>((resolve) => (release = resolve))).then(() => {
      finished.push('slow')
    })
    await call(scheduler, 'queryEvents', finished)
    expect(finished).toEqual(['queryEvents'])
    release()
    await slow
    expect(finished).toEqual(['queryEvents', 'slow'])
  })

  it('passes a failure through to its caller', async () => {
    const scheduler = new CallScheduler()
    await expect(scheduler.schedule('events:query', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    const channel = contract.getEvent.channel
    expect(await scheduler.schedule(channel, () => dispatchCall(handlers, channel, { id: 999_999 }))).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
  })
})

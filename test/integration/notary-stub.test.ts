import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { Account } from '../../src/shared/account'
import { AppError } from '../../src/main/core/errors'
import type { Connector } from '../../src/main/core/sources/connector'
import { createConnector } from '../../src/main/core/sources/index'
import { createManualClock } from '../sim/dockerhub'
import { startMsrSim, type MsrSim } from '../sim/msr'
import { BLACKOUT_MS } from '../sim/notary-changefeed-store'
import { errcodeBody } from '../sim/sim-faults'
import { expectAppError, MemoryArchive, testContext, walkInto } from './connector-behaviour'

/**
 * The notary connector against loopback stubs that speak the notary wire format, for what the real
 * notary-server in notary.test.ts / notary-real.test.ts cannot be made to do:
 * - the RethinkDB backend that DTR/MSR run (UUID change IDs, the 60-second blackout, 500 for an
 *   unknown change ID) — served by the MSR simulator's changefeed (notary-changefeed-store.ts);
 * - a 401 whose challenge names a token service on another host.
 */

let sim: MsrSim | undefined
let stub: http.Server | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
  if (stub) await new Promise((resolveClose) => stub!.close(resolveClose))
  stub = undefined
})

const START = Date.parse('2025-06-02T12:00:00Z')

function notaryAccount(url: string, options: Record<string, unknown>): Account {
  return { id: 1, name: 'dtr-trust', kind: 'notary', url, options, created_at: 0, updated_at: 0 }
}

function connectorFor(s: MsrSim, options: Record<string, unknown>, clockNow: () => number, sleeps: number[] = []): Connector {
  return createConnector(notaryAccount(s.url, { authMode: 'token', username: s.admin.username, ...options }), {
    now: clockNow,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms)
    },
    pageSize: 7
  })
}

describe('notary: RethinkDB-style feed (as in DTR/MSR)', () => {
  it('walks UUID change IDs opaquely, resumes after the last one, and waits out the blackout', async () => {
    const clock = createManualClock(START)
    sim = await startMsrSim({ clock, trustChanges: 30 })
    const connector = connectorFor(sim, {}, () => clock.now())
    const archive = new MemoryArchive()
    const ctx = testContext(sim.admin.secret)
    const totals = await walkInto(connector, 'changefeed', archive, ctx)
    expect(totals.pages).toBe(5)
    expect([...archive.events.keys()]).toEqual(sim.trust.changes.map((change) => change.ID))
    expect(archive.cursor).toEqual({ v: 1, feed: 'global', lastId: sim.trust.changes.at(-1)!.ID })
    expect(sim.requests.filter((request) => request.route === 'changefeed' && request.status === 200)[0]!.query).toMatchObject({
      change_id: '0',
      records: '7'
    })

    // Changes younger than 60 s are not served yet; after the blackout they are.
    const fresh = [sim.trust.add(sim.gun('web/frontend'), 'update', clock.now()), sim.trust.add(sim.gun('web/frontend'), 'deletion', clock.now())]
    expect((await walkInto(connector, 'changefeed', archive, ctx)).inserted).toBe(0)
    clock.advance(BLACKOUT_MS + 1000)
    expect((await walkInto(connector, 'changefeed', archive, ctx)).inserted).toBe(2)
    expect(archive.events.get(fresh[1]!.ID)).toEqual(fresh[1])
    expect(connector.normalise('changefeed', fresh[1])).toMatchObject({ activity: 'trust-delete', repository: 'web/frontend', namespace: 'web' })
  })

  it('reads one GUN feed per repository with a UUID cursor for each', async () => {
    const clock = createManualClock(START)
    sim = await startMsrSim({ clock, trustChanges: 30 })
    const guns = [sim.gun('payments/api'), sim.gun('base/alpine')]
    const connector = connectorFor(sim, { repositories: guns }, () => clock.now())
    const archive = new MemoryArchive()
    await walkInto(connector, 'changefeed', archive, testContext(sim.admin.secret))
    const expected = sim.trust.changes.filter((change) => guns.includes(change.GUN))
    expect([...archive.events.keys()].sort()).toEqual(expected.map((change) => change.ID).sort())
    const cursor = archive.cursor as { lastIds: Record<string, string> }
    for (const gun of guns) {
      expect(cursor.lastIds[gun]).toBe(expected.filter((change) => change.GUN === gun).at(-1)!.ID)
    }
    const scopes = sim.requests.filter((request) => request.route === 'token').map((request) => request.query['scope'])
    expect(scopes).toEqual(guns.map((gun) => `repository:${gun}:pull`))
  })

  it('switching between the global feed and per-repository feeds starts over, storing nothing twice', async () => {
    const clock = createManualClock(START)
    sim = await startMsrSim({ clock, trustChanges: 20 })
    const archive = new MemoryArchive()
    await walkInto(connectorFor(sim, {}, () => clock.now()), 'changefeed', archive, testContext(sim.admin.secret))
    const ctx = testContext(sim.admin.secret)
    const perGun = connectorFor(sim, { repositories: [sim.gun('payments/api')] }, () => clock.now())
    const totals = await walkInto(perGun, 'changefeed', archive, ctx)
    expect(totals).toMatchObject({ inserted: 0 })
    expect(totals.duplicates).toBe(sim.trust.changes.filter((change) => change.GUN === sim!.gun('payments/api')).length)
    expect(ctx.notices.some((notice) => notice.type === 'warning' && /now reads per-repository changefeeds/.test(notice.message))).toBe(true)
    expect(archive.cursor).toMatchObject({ v: 1, feed: 'repositories' })
  })

  it('a change ID the server no longer knows is a 500 that ends in a clear give-up', async () => {
    const clock = createManualClock(START)
    sim = await startMsrSim({ clock, trustChanges: 3 })
    const sleeps: number[] = []
    const archive = new MemoryArchive()
    archive.cursor = { v: 1, feed: 'global', lastId: '00000000-0000-4000-8000-000000000000' }
    const error = await expectAppError(
      walkInto(connectorFor(sim, {}, () => clock.now(), sleeps), 'changefeed', archive, testContext(sim.admin.secret)),
      'BAD_RESPONSE',
      [sim.admin.secret]
    )
    expect(error.message).toMatch(/kept failing with HTTP 500; gave up after 5 attempts/)
    expect(sleeps).toHaveLength(4)
    expect(archive.pages).toBe(0)
  })
})

describe('notary: where credentials may go', () => {
  it('does not send them to a token service on another host unless the account names it', async () => {
    const seen: string[] = []
    stub = http.createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization ?? ''}`)
      const body = JSON.stringify(errcodeBody('UNAUTHORIZED', 'authentication required'))
      res.writeHead(401, {
        'content-type': 'application/json; charset=utf-8',
        'www-authenticate': 'Bearer realm="https://auth.example.invalid/token",service="notary.example",scope="registry:catalog:*"'
      })
      res.end(body)
    })
    await new Promise<void>((resolveListen) => stub!.listen(0, '127.0.0.1', resolveListen))
    const url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`
    const secret = 'do-not-send-me-anywhere-1234'
    const error = await expectAppError(
      createConnector(notaryAccount(url, { authMode: 'token', username: 'ops' })).testConnection(testContext(secret)),
      'INVALID_INPUT',
      [secret]
    )
    expect(error).toBeInstanceOf(AppError)
    expect(error.message).toMatch(/asks for a token from https:\/\/auth\.example\.invalid\/token, another host .* token realm/)
    expect(seen).toHaveLength(1)
    expect(seen[0]).not.toContain('Basic')
  })
})

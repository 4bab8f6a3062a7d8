import { afterAll } from 'vitest'
import type { Account } from '../../src/shared/account'
import { AppError } from '../../src/main/core/errors'
import { createConnector } from '../../src/main/core/sources/index'
import { createManualClock } from '../sim/dockerhub'
import { startNotaryFaultProxy } from '../sim/notary-fault-proxy'
import { startNotaryTokenService, type NotaryTokenService } from '../sim/notary-token-service'
import { describeConnectorBehaviour, type DocumentedRecord } from './connector-behaviour'
import { startNotaryStack, type NotaryStack } from './notary-stack'

/**
 * The shared behaviour suite for the notary connector, against real notary-servers:
 *
 * - `data`: a real notary-server (memory store, no auth) holding trust data published with the
 *   real notary client (populate.sh): paging, cursors, `records: null`, text/plain, capitalised
 *   keys, integer IDs as strings, update and deletion records are all the real server's.
 * - `gate`: a second real notary-server started with --token-auth. Every request is first put to
 *   it, so the 401 challenges, and the validation of the tokens our loopback token service signs,
 *   are the real server's (see notary-fault-proxy.ts). The account uses auth mode `token` with its
 *   token realm set to that token service (start.sh's realm points at the gate's own port, where
 *   no token service runs).
 * - The fault proxy in front of them adds only what no real server does on demand: 429s, 5xx,
 *   HTML pages, truncated and reshaped bodies. A token "expires" by the proxy dropping the
 *   Authorization header, so the gate's real 401 is what the connector meets.
 */

interface Shared {
  data: NotaryStack
  gate: NotaryStack
  tokens: NotaryTokenService
  password: string
  /** Records the data server's feed holds. */
  count: number
}

let shared: Promise<Shared> | undefined

function sharedServers(): Promise<Shared> {
  shared ??= (async () => {
    const [data, gate] = await Promise.all([startNotaryStack(), startNotaryStack({ tokenAuth: true })])
    await data.populate('registry.example/team/app:4', 'registry.example/team/db:2', 'registry.example/ops/tool', '-registry.example/team/db')
    const password = 'notary-reader-password-5a1f'
    const tokens = await startNotaryTokenService({ dir: gate.dir, users: { reader: password } })
    const count = (await data.feed()).length
    return { data, gate, tokens, password, count }
  })()
  return shared
}

afterAll(async () => {
  if (!shared) return
  const { data, gate, tokens } = await shared
  await Promise.all([data.stop(), gate.stop(), tokens.close()])
})

const SHA = '53acf14944d2d19cb8c0d997e9485ceba31d7e852aacd5511d715a4f75d4f0cf'
/** Records exactly as notary-server's memory and SQL stores write them. */
const DOCUMENTED: DocumentedRecord[] = [
  {
    action: 'trust.update',
    raw: { ID: '1', CreatedAt: '2026-11-21T08:28:25.462408186Z', GUN: 'registry.example/team/app', Version: 1, SHA256: SHA, Category: 'update' },
    expect: {
      verb: 'UPDATE',
      activity: 'sign',
      outcome: 'success',
      actor: null,
      actor_kind: 'unknown',
      occurred_at: Date.parse('2026-11-21T08:28:25.462Z'),
      namespace: 'team',
      repository: 'team/app',
      tag: null,
      digest: null,
      target: `timestamp sha256:${SHA}`,
      label: 'trust data of registry.example/team/app updated (timestamp version 1)'
    }
  },
  {
    action: 'trust.deletion',
    raw: { ID: '6', CreatedAt: '2026-11-21T08:28:25.613666393Z', GUN: 'registry.example/team/db', Version: 0, SHA256: '', Category: 'deletion' },
    expect: {
      verb: 'DELETE',
      activity: 'trust-delete',
      outcome: 'success',
      actor: null,
      actor_kind: 'unknown',
      occurred_at: Date.parse('2026-11-21T08:28:25.613Z'),
      namespace: 'team',
      repository: 'team/db',
      digest: null,
      target: null,
      label: 'trust data of registry.example/team/db deleted'
    }
  }
]

const GOOD = { ID: '1', CreatedAt: '2026-11-21T08:28:25Z', GUN: 'registry.example/a/b', Version: 1, SHA256: SHA, Category: 'update' }

describeConnectorBehaviour('notary (real notary-server)', async () => {
  const { data, gate, tokens, password, count } = await sharedServers()
  // Whole seconds, as an HTTP date carries them (Retry-After as a date).
  const clock = createManualClock(Math.floor(Date.now() / 1000) * 1000)
  const proxy = await startNotaryFaultProxy({ upstream: { url: data.url, ca: data.ca }, gate: { url: gate.url, ca: gate.ca }, now: () => clock.now() })
  const sleeps: number[] = []
  const account: Account = {
    id: 1,
    name: 'trust',
    kind: 'notary',
    url: proxy.url,
    options: { authMode: 'token', username: 'reader', tokenRealm: tokens.url, caFile: gate.caFile },
    created_at: 0,
    updated_at: 0
  }
  const issuedBefore = tokens.issued
  const connector = createConnector(account, {
    now: () => clock.now(),
    random: () => 0.5,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw new AppError('CANCELLED', 'cancelled')
      sleeps.push(ms)
      clock.advance(ms)
    },
    pageSize: 4,
    timeoutMs: 10_000,
    idleTimeoutMs: 10_000
  })
  const route = { route: 'changefeed' as const }
  return {
    connector,
    stream: 'changefeed',
    sourceCount: () => count,
    secrets: () => [password, ...tokens.tokens],
    sleeps,
    signIns: () => tokens.issued - issuedBefore,
    expireTokenOnce: () => proxy.dropAuthorization(1),
    rejectEveryToken: () => proxy.dropAuthorization(Number.POSITIVE_INFINITY),
    rateLimitVariants: ['retry-after', 'retry-after-date'],
    rateLimitOnce: (variant, seconds) => {
      proxy.inject({ kind: 'rate-limit', header: variant as 'retry-after' | 'retry-after-date', seconds }, route)
      return seconds * 1000
    },
    serverErrors: (times) => proxy.inject({ kind: 'server-error', status: 503, body: 'html' }, { ...route, times }),
    malformedKinds: ['html', 'truncated-json', 'records-not-array', 'id-missing', 'created-at-unreadable', 'category-missing'],
    malformedOnce: (kind) => {
      const inject = (body: unknown): void => proxy.inject({ kind: 'json', body, contentType: 'text/plain; charset=utf-8' }, route)
      if (kind === 'html') proxy.inject({ kind: 'html', status: 200 }, route)
      else if (kind === 'truncated-json') proxy.inject({ kind: 'truncated-json' }, route)
      else if (kind === 'records-not-array') inject({ count: 1, records: GOOD })
      else if (kind === 'id-missing') inject({ count: 1, records: [{ ...GOOD, ID: null }] })
      else if (kind === 'created-at-unreadable') inject({ count: 1, records: [{ ...GOOD, CreatedAt: '21/11/2026' }] })
      else inject({ count: 1, records: [{ ...GOOD, Category: undefined }] })
    },
    documented: DOCUMENTED,
    close: () => proxy.close()
  }
})

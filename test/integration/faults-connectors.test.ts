import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ErrorCode } from '../../src/shared/errors'
import type { SyncProgress } from '../../src/shared/sync'
import { Archive } from '../../src/main/core/db/archive'
import { AppError } from '../../src/main/core/errors'
import type { ConnectorDeps } from '../../src/main/core/sources/index'
import { syncAccount } from '../../src/main/core/sync/sync-account'
import { expectNoSecrets } from './connector-behaviour'
import {
  closedPort,
  startFaultTarget,
  startRecordingServer,
  type FaultTarget,
  type RecordingServer,
  type TargetKind,
  type TargetTls
} from './faults-targets'
import { lastRun, snapshotArchive, type ArchiveSnapshot } from './fixtures/archive-snapshot'
import { makeTestCertificates, type TestCertificates } from './tls-certificates'

/**
 * Issue 6 §1: network faults through every connector that has a simulator (Docker Hub, MSR,
 * notary over the MSR simulator's trust changefeed, IBM, Harbor, Quay), as a table of
 * (connector × fault). Each case runs the real sync engine into a real archive that already holds
 * one page of the account (a sync cut short after its first page, so the run resumes from a
 * cursor in the middle of the source), with the fault injected on the source's data route. After
 * it: one typed error whose message names no secret, and the archive EXACTLY as before the run
 * (fault at the run's first data request) or exactly one page further (fault after one good
 * answer) — every event row, cursor and chain head compared with a fault-free reference run cut
 * after that many pages, from the same archive file and the same simulated time.
 */

const KINDS: TargetKind[] = ['dockerhub', 'msr', 'notary', 'ibm', 'harbor', 'quay']
const EVENTS = 100
const PAGE_SIZE = 20

interface CaseContext {
  target: FaultTarget
  certs: TestCertificates
  caFile: string
  /** Starts a TLS twin of the target (its own simulator) and remembers it for closing. */
  tlsTwin(tls: TargetTls): Promise<FaultTarget>
  /** Closed after the case. */
  cleanups: Array<() => Promise<void> | void>
}

interface Arranged {
  deps?: ConnectorDeps
  /** Another URL for the connector (a dead port). */
  url?: string
  /** The run goes to this TLS twin instead. */
  twin?: FaultTarget
  /**
   * Called once the run has written its first page, before the connector asks for the next:
   * the fault armed here hits the request after exactly one page, whatever the number of
   * requests a page takes (IBM splits full slices, notary starts with a 401 challenge).
   */
  afterFirstPage?: () => void
  /** Where a redirect points: it must never be reached. */
  elsewhere?: RecordingServer
}

interface FaultCase {
  name: string
  /** Prepares the source and says how the run is to be made. */
  arrange(ctx: CaseContext): Promise<Arranged>
  /** `ok`: the run completes and the archive equals a fault-free full run. */
  outcome: { code: ErrorCode; message: RegExp; pages: 0 | 1 } | 'ok'
  /** Further checks on the waits and the source after the run. */
  check?(arranged: Arranged, sleeps: number[]): void
}

const STORM_POLICY = { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 400 }

const CASES: FaultCase[] = [
  {
    name: 'connection refused',
    arrange: async () => ({ url: `http://127.0.0.1:${await closedPort()}` }),
    outcome: { code: 'NETWORK', message: /cannot connect to 127\.0\.0\.1:\d+: connection refused \(gave up after 5 attempts/, pages: 0 }
  },
  {
    name: 'connection reset in the middle of a body',
    arrange: async ({ target }) => ({ afterFirstPage: () => target.inject({ kind: 'reset-mid-body' }, Number.POSITIVE_INFINITY) }),
    outcome: { code: 'NETWORK', message: /the connection to 127\.0\.0\.1:\d+ was reset while reading the response \(gave up after 5 attempts/, pages: 1 }
  },
  {
    name: 'connection closed without an answer',
    arrange: async ({ target }) => ({ afterFirstPage: () => target.inject({ kind: 'hang-up' }, Number.POSITIVE_INFINITY) }),
    outcome: { code: 'NETWORK', message: /127\.0\.0\.1:\d+.*gave up after 5 attempts/, pages: 1 }
  },
  {
    name: 'headers, then the body stalls (idle timeout)',
    // A short idle limit for this run only, so five stalled attempts take half a second.
    arrange: async ({ target }) => ({
      deps: { idleTimeoutMs: 100 },
      afterFirstPage: () => target.inject({ kind: 'stall-after-headers' }, Number.POSITIVE_INFINITY)
    }),
    outcome: { code: 'TIMEOUT', message: /127\.0\.0\.1:\d+ stopped sending the response for 100 ms \(gave up after 5 attempts/, pages: 1 }
  },
  {
    name: '5xx storm: capped backoff, then a clear give-up',
    arrange: async ({ target }) => ({
      deps: { retry: STORM_POLICY },
      afterFirstPage: () => target.inject({ kind: 'server-error', status: 503 }, Number.POSITIVE_INFINITY)
    }),
    outcome: { code: 'BAD_RESPONSE', message: /HTTP 503.*gave up after 6 attempts|gave up after 6 attempts.*503/, pages: 1 },
    check: (_arranged, sleeps) => {
      // Backoff doubles from 100 ms and stops growing at the 400 ms cap (random fixed at 0.5: ¾ of it).
      expect(sleeps).toEqual([75, 150, 300, 300, 300])
    }
  },
  {
    name: '429 storm: every Retry-After honoured, then RATE_LIMITED',
    arrange: async ({ target }) => ({ afterFirstPage: () => target.inject({ kind: 'rate-limit', seconds: 7 }, Number.POSITIVE_INFINITY) }),
    outcome: { code: 'RATE_LIMITED', message: /after 10 waits/, pages: 1 },
    check: (_arranged, sleeps) => {
      expect(sleeps.filter((ms) => ms === 7_000)).toHaveLength(10)
    }
  },
  {
    name: 'token expiry mid-run: signed in again once, the run completes',
    arrange: async ({ target }) => ({ afterFirstPage: () => target.inject({ kind: 'unauthorized' }, 1) }),
    outcome: 'ok'
  },
  {
    name: 'credentials revoked mid-run: AUTH_FAILED after one new sign-in',
    arrange: async ({ target }) => ({ afterFirstPage: () => target.inject({ kind: 'unauthorized' }, Number.POSITIVE_INFINITY) }),
    outcome: { code: 'AUTH_FAILED', message: /.+/, pages: 1 }
  },
  {
    name: 'TLS: certificate from an unknown CA',
    arrange: async ({ tlsTwin, certs }) => ({ twin: await tlsTwin({ ...certs.leaf }) }),
    outcome: { code: 'TLS', message: /not signed by a trusted certificate authority .*set the account's CA file/, pages: 0 },
    check: (_arranged, sleeps) => expect(sleeps).toEqual([])
  },
  {
    name: 'TLS: certificate for another host name',
    arrange: async ({ tlsTwin, certs, caFile }) => ({ twin: await tlsTwin({ ...certs.otherHost, caFile }) }),
    outcome: { code: 'TLS', message: /not valid for the host name 127\.0\.0\.1 .*use the host name the certificate was issued for/, pages: 0 },
    check: (_arranged, sleeps) => expect(sleeps).toEqual([])
  },
  {
    name: 'TLS: expired certificate',
    arrange: async ({ tlsTwin, certs, caFile }) => ({ twin: await tlsTwin({ ...certs.expired, caFile }) }),
    outcome: { code: 'TLS', message: /has expired or is not yet valid .*renew the server's certificate/, pages: 0 },
    check: (_arranged, sleeps) => expect(sleeps).toEqual([])
  },
  {
    name: 'redirect to another host: not followed, no credentials sent there',
    arrange: async ({ target, cleanups }) => {
      const elsewhere = await startRecordingServer()
      cleanups.push(() => elsewhere.close())
      const location = `${elsewhere.url}${target.dataPath}`
      return { elsewhere, afterFirstPage: () => target.inject({ kind: 'redirect', location }, Number.POSITIVE_INFINITY) }
    },
    outcome: { code: 'BAD_RESPONSE', message: /redirected to another host \(http:\/\/127\.0\.0\.1:\d+\); the redirect was not followed/, pages: 1 },
    check: ({ elsewhere }) => expect(elsewhere?.requests).toEqual([])
  }
]

let certs: TestCertificates
let certDir: string
let caFile: string
const tally = { tried: 0, typed: 0, completed: 0 }

beforeAll(() => {
  certs = makeTestCertificates()
  certDir = mkdtempSync(path.join(os.tmpdir(), 'faults-ca-'))
  caFile = path.join(certDir, 'ca.pem')
  writeFileSync(caFile, certs.caCert)
})
afterAll(() => {
  rmSync(certDir, { recursive: true, force: true })
  console.info(
    `network faults: ${tally.tried} (connector × fault) cases tried: ${tally.typed} ended in the expected typed error ` +
      `with the archive exactly as before or one page further, ${tally.completed} completed after renewing the token`
  )
})

/**
 * Runs one sync of the archive's only account; `stopAfterPages` cancels it once that many pages
 * are written (a reference run, or the partial first sync).
 */
async function runSync(
  file: string,
  target: FaultTarget,
  options: Arranged & { stopAfterPages?: number; stopAfterEvents?: boolean } = {}
): Promise<{ error: AppError | undefined; pages: number; accountId: number }> {
  const archive = Archive.open(file)
  try {
    const stored = archive.listAccounts()[0]!
    const controller = new AbortController()
    let pages = 0
    const onProgress = (progress: SyncProgress): void => {
      if (progress.type !== 'page') return
      pages = progress.pages
      if (pages === 1) options.afterFirstPage?.()
      if (options.stopAfterPages !== undefined && pages >= options.stopAfterPages) controller.abort()
      if (options.stopAfterEvents === true && progress.inserted > 0) controller.abort()
    }
    const twin = options.twin
    const connector =
      twin === undefined
        ? target.connector(stored, options.deps, options.url)
        : twin.connector({ ...stored, url: twin.url, options: { ...stored.options, ...twin.account().options } }, options.deps)
    let error: AppError | undefined
    try {
      await syncAccount({ archive, account: stored, connector, getToken: async () => target.secret, signal: controller.signal, onProgress })
    } catch (caught) {
      expect(caught).toBeInstanceOf(AppError)
      error = caught as AppError
    }
    return { error, pages, accountId: stored.id }
  } finally {
    archive.close()
  }
}

for (const kind of KINDS) {
  describe(`${kind}: network faults leave the archive whole`, () => {
    let target: FaultTarget
    let dir: string
    let before: string
    let start: number
    const references = new Map<number, ArchiveSnapshot>()
    let copies = 0

    const copyOfBefore = (): string => {
      const file = path.join(dir, `run-${++copies}.sqlite`)
      copyFileSync(before, file)
      return file
    }

    /** The archive after a fault-free run from the same state, cut after `pages` pages (Infinity: to the end). */
    const reference = async (pages: number): Promise<ArchiveSnapshot> => {
      let snapshot = references.get(pages)
      if (snapshot === undefined) {
        if (pages === 0) snapshot = snapshotArchive(before)
        else {
          const file = copyOfBefore()
          target.clearFaults()
          target.clock.set(start)
          const run = await runSync(file, target, pages === Number.POSITIVE_INFINITY ? {} : { stopAfterPages: pages })
          if (pages === Number.POSITIVE_INFINITY) expect(run.error).toBeUndefined()
          else expect(run.pages).toBe(pages)
          snapshot = snapshotArchive(file)
        }
        references.set(pages, snapshot)
      }
      return snapshot
    }

    beforeAll(async () => {
      target = await startFaultTarget(kind, { events: EVENTS, pageSize: PAGE_SIZE })
      dir = mkdtempSync(path.join(os.tmpdir(), `faults-${kind}-`))
      before = path.join(dir, 'before.sqlite')
      const archive = Archive.open(before)
      archive.addAccount(target.account())
      archive.close()
      start = target.clock.now()
      // The state every case starts from: the first page that held events stored, the cursor in
      // the middle of the source. (IBM's oldest time slices can be empty pages.)
      const first = await runSync(before, target, { stopAfterEvents: true })
      expect(first.error?.code).toBe('CANCELLED')
      const state = snapshotArchive(before)
      expect(state.events.length).toBeGreaterThan(0)
      expect(state.cursors.length).toBeGreaterThan(0)
      // The run must still have pages to go for "one page further" to mean anything.
      const full = await reference(Number.POSITIVE_INFINITY)
      expect(full.events.length).toBeGreaterThan(state.events.length + PAGE_SIZE)
    })

    afterAll(async () => {
      await target?.close()
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
    })

    for (const faultCase of CASES) {
      it(faultCase.name, async () => {
        const cleanups: Array<() => Promise<void> | void> = []
        const ctx: CaseContext = {
          target,
          certs,
          caFile,
          cleanups,
          tlsTwin: async (tls) => {
            const twin = await startFaultTarget(kind, { events: EVENTS, pageSize: PAGE_SIZE, tls })
            cleanups.push(() => twin.close())
            return twin
          }
        }
        try {
          const file = copyOfBefore()
          target.clearFaults()
          target.clock.set(start)
          target.sleeps.length = 0
          const tokensBefore = target.tokensIssued()
          const arranged = await faultCase.arrange(ctx)
          const sleeps = arranged.twin?.sleeps ?? target.sleeps
          tally.tried++
          const run = await runSync(file, target, arranged)
          target.clearFaults()

          if (faultCase.outcome === 'ok') {
            expect(run.error, run.error?.message).toBeUndefined()
            expect(snapshotArchive(file)).toEqual(await reference(Number.POSITIVE_INFINITY))
            // Where the account signs in for a bearer, the 401 made it sign in once more.
            if (target.tokensIssued() > 0) expect(target.tokensIssued()).toBe(tokensBefore + 2)
            tally.completed++
          } else {
            const { code, message, pages } = faultCase.outcome
            expect(run.error, 'the run must fail').toBeInstanceOf(AppError)
            const error = run.error!
            expect({ code: error.code, message: error.message }).toMatchObject({ code })
            expect(error.message).toMatch(message)
            expect(error.account).toBe(target.account().name)
            expectNoSecrets(error.message, [...target.secrets(), ...(arranged.twin?.secrets() ?? [])])
            expect(run.pages, 'whole pages written before the fault').toBe(pages)
            expect(snapshotArchive(file)).toEqual(await reference(pages))
            expect(lastRun(file, run.accountId)).toMatchObject({ status: 'failed', error_code: code, pages })
            tally.typed++
          }
          faultCase.check?.(arranged, sleeps)
        } finally {
          for (const cleanup of cleanups.reverse()) await cleanup()
        }
      })
    }
  })
}

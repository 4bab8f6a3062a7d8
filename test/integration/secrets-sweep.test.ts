import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AccountSyncState } from '../../src/shared/contract'
import { envVarName, TokenStore } from '../../src/main/core/secrets/token-store'
import { AppPage } from '../e2e/page-models/app-page'
import { launchChromium } from '../e2e/support/browser'
import { ensureRendererBuilt } from '../e2e/support/renderer-build'
import { startServe, type ServeProcess } from '../e2e/support/serve'
import { startDockerHubSim, type DockerHubSim } from '../sim/dockerhub'
import { startHarborSim, type HarborSim } from '../sim/harbor'
import { startIbmSim, type IbmSim } from '../sim/ibm'
import { startMsrSim, type MsrSim } from '../sim/msr'
import { startQuaySim, type QuaySim } from '../sim/quay'
import { runCli, type CliRun } from './cli-helpers'

/**
 * The secrets sweep (issue 6 §6): a full session with known token values — accounts of every kind
 * with a simulator added through the UI and the API, syncs (one with a rejected token), failed
 * connection tests, CSV / NDJSON / evidence exports, the CLI beside browser mode, debug output —
 * then every place a token could have leaked to is searched for every token, in every encoding a
 * program might have written it in: every file of the data folder (archive.sqlite, -wal, -shm and
 * anything else), the exports, every output of the server and the CLI, and in the browser the DOM,
 * every API answer, localStorage, sessionStorage, cookies, the URL and the navigation history.
 */

const suffix = randomBytes(3).toString('hex')
const NAMES = {
  hub: `sweep-hub-${suffix}`,
  bad: `sweep-bad-${suffix}`,
  msr: `sweep-msr-${suffix}`,
  harbor: `sweep-harbor-${suffix}`,
  ibm: `sweep-ibm-${suffix}`,
  quay: `sweep-quay-${suffix}`,
  cli: `sweep-cli-${suffix}`
}
const random = (): string => randomBytes(12).toString('base64url')
/** Known token values; '+', '/' and '=' make the URL-encoded and form-encoded spellings differ from the raw one. */
const TOKENS = {
  hub: `dckr_pat_SWEEPhub${random()}`,
  bad: `dckr_pat_SWEEPrejected${random()}`,
  badGood: `dckr_pat_SWEEPbadorg${random()}`,
  msr: `msr-SWEEP+${random()}/=`,
  harbor: `Harbor-SWEEP+${random()}/=`,
  ibm: `ibm-SWEEP+${random()}/=`,
  quay: `quay-SWEEP${random()}`,
  cli: `dckr_pat_SWEEPcli${random()}`,
  wrongTest: `dckr_pat_SWEEPwrongtest${random()}`
}

const keychain = new TokenStore().keychainAvailable()
const KEYCHAIN_SKIP = 'no Secret Service here (run under /work/shared/tools/with-keyring; REQUIRE_KEYCHAIN=1 makes this a failure)'

let dir: string
let dataDir: string
let hub: DockerHubSim
let badHub: DockerHubSim
let cliHub: DockerHubSim
let msr: MsrSim
let harbor: HarborSim
let ibm: IbmSim
let quay: QuaySim
let serve: ServeProcess
let browser: Browser
let context: BrowserContext
let page: Page
/** Every output of the session: CLI runs, API answers seen by the page. */
const outputs: Array<{ where: string; text: string }> = []
/** Files written outside the data folder (exports, evidence). */
const writtenFiles: string[] = []

beforeAll(async () => {
  await ensureRendererBuilt()
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-sweep-'))
  dataDir = path.join(dir, 'data')
  fs.mkdirSync(dataDir)
  const now = Date.now()
  hub = await startDockerHubSim({ org: 'acme', identifier: 'acme-admin', secret: TOKENS.hub, events: 120, seed: 5 })
  badHub = await startDockerHubSim({ org: 'globex', identifier: 'globex-admin', secret: TOKENS.badGood, events: 20, seed: 6 })
  cliHub = await startDockerHubSim({ org: 'initech', identifier: 'initech-admin', secret: TOKENS.cli, events: 40, seed: 7 })
  msr = await startMsrSim({ events: 60, users: [{ username: 'admin', secret: TOKENS.msr, admin: true }] })
  harbor = await startHarborSim({ events: 60, users: [{ username: 'admin', secret: TOKENS.harbor, kind: 'admin' }] })
  ibm = await startIbmSim({ events: 40, apiKey: TOKENS.ibm, endTime: now - 5 * 60_000 })
  quay = await startQuaySim({ logs: 40, endTime: now - 60_000, tokens: [{ token: TOKENS.quay, username: 'alice', scopes: ['org:admin', 'repo:admin', 'user:read'], admin: ['acme'] }] })
  serve = await startServe({ dataDir })
  browser = await launchChromium()
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true })
  page = await context.newPage()
  // Every answer the page receives from the API, searched like everything else.
  page.on('response', (response) => {
    if (!response.url().includes('/api/')) return
    response
      .text()
      .then((text) => outputs.push({ where: `API answer ${response.url()}`, text }))
      .catch(() => undefined)
  })
}, 180_000)

afterAll(async () => {
  await context?.close()
  await browser?.close()
  await serve?.stop()
  for (const sim of [hub, badHub, cliHub, msr, harbor, ibm, quay]) await sim?.close()
  if (keychain) {
    const store = new TokenStore()
    for (const name of Object.values(NAMES)) store.delete(name)
  }
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true })
})

async function cli(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  // Without a keychain the tokens live in the server's session only: a cron run gets them from the environment.
  const tokenEnv: Record<string, string> = keychain
    ? {}
    : {
        [envVarName(NAMES.hub)]: TOKENS.hub,
        [envVarName(NAMES.bad)]: TOKENS.bad,
        [envVarName(NAMES.msr)]: TOKENS.msr,
        [envVarName(NAMES.cli)]: TOKENS.cli
      }
  const run = await runCli(['--data-dir', dataDir, ...args], { input: options.input, env: { ...tokenEnv, ...options.env } })
  outputs.push({ where: `registry-audit ${args.join(' ')} (stdout)`, text: run.stdout }, { where: `registry-audit ${args.join(' ')} (stderr)`, text: run.stderr })
  return run
}

async function waitForSyncs(names: string[]): Promise<AccountSyncState[]> {
  const deadline = Date.now() + 120_000
  for (;;) {
    const states = await serve.apiValue('syncStatus')
    const mine = states.filter((state) => names.includes(state.account))
    if (mine.length === names.length && mine.every((state) => !state.running && state.lastRun !== null)) return mine
    if (Date.now() > deadline) throw new Error(`syncs did not finish: ${JSON.stringify(mine)}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

async function download(url: string, file: string): Promise<void> {
  const response = await fetch(`${serve.origin}${url}`)
  expect(response.status).toBe(200)
  fs.writeFileSync(file, Buffer.from(await response.arrayBuffer()))
  writtenFiles.push(file)
}

/** Every spelling of a secret a program could have written: raw, base64, base64url, hex, URL- and form-encoded, UTF-16, JSON-escaped. */
function spellings(secret: string): Buffer[] {
  const raw = Buffer.from(secret, 'utf8')
  const texts = new Set([
    secret,
    raw.toString('base64'),
    raw.toString('base64').replace(/=+$/, ''),
    raw.toString('base64url'),
    raw.toString('hex'),
    raw.toString('hex').toUpperCase(),
    encodeURIComponent(secret),
    new URLSearchParams({ k: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1)
  ])
  return [...[...texts].map((text) => Buffer.from(text, 'utf8')), Buffer.from(secret, 'utf16le')]
}

/** The secrets of the session: the tokens, the Basic credentials built from them, and every bearer the simulators issued. */
function allSecrets(): Map<string, string> {
  const secrets = new Map<string, string>(Object.entries(TOKENS).map(([label, token]) => [token, `token ${label}`]))
  secrets.set(`admin:${TOKENS.msr}`, 'MSR Basic credentials')
  secrets.set(`admin:${TOKENS.harbor}`, 'Harbor Basic credentials')
  const sims: Array<{ name: string; requests: ReadonlyArray<{ authorization: string | undefined }> }> = [
    { name: 'hub', requests: hub.requests },
    { name: 'bad', requests: badHub.requests },
    { name: 'cli', requests: cliHub.requests },
    { name: 'msr', requests: msr.requests },
    { name: 'harbor', requests: harbor.requests },
    { name: 'ibm', requests: ibm.requests },
    { name: 'quay', requests: quay.requests }
  ]
  for (const sim of sims) {
    for (const request of sim.requests) {
      const credential = /^\S+\s+(\S{12,})$/.exec(request.authorization ?? '')?.[1]
      if (credential !== undefined) secrets.set(credential, `credential sent to the ${sim.name} simulator`)
    }
  }
  return secrets
}

/** Where each secret was found, in any spelling; empty when none leaked. */
function leaksIn(place: string, content: Buffer, secrets: Map<string, string>): string[] {
  const found: string[] = []
  for (const [secret, label] of secrets) {
    for (const spelling of spellings(secret)) {
      const at = content.indexOf(spelling)
      if (at !== -1) found.push(`${label} in ${place} at byte ${at} (as ${JSON.stringify(spelling.toString('utf8').slice(0, 24))}…)`)
    }
  }
  return found
}

function filesUnder(root: string): string[] {
  const out: string[] = []
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const full = path.join(root, entry.name)
    if (entry.isDirectory()) out.push(...filesUnder(full))
    else if (entry.isFile()) out.push(full)
  }
  return out
}

describe('a full session', () => {
  it('adds accounts through the UI and the API, syncs, fails, tests, exports and runs the CLI', async () => {
    const app = new AppPage(page)
    await app.open(serve.url)
    // One account typed into the dialog, as a user would.
    await page.getByTestId('empty-add-account').click()
    await app.accountDialog.fill({ name: NAMES.hub, org: 'acme', username: hub.identifier, url: hub.url, token: TOKENS.hub })
    expect(await (await app.accountDialog.testConnection()).getAttribute('class')).toContain('ok')
    await app.accountDialog.save()

    // The others over the API, as the page's shim sends them.
    await serve.apiValue('addAccount', { name: NAMES.bad, kind: 'dockerhub', url: badHub.url, options: { org: 'globex', username: badHub.identifier }, token: TOKENS.bad })
    await serve.apiValue('addAccount', { name: NAMES.msr, kind: 'msr', url: msr.url, options: { username: 'admin' }, token: TOKENS.msr })
    await serve.apiValue('addAccount', { name: NAMES.harbor, kind: 'harbor', url: harbor.url, options: { username: 'admin' }, token: TOKENS.harbor })
    await serve.apiValue('addAccount', {
      name: NAMES.ibm,
      kind: 'ibm',
      url: ibm.url,
      options: { region: 'us.icr.io', iamUrl: ibm.url, lookbackDays: 1 },
      token: TOKENS.ibm
    })
    await serve.apiValue('addAccount', { name: NAMES.quay, kind: 'quay', url: quay.url, options: { org: 'acme' }, token: TOKENS.quay })

    // Failed connection tests: a saved account with a rejected token, and a draft with a wrong one.
    const rejected = await serve.api('testConnection', { name: NAMES.bad })
    expect(rejected).toMatchObject({ ok: false, error: { code: 'AUTH_FAILED' } })
    const draft = await serve.api('testConnection', {
      draft: { name: 'sweep-draft', kind: 'dockerhub', url: hub.url, options: { org: 'acme', username: hub.identifier } },
      token: TOKENS.wrongTest
    })
    expect(draft).toMatchObject({ ok: false, error: { code: 'AUTH_FAILED' } })

    const synced = [NAMES.hub, NAMES.bad, NAMES.msr, NAMES.harbor, NAMES.ibm, NAMES.quay]
    await serve.apiValue('startSync', { names: synced })
    const states = await waitForSyncs(synced)
    const status = Object.fromEntries(states.map((state) => [state.account, state.lastRun?.status]))
    expect(status).toEqual({
      [NAMES.hub]: 'ok',
      [NAMES.bad]: 'failed',
      [NAMES.msr]: 'ok',
      [NAMES.harbor]: 'ok',
      [NAMES.ibm]: 'ok',
      [NAMES.quay]: 'ok'
    })
    expect((await serve.apiValue('countEvents', { query: { includePull: true } })).count).toBeGreaterThan(200)

    // The page shows what happened: the grid, an event's drawer with its raw record, the failed sync.
    await page.reload()
    await app.waitReady()
    await app.grid.waitReady()
    await app.grid.row(0).locator('[data-column="label"]').click()
    await app.drawer.waitReady()
    await app.syncPanel.open()
    await app.syncPanel.card(NAMES.bad).getByTestId('sync-error').waitFor()

    // Exports: CSV and NDJSON downloads, and an evidence folder.
    for (const format of ['csv', 'ndjson'] as const) {
      const result = await serve.apiValue('runExport', { query: { includePull: true }, format, timeZone: 'UTC' })
      if (result.kind !== 'download') throw new Error(`expected a download, got ${JSON.stringify(result)}`)
      await download(result.url, path.join(dir, `export.${format}`))
    }
    const evidence = await serve.api('exportEvidence', { query: { includePull: true }, timeZone: 'UTC' })
    if (evidence.ok) writtenFiles.push(...evidence.value.files.map((file) => path.join(evidence.value.dir, file)))

    // The CLI beside browser mode: list, sync (one rejected), test, add with --token-stdin, events, export, debug output.
    expect((await cli(['account', 'list'])).code).toBe(0)
    expect((await cli(['account', 'list', '--json'])).code).toBe(0)
    expect((await cli(['sync', NAMES.hub])).code).toBe(0)
    const failed = await cli(['sync', NAMES.bad], { env: { REGISTRY_AUDIT_DEBUG: '1' } })
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/authentication failed|token/i)
    expect((await cli(['account', 'test', NAMES.bad])).code).toBe(1)
    const added = await cli(['account', 'add', NAMES.cli, '--kind', 'dockerhub', '--org', 'initech', '--username', cliHub.identifier, '--url', cliHub.url, '--token-stdin'], {
      input: `${TOKENS.cli}\n`
    })
    expect(added.code).toBe(0)
    expect((await cli(['sync', NAMES.cli])).code).toBe(0)
    expect((await cli(['account', 'set-token', NAMES.cli, '--token-stdin'], { input: `${TOKENS.cli}\n` })).code).toBe(0)
    expect((await cli(['events', '--include-pull', '--format', 'ndjson'])).code).toBe(0)
    expect((await cli(['events', '--include-pull'])).code).toBe(0)
    for (const format of ['csv', 'ndjson']) {
      const out = path.join(dir, `cli-export.${format}`)
      expect((await cli(['export', '--out', out, '--format', format, '--include-pull'])).code).toBe(0)
      writtenFiles.push(out)
    }
  }, 300_000)

  it('leaves no token in any file, output, page, storage, URL or history', async () => {
    const secrets = allSecrets()
    // The simulators saw every kind of credential: the sweep searches for real values.
    expect([...secrets.values()].filter((label) => label.startsWith('credential sent')).length).toBeGreaterThan(6)
    const leaks: string[] = []
    const searched: string[] = []

    // The browser: the DOM of every frame, storage, cookies, the URL and every history entry.
    const dom = await page.content()
    const storage = (await page.evaluate(`JSON.stringify({ local: Object.entries(localStorage), session: Object.entries(sessionStorage) })`)) as string
    const cdp = await context.newCDPSession(page)
    const history = (await cdp.send('Page.getNavigationHistory')) as { entries: Array<{ url: string; title: string }> }
    const browserPlaces: Array<[string, string]> = [
      ['the DOM', dom],
      ['localStorage and sessionStorage', storage],
      ['cookies', JSON.stringify(await context.cookies())],
      ['the page URL', page.url()],
      ['the navigation history', JSON.stringify(history.entries)]
    ]
    for (const [place, text] of browserPlaces) {
      leaks.push(...leaksIn(place, Buffer.from(text, 'utf8'), secrets))
      searched.push(place)
    }

    // The server's output (stop it first, so everything it will ever print is in), every CLI run, every API answer.
    await serve.stop()
    outputs.push({ where: 'registry-audit serve output', text: serve.output() })
    for (const output of outputs) leaks.push(...leaksIn(output.where, Buffer.from(output.text, 'utf8'), secrets))
    searched.push(`${outputs.length} outputs`)

    // Every file in the data folder (the archive and its -wal and -shm included) and every export.
    const files = [...filesUnder(dataDir), ...writtenFiles]
    expect(files.map((file) => path.basename(file))).toEqual(expect.arrayContaining(['archive.sqlite', 'export.csv', 'export.ndjson', 'cli-export.csv']))
    for (const file of files) {
      if (!fs.existsSync(file)) continue
      leaks.push(...leaksIn(file, fs.readFileSync(file), secrets))
    }
    searched.push(`${files.length} files`)

    console.info(`secrets sweep: ${secrets.size} secrets × ${spellings('x').length} spellings searched in ${searched.join(', ')}`)
    expect(leaks).toEqual([])
  }, 120_000)
})

describe('removing an account', () => {
  it('removes its token from the OS keychain, through the API and through the CLI', async (ctx) => {
    if (!keychain) {
      if (process.env.REQUIRE_KEYCHAIN === '1') throw new Error(`REQUIRE_KEYCHAIN=1 but ${KEYCHAIN_SKIP}`)
      return ctx.skip(KEYCHAIN_SKIP)
    }
    const store = new TokenStore({ env: {} })
    expect(store.status(NAMES.quay)).toBe('keychain')
    expect(store.status(NAMES.cli)).toBe('keychain')
    // The server was stopped by the sweep: a new one over the same data folder.
    const again = await startServe({ dataDir })
    try {
      await again.apiValue('removeAccount', { name: NAMES.quay })
    } finally {
      await again.stop()
    }
    expect(store.status(NAMES.quay)).toBe('missing')
    expect((await cli(['account', 'remove', NAMES.cli])).code).toBe(0)
    expect(store.status(NAMES.cli)).toBe('missing')
    expect(store.get(NAMES.cli)).toBeUndefined()
  }, 120_000)
})

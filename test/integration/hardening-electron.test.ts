import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contract, METHOD_NAMES } from '../../src/shared/contract'
import { ELECTRON_NATIVE_DIR } from '../../src/main/electron-native'
import { ensureRendererBuilt } from '../e2e/support/renderer-build'

/**
 * The Electron rules (DESIGN §6, issue 6 §7) checked on the BUILT main process, not its sources:
 * out/main/index.js runs under plain Node with a stand-in `electron` module (the binary is not
 * installed here; fixtures/hardening-electron-stand-in.ts keeps Electron's shapes and drives
 * every rule the way Electron would), over the real core worker it starts (out/main/core-worker.js
 * with a real archive). What it checks: the sandbox is enabled before the app is ready and the
 * window has contextIsolation, sandbox, no nodeIntegration, no webview tag; every navigation, frame
 * navigation, webview and new window is refused (https links go to the system browser only);
 * every permission request and check is denied; every contract channel has a handler, and a call
 * from another web contents, another page, a subframe or no frame is refused while our page's
 * calls reach the core and bad input is refused in main. The page's CSP is checked on the built
 * index.html. (test/unit/window-hardening.test.ts covers the same rules on the sources.)
 *
 * The build checked is `out/` (CI runs `npm run build` first; built here if missing, as for the
 * e2e tests), or the one holding REGISTRY_AUDIT_RENDERER_DIR when that points elsewhere.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const outDir = process.env.REGISTRY_AUDIT_RENDERER_DIR ? path.dirname(path.resolve(process.env.REGISTRY_AUDIT_RENDERER_DIR)) : path.join(root, 'out')
const REGISTER = fileURLToPath(new URL('./fixtures/hardening-electron-register.mjs', import.meta.url))

interface IpcResult {
  ok: boolean
  value?: Record<string, unknown>
  error?: { code: string; message: string }
}

interface NavigationResults {
  navigate: boolean[]
  frame: boolean[]
  webview: boolean[]
  windowOpen: string[]
}

interface Report {
  log: string[]
  failed?: string
  exited?: number
  webPreferences: Record<string, unknown>
  loaded: string
  preloadExists: boolean
  loadedExists: boolean
  navigation: Record<'window' | 'later', NavigationResults>
  openedExternally: string[]
  permissions: { handlersSet: string[]; requests: string[]; check: unknown; device: unknown }
  channels: string[]
  menuRoles: string[] | null
  ipc: Record<'otherContents' | 'foreignPage' | 'otherFile' | 'subframe' | 'noFrame' | 'badInput' | 'trusted' | 'trustedList', IpcResult>
}

let appPath: string
let dataDir: string
let report: Report
let exitCode: number | null
let output = ''

/** The build to check: out/ is built once if missing (shared with the e2e tests, under their lock). */
async function ensureBuilt(): Promise<void> {
  if (outDir === path.join(root, 'out')) await ensureRendererBuilt()
  for (const file of [path.join(outDir, 'main', 'index.js'), path.join(outDir, 'renderer', 'index.html')]) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run "npm run build" first`)
  }
}

beforeAll(async () => {
  await ensureBuilt()
  // A build outside the repository is read as the repository reads it: ES modules (package.json's
  // "type"), finding the app's dependencies (better-sqlite3 for the worker) in its node_modules.
  if (path.relative(root, outDir).startsWith('..')) {
    if (!fs.existsSync(path.join(outDir, 'node_modules'))) fs.symlinkSync(path.join(root, 'node_modules'), path.join(outDir, 'node_modules'), 'dir')
    if (!fs.existsSync(path.join(outDir, 'package.json'))) fs.writeFileSync(path.join(outDir, 'package.json'), '{ "type": "module" }\n')
  }
  appPath = fs.mkdtempSync(path.join(os.tmpdir(), 'hardening-electron-app-'))
  dataDir = path.join(appPath, 'data')
  // The Electron build of better-sqlite3 is where the app looks for it; Node's build stands in, as Node runs main here.
  const binding = createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node')
  fs.mkdirSync(path.join(appPath, ELECTRON_NATIVE_DIR))
  fs.copyFileSync(binding, path.join(appPath, ELECTRON_NATIVE_DIR, 'better_sqlite3.node'))

  const child = spawn(process.execPath, ['--import', 'tsx', '--import', REGISTER, path.join(outDir, 'main', 'index.js')], {
    cwd: root,
    env: { ...process.env, STAND_IN_APP_PATH: appPath, REGISTRY_AUDIT_DATA_DIR: dataDir, ELECTRON_RENDERER_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  exitCode = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
  })
  const line = /^HARDENING-REPORT (.*)$/m.exec(output)?.[1]
  if (line === undefined) throw new Error(`the built main printed no report (exit ${exitCode}):\n${output}`)
  report = JSON.parse(line) as Report
  if (report.failed !== undefined || report.exited !== undefined) throw new Error(`the built main did not start its window:\n${output}`)
}, 240_000)

afterAll(() => {
  if (appPath !== undefined) fs.rmSync(appPath, { recursive: true, force: true })
})

describe('the built main process', () => {
  it('enables the sandbox before the app is ready and opens one locked-down window on its own files', () => {
    expect(report.log).toContain('app.enableSandbox before ready')
    expect(report.log).not.toContain('app.enableSandbox after ready')
    expect(report.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false })
    expect(report.webPreferences).not.toHaveProperty('nodeIntegrationInSubFrames', true)
    expect(report.webPreferences).not.toHaveProperty('nodeIntegrationInWorker', true)
    expect(report.webPreferences).not.toHaveProperty('allowRunningInsecureContent', true)
    expect(String(report.webPreferences['preload'])).toMatch(/preload[\\/]index\.cjs$/)
    expect(report.preloadExists).toBe(true)
    expect(report.loaded).toMatch(/^file:.*\/renderer\/index\.html$/)
    expect(report.loadedExists).toBe(true)
  })

  it('sets its own menu before the window, without Reload or the developer tools in a packaged app', () => {
    expect(report.log).toContain('Menu.setApplicationMenu before the window')
    expect(report.menuRoles).toEqual(expect.arrayContaining(['fileMenu', 'editMenu', 'windowMenu']))
    expect(report.menuRoles).not.toContain('reload')
    expect(report.menuRoles).not.toContain('forceReload')
    expect(report.menuRoles).not.toContain('toggleDevTools')
  })

  it('refuses every navigation, frame navigation, webview and new window, in every web contents', () => {
    for (const name of ['window', 'later'] as const) {
      const results = report.navigation[name]
      expect(results.navigate, name).toEqual([true, true, true, true, true])
      expect(results.frame, name).toEqual([true, true, true, true, true])
      expect(results.webview, name).toEqual([true])
      expect(results.windowOpen, name).toEqual(['deny', 'deny', 'deny', 'deny', 'deny'])
    }
    // Only the https link, once per refused attempt (navigate and window.open, in both contents), leaves for the system browser.
    expect(new Set(report.openedExternally)).toEqual(new Set(['https://evil.example/']))
  })

  it('denies every permission request and check', () => {
    expect(report.permissions.handlersSet).toEqual(['request', 'check', 'device'])
    expect(report.permissions.requests.length).toBeGreaterThan(5)
    for (const answer of report.permissions.requests) expect(answer).toMatch(/:false$/)
    expect(report.permissions.check).toBe(false)
    expect(report.permissions.device).toBe(false)
  })

  it('handles exactly the contract’s channels, refusing every caller but its own page', () => {
    expect(report.channels).toEqual(METHOD_NAMES.map((method) => contract[method].channel).sort())
    for (const name of ['otherContents', 'foreignPage', 'otherFile', 'subframe', 'noFrame'] as const) {
      expect(report.ipc[name], name).toMatchObject({ ok: false, error: { code: 'PERMISSION' } })
    }
    expect(report.ipc.badInput).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    // Our page's calls go through to the real core worker and its archive.
    expect(report.ipc.trusted).toMatchObject({ ok: true, value: { transport: 'electron', version: '0.0.0-stand-in' } })
    expect(report.ipc.trustedList).toEqual({ ok: true, value: [] })
    expect(fs.existsSync(path.join(dataDir, 'archive.sqlite'))).toBe(true)
  })

  it('shuts the core down and exits cleanly when the app quits', () => {
    expect(exitCode).toBe(0)
    expect(output).not.toMatch(/Error|could not/)
  })
})

describe('the built page', () => {
  it('has a strict CSP and no inline script', () => {
    const html = fs.readFileSync(path.join(outDir, 'renderer', 'index.html'), 'utf8')
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? ''
    const directives = new Map(csp.split(';').map((part) => part.trim().split(/\s+/)).map(([name = '', ...values]) => [name, values.join(' ')] as const))
    expect(directives.get('default-src')).toBe("'none'")
    expect(directives.get('script-src')).toBe("'self'")
    expect(directives.get('object-src')).toBe("'none'")
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/)
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
  })
})

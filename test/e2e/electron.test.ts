import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { _electron as electron, type ElectronApplication } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { startDockerHubSim, type DockerHubSim } from '../sim/dockerhub'
import { AppPage } from './page-models/app-page'
import { REPO_ROOT } from './support/renderer-build'

/**
 * The smoke flow in the Electron build itself, where an Electron binary is installed. The
 * binary's path is read the way the electron package records it, without requiring the package
 * (which would try to download a missing binary).
 */
function installedElectron(): string | null {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH
  const pathFile = path.join(REPO_ROOT, 'node_modules', 'electron', 'path.txt')
  if (!fs.existsSync(pathFile)) return null
  const relative = fs.readFileSync(pathFile, 'utf8').trim()
  const binary = override !== undefined ? path.join(override, relative) : path.join(REPO_ROOT, 'node_modules', 'electron', 'dist', relative)
  return fs.existsSync(binary) ? binary : null
}

let app: ElectronApplication | undefined
let sim: DockerHubSim | undefined
let dataDir: string | undefined

afterEach(async () => {
  await app?.close()
  await sim?.close()
  if (dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('the Electron build', () => {
  it('adds an account, syncs it and opens an event, in the desktop window', async (ctx) => {
    const binary = installedElectron()
    if (binary === null) ctx.skip('no Electron binary installed')
    if (process.platform === 'linux' && process.env.DISPLAY === undefined && process.env.WAYLAND_DISPLAY === undefined) {
      ctx.skip('no display for Electron (run under xvfb-run)')
    }
    if (!fs.existsSync(path.join(REPO_ROOT, 'out', 'main', 'index.js'))) ctx.skip('the app is not built (npm run build)')

    // The app opens the archive with better-sqlite3 built for Electron; this builds it once.
    const prepared = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'prepare-electron-native.mjs')], {
      cwd: REPO_ROOT,
      encoding: 'utf8'
    })
    expect(prepared.status, prepared.stderr).toBe(0)

    dataDir = mkdtempSync(path.join(tmpdir(), 'e2e-electron-'))
    sim = await startDockerHubSim({ org: 'acme', identifier: 'acme-admin', secret: 'dckr_pat_ELECTRON', events: 250, seed: 21 })
    app = await electron.launch({
      executablePath: binary!,
      args: [REPO_ROOT],
      env: { ...process.env, REGISTRY_AUDIT_DATA_DIR: dataDir } as Record<string, string>
    })
    const window = await app.firstWindow()
    const page = new AppPage(window)
    await page.waitReady(60_000)
    await page.emptyState().waitFor()

    await window.getByTestId('empty-add-account').click()
    await page.accountDialog.fill({ name: 'e2e-electron-hub', org: 'acme', username: sim.identifier, url: sim.url, token: sim.secret })
    await page.accountDialog.save()
    await page.syncPanel.open()
    await page.syncPanel.waitIdle('e2e-electron-hub')
    await page.grid.waitReady()
    await expect.poll(() => page.grid.rows.count(), { timeout: 15_000 }).toBeGreaterThan(5)

    await page.grid.row(0).locator('[data-column="label"]').click()
    await page.drawer.waitReady()
    expect(await page.drawer.rawJson().textContent()).toContain('"action"')
  })
})

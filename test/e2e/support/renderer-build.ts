import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
export const RENDERER_DIR = path.join(REPO_ROOT, 'out', 'renderer')

const LOCK_DIR = path.join(REPO_ROOT, 'out', '.e2e-build-lock')
const LOCK_WAIT_MS = 5 * 60_000

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** What `electron-vite build` builds from: the renderer, and the main and preload bundles the Electron checks run. */
const BUILD_SOURCES = ['renderer', 'shared', 'main', 'preload'].map((dir) => path.join(REPO_ROOT, 'src', dir))
/** Built together by one `electron-vite build`: the older of them dates the build. */
const BUILD_OUTPUTS = [path.join(RENDERER_DIR, 'index.html'), path.join(REPO_ROOT, 'out', 'main', 'index.js')]

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs)
  }
  return newest
}

/** Missing, or older than a source it is built from: a test would otherwise check yesterday's build. */
function needsBuild(): boolean {
  if (BUILD_OUTPUTS.some((file) => !fs.existsSync(file))) return true
  const built = Math.min(...BUILD_OUTPUTS.map((file) => fs.statSync(file).mtimeMs))
  return BUILD_SOURCES.some((dir) => newestMtime(dir) > built)
}

/**
 * Makes sure `out/renderer` exists and is newer than its sources. CI runs `npm run build` right
 * before the tests; a developer who has not, or who changed the renderer since, gets one build,
 * shared by every e2e file: the first to take the lock (an atomic mkdir) builds, the others wait.
 */
export async function ensureRendererBuilt(): Promise<string> {
  const deadline = Date.now() + LOCK_WAIT_MS
  while (needsBuild()) {
    fs.mkdirSync(path.dirname(LOCK_DIR), { recursive: true })
    let owner = false
    try {
      fs.mkdirSync(LOCK_DIR)
      owner = true
    } catch {
      // Another file is building.
    }
    if (owner) {
      try {
        if (needsBuild()) {
          const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
            cwd: REPO_ROOT,
            stdio: 'pipe',
            encoding: 'utf8'
          })
          if (result.status !== 0) {
            throw new Error(`electron-vite build failed:\n${result.stdout}\n${result.stderr}`)
          }
        }
      } finally {
        fs.rmSync(LOCK_DIR, { recursive: true, force: true })
      }
      // Built once: a source dated in the future must not make every test build again.
      return RENDERER_DIR
    }
    // Another file builds: wait for it to finish, then use what it built.
    while (fs.existsSync(LOCK_DIR)) {
      if (Date.now() > deadline) throw new Error(`waited too long for another process to build ${RENDERER_DIR}`)
      await sleep(500)
    }
    if (fs.existsSync(path.join(RENDERER_DIR, 'index.html'))) return RENDERER_DIR
  }
  return RENDERER_DIR
}

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

/** What the renderer bundle is built from. */
const RENDERER_SOURCES = [path.join(REPO_ROOT, 'src', 'renderer'), path.join(REPO_ROOT, 'src', 'shared')]

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs)
  }
  return newest
}

/** Missing, or older than a source it is built from: a test would otherwise drive yesterday's UI. */
function needsBuild(index: string): boolean {
  if (!fs.existsSync(index)) return true
  const built = fs.statSync(index).mtimeMs
  return RENDERER_SOURCES.some((dir) => newestMtime(dir) > built)
}

/**
 * Makes sure `out/renderer` exists and is newer than its sources. CI runs `npm run build` right
 * before the tests; a developer who has not, or who changed the renderer since, gets one build,
 * shared by every e2e file: the first to take the lock (an atomic mkdir) builds, the others wait.
 */
export async function ensureRendererBuilt(): Promise<string> {
  const index = path.join(RENDERER_DIR, 'index.html')
  const deadline = Date.now() + LOCK_WAIT_MS
  while (needsBuild(index)) {
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
        if (needsBuild(index)) {
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
    } else {
      if (Date.now() > deadline) throw new Error(`waited too long for another process to build ${RENDERER_DIR}`)
      await sleep(500)
    }
  }
  return RENDERER_DIR
}

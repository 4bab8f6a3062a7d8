import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RENDERER_DIR_ENV } from '../../src/main/cli/serve-command'
import { REPO_ROOT } from './fixtures/tsx-process'

/**
 * `registry-audit serve` as a user runs it: the real CLI in a child process, on port 0, over a
 * temporary data folder and a stand-in renderer folder.
 */

const BIN = path.join(REPO_ROOT, 'bin', 'registry-audit.js')
let dataDir: string
let rendererDir: string

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('REGISTRY_AUDIT_')))
  return { ...clean, ...extra }
}

interface Served {
  child: ChildProcess
  url: URL
  token: string
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

function serve(args: string[], extraEnv: NodeJS.ProcessEnv): Promise<Served> {
  const child = spawn(process.execPath, [BIN, '--data-dir', dataDir, 'serve', ...args], {
    cwd: REPO_ROOT,
    env: env(extraEnv),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed; stderr: ${stderr}`)), 60_000)
    const look = (): void => {
      const match = /Open (http:\/\/\S+)/.exec(stdout)
      if (match === null) return
      clearTimeout(timer)
      const url = new URL(match[1]!)
      resolve({
        child,
        url,
        token: new URLSearchParams(url.hash.slice(1)).get('token') ?? '',
        stdout: () => stdout,
        stderr: () => stderr,
        exited
      })
    }
    child.stdout.on('data', look)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited (${code}) before printing a URL: ${stderr}`))
    })
  })
}

function get(url: URL, pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: pathname, method: headers['content-type'] ? 'POST' : 'GET', headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end(headers['content-type'] ? '{}' : undefined)
  })
}

beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'registry-audit-serve-'))
  rendererDir = mkdtempSync(path.join(os.tmpdir(), 'registry-audit-serve-renderer-'))
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Registry Audit Viewer</title>')
})

afterAll(() => {
  for (const dir of [dataDir, rendererDir]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

describe('registry-audit serve', () => {
  it('prints the URL with its token, serves the page and the API behind it, and stops on Ctrl-C', async () => {
    const served = await serve(['--port', '0', '--no-open', '--no-auto-sync'], { [RENDERER_DIR_ENV]: rendererDir })
    try {
      expect(served.url.hostname).toBe('127.0.0.1')
      expect(served.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(served.stdout()).toContain(dataDir)
      expect((await get(served.url, '/')).status).toBe(200)
      expect((await get(served.url, '/api/accounts:list', { 'content-type': 'application/json' })).status).toBe(401)
      const listed = await get(served.url, '/api/accounts:list', {
        'content-type': 'application/json',
        authorization: `Bearer ${served.token}`
      })
      expect(listed).toEqual({ status: 200, body: JSON.stringify({ ok: true, value: [] }) })
      const info = await get(served.url, '/api/app:info', { 'content-type': 'application/json', authorization: `Bearer ${served.token}` })
      expect(JSON.parse(info.body)).toMatchObject({ ok: true, value: { transport: 'browser', demo: false } })
    } finally {
      served.child.kill('SIGINT')
    }
    expect(await served.exited).toBe(0)
  })

  it('says to run the build when the renderer is missing', async () => {
    const missing = path.join(rendererDir, 'nowhere')
    const child = spawn(process.execPath, [BIN, '--data-dir', dataDir, 'serve', '--no-open'], {
      cwd: REPO_ROOT,
      env: env({ [RENDERER_DIR_ENV]: missing }),
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code).toBe(1)
    expect(stderr).toContain('npm run build')
  })

  it('refuses a port that is not a port number as a usage error', async () => {
    const child = spawn(process.execPath, [BIN, '--data-dir', dataDir, 'serve', '--port', '99999', '--no-open'], {
      cwd: REPO_ROOT,
      env: env({ [RENDERER_DIR_ENV]: rendererDir }),
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    expect(await new Promise<number | null>((resolve) => child.on('close', resolve))).toBe(2)
    expect(stderr).toContain('--port')
  })
})

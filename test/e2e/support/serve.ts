import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { contract, type ContractInput, type ContractResult, type MethodName } from '../../../src/shared/contract'
import type { Result } from '../../../src/shared/errors'
import { REPO_ROOT } from './renderer-build'

/** A running `registry-audit serve` and what a test needs from it. */
export interface ServeProcess {
  /** The address it printed, with `#token=…`. */
  url: string
  origin: string
  token: string
  /** Everything it wrote, for a failing test's message. */
  output(): string
  /** Calls a contract method over HTTP, as the browser shim does. */
  api<M extends MethodName>(method: M, input?: ContractInput<M>): Promise<Result<ContractResult<M>>>
  /** Like `api`, but throws on `{ ok: false }`. */
  apiValue<M extends MethodName>(method: M, input?: ContractInput<M>): Promise<ContractResult<M>>
  stop(): Promise<void>
}

const URL_PATTERN = /(http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]+)/
const START_TIMEOUT_MS = 60_000

export interface ServeOptions {
  dataDir: string
  /** Extra environment (REGISTRY_AUDIT_TOKEN_<ACCOUNT>, …). */
  env?: NodeJS.ProcessEnv
  /** Schedules off by default: a test decides when to sync. */
  autoSync?: boolean
}

/** Starts `registry-audit serve --port 0 --no-open` as a child process and waits for its URL. */
export async function startServe(options: ServeOptions): Promise<ServeProcess> {
  const args = [path.join(REPO_ROOT, 'bin', 'registry-audit.js'), 'serve', '--port', '0', '--no-open', '--data-dir', options.dataDir]
  if (options.autoSync !== true) args.push('--no-auto-sync')
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env, REGISTRY_AUDIT_DATA_DIR: options.dataDir },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`registry-audit serve printed no URL within ${START_TIMEOUT_MS} ms:\n${output}`))
    }, START_TIMEOUT_MS)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8')
      const match = URL_PATTERN.exec(output)
      if (match?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`registry-audit serve exited (${code ?? signal}) before printing its URL:\n${output}`))
    })
  })
  const parsed = new URL(url)
  const token = new URLSearchParams(parsed.hash.slice(1)).get('token') ?? ''
  const origin = parsed.origin

  const api = async <M extends MethodName>(method: M, input?: ContractInput<M>): Promise<Result<ContractResult<M>>> => {
    const response = await fetch(`${origin}/api/${contract[method].channel}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(input ?? {})
    })
    return (await response.json()) as Result<ContractResult<M>>
  }

  return {
    url,
    origin,
    token,
    output: () => output,
    api,
    apiValue: async (method, input) => {
      const result = await api(method, input)
      if (!result.ok) throw new Error(`${method} failed: ${result.error.code} ${result.error.message}`)
      return result.value
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }
  }
}

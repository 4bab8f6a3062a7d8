import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * A real notary-server for tests, through the shared stack scripts. They live beside the repository
 * (`../shared/tools/notary-stack/` from the repo root), here and in CI alike.
 */

const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))
export const NOTARY_STACK_TOOLS = resolve(REPO_ROOT, '../shared/tools/notary-stack')

export interface NotaryStack {
  /** `https://127.0.0.1:PORT` */
  url: string
  /** Path of the stack's CA certificate (PEM). */
  caFile: string
  ca: string
  dir: string
  tokenAuth: boolean
  /** populate.sh: `GUN[:N]` publishes N versions (plus init), `-GUN` deletes. */
  populate(...specs: string[]): Promise<void>
  /** The whole changefeed as the server gives it, for comparisons (a plain request, not the connector). */
  feed(path?: string): Promise<Array<Record<string, unknown>>>
  /** Stops the server (stop.sh, by its recorded pid) and removes the folder. */
  stop(): Promise<void>
}

function run(script: string, args: string[]): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile('bash', [join(NOTARY_STACK_TOOLS, script), ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${script} failed: ${stderr || error.message}`))
      else resolveRun(stdout)
    })
  })
}

export async function startNotaryStack(options: { tokenAuth?: boolean } = {}): Promise<NotaryStack> {
  const dir = await mkdtemp(join(os.tmpdir(), 'notary-stack-'))
  let output: string
  try {
    output = await run('start.sh', [dir, ...(options.tokenAuth ? ['--token-auth'] : [])])
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  const values = Object.fromEntries(
    output
      .trim()
      .split(/\s+/)
      .map((pair) => pair.split('=') as [string, string])
  )
  const url = values['NOTARY_URL']
  const caFile = values['NOTARY_CA']
  if (!url || !caFile) throw new Error(`start.sh printed no NOTARY_URL/NOTARY_CA: ${output}`)
  const ca = readFileSync(caFile, 'utf8')
  const stack: NotaryStack = {
    url,
    caFile,
    ca,
    dir,
    tokenAuth: options.tokenAuth === true,
    populate: async (...specs) => {
      await run('populate.sh', [dir, ...specs])
    },
    feed: async (path = '/v2/_trust/changefeed') => {
      const { default: https } = await import('node:https')
      const body = await new Promise<string>((resolveGet, reject) => {
        https
          .get(new URL(`${path}?change_id=0&records=100000`, url), { ca }, (res) => {
            let text = ''
            res.setEncoding('utf8')
            res.on('data', (chunk: string) => (text += chunk))
            res.on('end', () => resolveGet(text))
          })
          .on('error', reject)
      })
      const parsed = JSON.parse(body) as { records: Array<Record<string, unknown>> | null }
      return parsed.records ?? []
    },
    stop: async () => {
      await run('stop.sh', [dir])
      await rm(dir, { recursive: true, force: true })
    }
  }
  return stack
}

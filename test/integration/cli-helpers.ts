import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Helpers for tests that drive the real `registry-audit` as a child process. */

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = fileURLToPath(new URL('../../bin/registry-audit.js', import.meta.url))

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

export interface CliRunOptions {
  /** Written to stdin, which is then closed (stdin is always a pipe, never a terminal). */
  input?: string
  /** Added to the environment (undefined removes a variable). */
  env?: Record<string, string | undefined>
  cwd?: string
}

/**
 * The environment a child gets: this process's, without any REGISTRY_AUDIT_* setting that could
 * leak in from the developer's shell (a token, a data folder, debug output).
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('REGISTRY_AUDIT_')) env[key] = value
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  return env
}

/** Kills (SIGKILL) each child still running and waits until it has exited; empties the list. */
export async function killChildren(children: ChildProcess[]): Promise<void> {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGKILL')
      await exited
    }
  }
}

/** Runs `node bin/registry-audit.js ARGS...` to completion. */
export function runCli(args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  return runCommand(process.execPath, [BIN, ...args], options)
}

export function runCommand(command: string, args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: cleanEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.on('error', () => {
      // The CLI may exit (usage error) before reading its input; that is what some tests check.
    })
    child.stdin.end(options.input ?? '')
  })
}

/** RFC 4180: quoted fields may hold commas, quotes (doubled) and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(field)
      field = ''
    } else if (ch === '\r' && text[i + 1] === '\n') {
      // CRLF ends the record; the LF is taken next.
    } else if (ch === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
    } else field += ch
  }
  if (field !== '' || row.length > 0) {
    row.push(field)
    rows.push(row)
  }
  return rows
}

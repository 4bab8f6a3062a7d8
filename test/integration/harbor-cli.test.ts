import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import type { CliIo } from '../../src/main/cli/cli-io'
import { harborAccountRequest } from '../../src/main/cli/commands/harbor-account-args'
import { runCli } from '../../src/main/cli/run-cli'
import { UsageError } from '../../src/main/cli/usage-error'
import { envVarName } from '../../src/main/core/secrets/token-store'
import { startHarborSim, type HarborSim } from '../sim/harbor'

/**
 * The harbor parts of the command line, in-process against a real data folder and the Harbor
 * simulator: `account add --kind harbor` arguments, and add → test → sync → events for a robot
 * account, the token coming from REGISTRY_AUDIT_TOKEN_<NAME> (so no keychain is touched).
 */

const dirs: string[] = []
let sim: HarborSim | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

function io(env: NodeJS.ProcessEnv): { io: CliIo; out: () => string; err: () => string } {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const stdin = new PassThrough()
  stdin.end()
  return { io: { stdin, stdout, stderr, env, now: () => Date.now(), onInterrupt: () => () => {} }, out: () => out, err: () => err }
}

describe('account add --kind harbor arguments', () => {
  it('turns URL, user and CA file into the account', () => {
    expect(harborAccountRequest({ url: 'https://harbor.example.com', username: 'robot$auditor', 'ca-file': '/etc/ca.pem' }, 'account add')).toEqual({
      url: 'https://harbor.example.com',
      options: { username: 'robot$auditor', caFile: '/etc/ca.pem' }
    })
    expect(harborAccountRequest({ url: 'https://harbor.example.com', username: 'admin' }, 'account add')).toEqual({
      url: 'https://harbor.example.com',
      options: { username: 'admin' }
    })
  })

  it.each([
    [{ username: 'admin' }, /missing --url/],
    [{ url: 'https://harbor.example.com' }, /missing --username/]
  ])('refuses %j', (values, pattern) => {
    expect(() => harborAccountRequest(values, 'account add')).toThrow(UsageError)
    expect(() => harborAccountRequest(values, 'account add')).toThrow(pattern)
  })
})

describe('registry-audit with a harbor account, end to end in-process', () => {
  const run = async (env: NodeJS.ProcessEnv, ...argv: string[]) => {
    const session = io(env)
    const code = await runCli(argv, session.io, { version: 'test' })
    return { code, stdout: session.out(), stderr: session.err() }
  }

  it('adds a robot account, tests it, syncs both tables and lists the events', async () => {
    sim = await startHarborSim({ events: 45, legacyEvents: 12, seed: 4 })
    const robot = sim.principal('robot')
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'harbor-cli-'))
    dirs.push(dir)
    const env = { REGISTRY_AUDIT_DATA_DIR: path.join(dir, 'data'), [envVarName('harbor')]: robot.secret }

    const added = await run(env, 'account', 'add', 'harbor', '--kind', 'harbor', '--url', sim.url, '--username', robot.username)
    expect(added).toMatchObject({ code: 0, stderr: '' })
    expect(added.stdout).toContain(`added account harbor (harbor, username robot$auditor, ${sim.url})`)

    const tested = await run(env, 'account', 'test', 'harbor')
    expect(tested.code).toBe(0)
    expect(tested.stdout).toContain('as robot$auditor (robot account)')
    expect(tested.stdout).toContain('/api/v2.0/auditlog-exts: 45 events readable')
    expect(tested.stdout).not.toContain('warning')

    const synced = await run(env, 'sync', 'harbor')
    expect(synced.code).toBe(0)
    expect(synced.stdout).toMatch(/^harbor: 57 new, 0 duplicate/)

    const listed = await run(env, 'events', '--account', 'harbor', '--include-pull', '--format', 'ndjson')
    expect(listed.code).toBe(0)
    const events = listed.stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { source_event_id: string; activity: string })
    expect(events).toHaveLength(57)
    expect(events.some((event) => event.activity === 'pull')).toBe(true)
    for (const output of [added, tested, synced, listed]) expect(`${output.stdout}${output.stderr}`).not.toContain(robot.secret)
  })

  it('account test tells a project robot that Harbor shows it nothing, as a warning', async () => {
    sim = await startHarborSim({ events: 10, seed: 5 })
    const robot = sim.principal('project-robot')
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'harbor-cli-'))
    dirs.push(dir)
    const env = { REGISTRY_AUDIT_DATA_DIR: path.join(dir, 'data'), [envVarName('ci')]: robot.secret }
    expect((await run(env, 'account', 'add', 'ci', '--kind', 'harbor', '--url', sim.url, '--username', robot.username)).code).toBe(0)
    const tested = await run(env, 'account', 'test', 'ci')
    expect(tested.code).toBe(0)
    expect(tested.stdout).toContain('  warning: robot$library+ci lacks the system permission to list audit logs')
  })

  it('refuses options the harbor kind does not take', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'harbor-cli-'))
    dirs.push(dir)
    const env = { REGISTRY_AUDIT_DATA_DIR: path.join(dir, 'data'), [envVarName('h')]: 'x' }
    const missing = await run(env, 'account', 'add', 'h', '--kind', 'harbor', '--url', 'https://harbor.example.com')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('missing --username')
    const http = await run(env, 'account', 'add', 'h', '--kind', 'harbor', '--url', 'http://harbor.example.com', '--username', 'admin')
    expect(http.code).toBe(1)
  })
})

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import type { CliIo } from '../../src/main/cli/cli-io'
import { CommandContext } from '../../src/main/cli/command-context'
import { runAccountCommand } from '../../src/main/cli/commands/account-command'
import { msrAccountRequest } from '../../src/main/cli/commands/msr-account-args'
import { UsageError } from '../../src/main/cli/usage-error'
import { envVarName } from '../../src/main/core/secrets/token-store'
import { startMsrSim, type MsrSim } from '../sim/msr'

/**
 * The msr parts of the command line, in-process against a real data folder and the MSR simulator:
 * `account add --kind msr` arguments, and `account test` telling a non-admin what it will miss.
 */

const dirs: string[] = []
let sim: MsrSim | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

function context(env: Record<string, string>): { ctx: CommandContext; out: () => string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msr-cli-'))
  dirs.push(dir)
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  const stdin = new PassThrough()
  stdin.end()
  const io: CliIo = { stdin, stdout, stderr, env, now: () => Date.UTC(2026, 0, 31), onInterrupt: () => () => {} }
  return { ctx: new CommandContext(io, path.join(dir, 'data')), out: () => out }
}

describe('account add --kind msr arguments', () => {
  it('turns URL, user, CA file and --with-trust into the account', () => {
    expect(msrAccountRequest({ url: 'https://dtr.example.com', username: 'admin', 'ca-file': '/etc/ca.pem', 'with-trust': true }, 'account add')).toEqual({
      url: 'https://dtr.example.com',
      options: { username: 'admin', caFile: '/etc/ca.pem', withTrust: true }
    })
    expect(msrAccountRequest({ url: 'https://dtr.example.com', username: 'admin' }, 'account add')).toEqual({
      url: 'https://dtr.example.com',
      options: { username: 'admin' }
    })
  })

  it.each([
    [{ username: 'admin' }, /missing --url/],
    [{ url: 'https://dtr.example.com' }, /missing --username/]
  ])('refuses %j', (values, pattern) => {
    expect(() => msrAccountRequest(values, 'account add')).toThrow(UsageError)
    expect(() => msrAccountRequest(values, 'account add')).toThrow(pattern)
  })
})

describe('account test for an msr account', () => {
  it('says that a non-admin misses pull and mirror events; the settings pass the service', async () => {
    sim = await startMsrSim({ events: 12 })
    const { ctx, out } = context({ [envVarName('dtr')]: sim.nonAdmin.secret })
    const request = msrAccountRequest({ url: sim.url, username: sim.nonAdmin.username }, 'account add')
    ctx.service.addAccount({ name: 'dtr', kind: 'msr', ...request })
    expect(await runAccountCommand(ctx, ['test', 'dtr'])).toBe(0)
    expect(out()).toContain('  warning: pull and mirror events will be missing: dev is not an admin\n')
    expect(out()).not.toContain(sim.nonAdmin.secret)
  })

  it('refuses options the msr kind does not take', () => {
    const { ctx } = context({})
    expect(() => ctx.service.addAccount({ name: 'dtr', kind: 'msr', url: 'https://dtr.example.com', options: { username: '' } })).toThrow(/username/)
  })
})

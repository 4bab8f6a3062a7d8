import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, afterEach, describe, expect, it } from 'vitest'
import type { CliIo } from '../../src/main/cli/cli-io'
import { CommandContext } from '../../src/main/cli/command-context'
import { runAccountCommand } from '../../src/main/cli/commands/account-command'
import { notaryAccountRequest } from '../../src/main/cli/commands/notary-account-args'
import { runSyncCommand } from '../../src/main/cli/commands/sync-command'
import { UsageError } from '../../src/main/cli/usage-error'
import { startNotaryStack, type NotaryStack } from './notary-stack'

/**
 * The notary parts of the command line, in-process against a real data folder and a real
 * notary-server: `account add --kind notary` arguments, then `account test` and `sync` with them.
 */

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

function context(): { ctx: CommandContext; out: () => string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notary-cli-'))
  dirs.push(dir)
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  const stdin = new PassThrough()
  stdin.end()
  const io: CliIo = { stdin, stdout, stderr, env: {}, now: () => Date.UTC(2026, 0, 31), onInterrupt: () => () => {} }
  return { ctx: new CommandContext(io, path.join(dir, 'data')), out: () => out }
}

describe('account add --kind notary arguments', () => {
  it('turns auth mode, GUNs, CA file and token realm into the account', () => {
    expect(
      notaryAccountRequest(
        {
          url: 'https://notary.example.com',
          auth: 'token',
          username: 'ops',
          repositories: 'r.example/team/app, r.example/team/db',
          'ca-file': '/etc/ca.pem',
          'token-realm': 'https://auth.example.com/token'
        },
        'account add'
      )
    ).toEqual({
      url: 'https://notary.example.com',
      options: {
        authMode: 'token',
        username: 'ops',
        repositories: ['r.example/team/app', 'r.example/team/db'],
        caFile: '/etc/ca.pem',
        tokenRealm: 'https://auth.example.com/token'
      },
      needsToken: true
    })
    expect(notaryAccountRequest({ url: 'https://notary.example.com' }, 'account add')).toEqual({
      url: 'https://notary.example.com',
      options: {},
      needsToken: false
    })
    expect(notaryAccountRequest({ url: 'https://n.example', auth: 'bearer' }, 'account add')).toMatchObject({ options: { authMode: 'bearer' }, needsToken: true })
  })

  it.each([
    [{}, /missing --url/],
    [{ url: 'https://n.example', auth: 'basic' }, /unknown --auth "basic": expected none, token, bearer/],
    [{ url: 'https://n.example', auth: 'token' }, /needs --username/],
    [{ url: 'https://n.example', username: 'ops' }, /--username is used with --auth token only/],
    [{ url: 'https://n.example', 'token-realm': 'https://a.example' }, /--token-realm is used with --auth token only/],
    [{ url: 'https://n.example', repositories: ' , ' }, /lists no GUN/]
  ])('refuses %j', (values, pattern) => {
    expect(() => notaryAccountRequest(values, 'account add')).toThrow(UsageError)
    expect(() => notaryAccountRequest(values, 'account add')).toThrow(pattern)
  })

  it('lets the service refuse a bad GUN', () => {
    const { ctx } = context()
    const request = notaryAccountRequest({ url: 'https://n.example', repositories: 'r.example/team/*' }, 'account add')
    expect(() => ctx.service.addAccount({ name: 'n', kind: 'notary', ...request })).toThrow(/repositories/)
  })
})

describe('a notary account on the command line, against a real notary-server', () => {
  let stack: NotaryStack
  beforeAll(async () => {
    stack = await startNotaryStack()
    await stack.populate('registry.example/cli/app:2', 'registry.example/cli/gone', '-registry.example/cli/gone')
  }, 60_000)
  afterAll(async () => stack?.stop())

  it('account test and sync work without any token for --auth none', async () => {
    const { ctx, out } = context()
    const request = notaryAccountRequest({ url: stack.url, 'ca-file': stack.caFile }, 'account add')
    ctx.service.addAccount({ name: 'trust', kind: 'notary', url: request.url, options: request.options })
    expect(await runAccountCommand(ctx, ['test', 'trust'])).toBe(0)
    expect(out()).toMatch(/global changefeed: readable; newest change .*trust data of registry\.example\/cli\/gone deleted/)
    expect(await runSyncCommand(ctx, ['trust'])).toBe(0)
    expect(ctx.service.countEvents({ account: { any: ['trust'] } }).count).toBe((await stack.feed()).length)
  })
})

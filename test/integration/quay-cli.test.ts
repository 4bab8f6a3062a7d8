import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import type { CliIo } from '../../src/main/cli/cli-io'
import { CommandContext } from '../../src/main/cli/command-context'
import { runAccountCommand } from '../../src/main/cli/commands/account-command'
import { quayAccountRequest } from '../../src/main/cli/commands/quay-account-args'
import { COMMAND_HELP } from '../../src/main/cli/help-text'
import { UsageError } from '../../src/main/cli/usage-error'
import { envVarName } from '../../src/main/core/secrets/token-store'
import { startQuaySim, type QuaySim } from '../sim/quay'

/**
 * The quay parts of the command line, in-process against a real data folder and the Quay
 * simulator: `account add --kind quay` arguments and `account test`.
 */

const dirs: string[] = []
let sim: QuaySim | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

function context(env: Record<string, string>): { ctx: CommandContext; out: () => string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quay-cli-'))
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

describe('account add --kind quay arguments', () => {
  it('defaults the URL to quay.io and puts bare repository names in the organisation', () => {
    expect(quayAccountRequest({ org: 'acme' }, 'account add')).toEqual({ url: 'https://quay.io', options: { org: 'acme' } })
    expect(
      quayAccountRequest(
        { org: 'acme', url: 'https://quay.example.com', repositories: 'app, other/api', 'backfill-days': '90', 'ca-file': '/etc/ca.pem' },
        'account add'
      )
    ).toEqual({
      url: 'https://quay.example.com',
      options: { org: 'acme', repositories: ['acme/app', 'other/api'], backfillDays: 90, caFile: '/etc/ca.pem' }
    })
  })

  it.each([
    [{}, /missing --org ORG/],
    [{ org: '  ' }, /missing --org ORG/],
    [{ org: 'acme', repositories: 'app,,api' }, /no empty entry/],
    [{ org: 'acme', 'backfill-days': '0' }, /--backfill-days takes a whole number of days from 1 to 3650/],
    [{ org: 'acme', 'backfill-days': '7.5' }, /--backfill-days/],
    [{ org: 'acme', 'backfill-days': '9999' }, /--backfill-days/]
  ])('refuses %j', (values, pattern) => {
    expect(() => quayAccountRequest(values, 'account add')).toThrow(UsageError)
    expect(() => quayAccountRequest(values, 'account add')).toThrow(pattern)
  })

  it('is in the help', () => {
    expect(COMMAND_HELP['account add']).toContain('--kind quay --org ORG [--repositories NAME,...]')
    expect(COMMAND_HELP['account add']).toContain('--backfill-days N    quay: days of history the first sync reads (default 30)')
    expect(COMMAND_HELP.account).toContain('account add NAME --kind quay --org ORG')
  })
})

describe('account add and test for a quay account', () => {
  it('adds the account with its settings and tests it against the simulator, never printing the token', async () => {
    sim = await startQuaySim({ logs: 40, seed: 3 })
    const token = sim.admin.token
    const { ctx, out } = context({ [envVarName('acme-quay')]: token })
    const add = ['add', 'acme-quay', '--kind', 'quay', '--url', sim.url, '--org', 'acme', '--repositories', 'app', '--backfill-days', '7']
    expect(await runAccountCommand(ctx, add)).toBe(0)
    expect(out()).toContain(`added account acme-quay (quay, org acme, repositories acme/app, backfillDays 7, ${sim.url})`)
    expect(ctx.service.getAccount('acme-quay').options).toEqual({ org: 'acme', repositories: ['acme/app'], backfillDays: 7 })
    expect(await runAccountCommand(ctx, ['test', 'acme-quay'])).toBe(0)
    expect(out()).toContain(`acme-quay: ok\n  signed in to ${new URL(sim.url).host} as alice\n  repository acme/app: usage logs readable`)
    expect(out()).not.toContain(token)
  })

  it('refuses settings the quay kind does not take', () => {
    const { ctx } = context({})
    const add = (options: Record<string, unknown>) => () => ctx.service.addAccount({ name: 'q', kind: 'quay', url: 'https://quay.io', options })
    expect(add({ org: 'Acme' })).toThrow(/bad quay settings — org: a Quay organisation name is lower-case/)
    expect(add({ org: 'acme', repositories: ['app'] })).toThrow(/repositories.0: a repository is NAMESPACE\/NAME/)
    expect(add({ org: 'acme', repositories: ['acme/app', 'acme/app'] })).toThrow(/listed twice/)
    expect(add({ org: 'acme', overlapDays: 0 })).toThrow(/overlapDays/)
  })

  it('an unknown option value for --kind lists quay among the kinds', async () => {
    const { ctx } = context({})
    await expect(runAccountCommand(ctx, ['add', 'x', '--kind', 'nope'])).rejects.toThrow(/quay/)
  })
})

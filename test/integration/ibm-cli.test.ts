import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import type { CliIo } from '../../src/main/cli/cli-io'
import { CommandContext } from '../../src/main/cli/command-context'
import { ibmAccountRequest } from '../../src/main/cli/commands/ibm-account-args'
import { runImportCommand } from '../../src/main/cli/commands/import-command'
import { runCli } from '../../src/main/cli/run-cli'
import { UsageError } from '../../src/main/cli/usage-error'
import { envVarName } from '../../src/main/core/secrets/token-store'
import { startIbmSim } from '../sim/ibm'
import { generateIbmLogs } from '../sim/ibm-events'

/**
 * The ibm parts of the command line, in-process against a real data folder: `account add --kind
 * ibm` arguments and `import --account NAME FILE`.
 */

const dirs: string[] = []
afterEach(() => {
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

function context(): { ctx: CommandContext; out: () => string; err: () => string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibm-cli-'))
  dirs.push(dir)
  const run = io({})
  return { ctx: new CommandContext(run.io, path.join(dir, 'data')), out: run.out, err: run.err, dir }
}

describe('account add --kind ibm arguments', () => {
  const guid = '0d5c1e2a-1111-4222-8333-444455556666'

  it('turns region, endpoint and IAM URL into the account', () => {
    expect(ibmAccountRequest({ region: 'us.icr.io', 'logs-endpoint': 'https://x.example/', 'iam-url': 'https://iam.example' }, 'account add')).toEqual({
      url: 'https://x.example',
      options: { region: 'us.icr.io', iamUrl: 'https://iam.example' }
    })
    // An instance GUID alone: the endpoint where the region table delivers ap-south events.
    expect(ibmAccountRequest({ region: 'ap-south', 'logs-endpoint': guid }, 'account add')).toEqual({
      url: `https://${guid}.api.jp-tok.logs.cloud.ibm.com`,
      options: { region: 'ap-south' }
    })
  })

  it.each([
    [{ 'logs-endpoint': 'https://x.example' }, /missing --region/],
    [{ region: 'mars', 'logs-endpoint': 'https://x.example' }, /unknown --region "mars"/],
    [{ region: 'us-south' }, /missing --logs-endpoint/],
    [{ region: 'us-south', 'logs-endpoint': 'http://x.example' }, /must be an https:\/\/ URL/],
    [{ region: 'us-south', 'logs-endpoint': 'https://a.example', url: 'https://b.example' }, /not both/]
  ])('refuses %j', (values, pattern) => {
    expect(() => ibmAccountRequest(values, 'account add')).toThrow(UsageError)
    expect(() => ibmAccountRequest(values, 'account add')).toThrow(pattern)
  })
})

describe('import --account NAME FILE', () => {
  it('imports, reports rejects with line numbers, and imports nothing twice', async () => {
    const { ctx, out, err, dir } = context()
    try {
      ctx.service.addAccount({ name: 'icr', kind: 'ibm', url: 'https://logs.example', options: { region: 'us-south' } })
      const events = generateIbmLogs(30, 3, { endTime: Date.UTC(2025, 1, 1), foreignShare: 0 }).map((log) => log.event)
      const lines = events.map((event) => JSON.stringify(event))
      lines.splice(4, 0, 'not json')
      const file = path.join(dir, 'at-export.jsonl')
      fs.writeFileSync(file, lines.join('\n'))

      expect(await runImportCommand(ctx, ['--account', 'icr', file])).toBe(1)
      expect(out()).toBe(`icr: ${file}: 30 new, 0 duplicate, 1 rejected (31 rows, ndjson, ibm records)\n`)
      expect(err()).toBe(`  ${file}: line 5: not valid JSON\n`)

      expect(await runImportCommand(ctx, ['--account', 'icr', '--json', file])).toBe(1)
      const json = JSON.parse(out().slice(out().indexOf('['))) as Array<Record<string, unknown>>
      expect(json[0]).toMatchObject({ imported: 0, duplicates: 30, rejected: 1, rejections: [{ line: 5, reason: 'not valid JSON' }] })
      expect(ctx.service.countEvents({ includePull: true }).count).toBe(30)
    } finally {
      ctx.close()
    }
  })

  it('refuses a call without --account or FILE, and a file an account of its kind cannot read', async () => {
    const { ctx, dir } = context()
    try {
      await expect(runImportCommand(ctx, ['x.jsonl'])).rejects.toThrow(/missing --account/)
      await expect(runImportCommand(ctx, ['--account', 'icr'])).rejects.toThrow(/missing FILE/)
      ctx.service.addAccount({ name: 'hub', kind: 'dockerhub', url: 'https://hub.docker.com', options: { org: 'o', username: 'u' } })
      const file = path.join(dir, 'x.jsonl')
      fs.writeFileSync(file, 'not an export\n')
      await expect(runImportCommand(ctx, ['--account', 'hub', file])).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    } finally {
      ctx.close()
    }
  })
})

describe('registry-audit with an ibm account, end to end in-process', () => {
  it('adds the account, tests it, syncs it and imports an export into it', async () => {
    const sim = await startIbmSim({ events: 25, seed: 8, endTime: Date.now() - 3_600_000, spanMs: 12 * 3_600_000 })
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibm-cli-e2e-'))
    dirs.push(dir)
    const env = { REGISTRY_AUDIT_DATA_DIR: path.join(dir, 'data'), [envVarName('icr')]: sim.apiKey }
    const cli = async (...argv: string[]) => {
      const run = io(env)
      const code = await runCli(argv, run.io, { version: 'test' })
      return { code, stdout: run.out(), stderr: run.err() }
    }
    try {
      const added = await cli('account', 'add', 'icr', '--kind', 'ibm', '--region', 'de.icr.io', '--logs-endpoint', sim.url, '--iam-url', sim.url)
      expect(added).toMatchObject({ code: 0 })
      expect(added.stdout).toContain(`added account icr (ibm, region de.icr.io, iamUrl ${sim.url}, ${sim.url})`)

      const tested = await cli('account', 'test', 'icr')
      expect(tested.code).toBe(0)
      expect(tested.stdout).toContain('de.icr.io (eu-de, formerly eu-central): Activity Tracker delivered its events to Frankfurt (eu-de)')

      const synced = await cli('sync', 'icr')
      expect(synced.code).toBe(0)
      expect(synced.stdout).toMatch(new RegExp(`^icr: ${sim.registryEvents.length} new, 0 duplicate`))

      // An old export: five events from before the instance existed, and the synced ones again.
      const older = generateIbmLogs(5, 77, { endTime: Date.UTC(2024, 11, 1), foreignShare: 0 }).map((log) => log.event)
      const file = path.join(dir, 'export.jsonl')
      fs.writeFileSync(file, [...older, ...sim.registryEvents].map((event) => JSON.stringify(event)).join('\n'))
      const imported = await cli('import', '--account', 'icr', file)
      expect(imported).toMatchObject({ code: 0, stderr: '' })
      expect(imported.stdout).toBe(`icr: ${file}: 5 new, ${sim.registryEvents.length} duplicate (${5 + sim.registryEvents.length} rows, ndjson, ibm records)\n`)

      const help = await cli('help', 'import')
      expect(help.stdout).toContain('Usage: registry-audit import --account NAME')
      for (const output of [added, tested, synced, imported]) expect(output.stdout + output.stderr).not.toContain(sim.apiKey)
    } finally {
      await sim.close()
    }
  })
})

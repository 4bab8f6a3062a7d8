import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import type { CliIo } from '../../src/main/cli/cli-io'
import { runCli } from '../../src/main/cli/run-cli'

/**
 * The command line's own rules, run in-process: help, version and usage errors never open the
 * archive, so these need no child process (the child-process path is in test/integration/cli).
 */

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string; dataDir: string }> {
  const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-run-')), 'data')
  dirs.push(path.dirname(dataDir))
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const stdin = new PassThrough()
  stdin.end()
  const io: CliIo = {
    stdin,
    stdout,
    stderr,
    env: { REGISTRY_AUDIT_DATA_DIR: dataDir },
    now: () => Date.UTC(2026, 0, 31),
    onInterrupt: () => () => {}
  }
  const code = await runCli(argv, io, { version: '9.9.9' })
  return { code, stdout: out, stderr: err, dataDir }
}

describe('runCli', () => {
  it('prints the version and help, with exit 0', async () => {
    expect(await run(['--version'])).toMatchObject({ code: 0, stdout: 'registry-audit 9.9.9\n' })
    const help = await run(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Commands:')
    for (const argv of [['help', 'export'], ['export', '--help'], ['--help', 'export'], ['export', '-h']]) {
      const result = await run(argv)
      expect(result.code).toBe(0)
      expect(result.stdout).toContain('Usage: registry-audit export --out FILE')
    }
    expect((await run(['account', 'add', '--help'])).stdout).toContain('--token-stdin')
    expect((await run(['help', 'account', 'remove'])).stdout).toContain('--purge-events')
  })

  it('shows the help on stderr with exit 2 when no command is given', async () => {
    const result = await run([])
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain('Usage: registry-audit')
  })

  it.each([
    [['frobnicate'], 'registry-audit: unknown command "frobnicate" (see "registry-audit --help")'],
    [['--data-dir'], 'registry-audit: option --data-dir needs a value (see "registry-audit --help")'],
    [['--colour', 'events'], 'registry-audit: unknown option --colour (see "registry-audit --help")'],
    [['account'], 'registry-audit: missing subcommand: add, list, remove, test or set-token (see "registry-audit account --help")'],
    [['account', 'rename', 'x'], 'registry-audit: unknown subcommand "rename": expected add, list, remove, test or set-token (see "registry-audit account --help")'],
    // The list of supported kinds grows; the frame of the message is what is checked here.
    [['account', 'add', 'hub', '--org', 'acme'], /^registry-audit: missing --kind \(dockerhub.*\) \(see "registry-audit account add --help"\)$/],
    [['account', 'add', 'hub', '--kind', 'gitlab', '--org', 'a'], /^registry-audit: unknown --kind "gitlab": expected dockerhub.* \(see "registry-audit account add --help"\)$/],
    [['account', 'add', 'hub', '--kind', 'dockerhub', '--org', 'a'], 'registry-audit: missing --username USER (your username, or the organisation for an organisation token) (see "registry-audit account add --help")'],
    [['account', 'remove'], 'registry-audit: missing the account NAME (see "registry-audit account remove --help")'],
    [['show', 'abc'], 'registry-audit: bad EVENT_ID "abc": expected the number shown by "events" (see "registry-audit show --help")'],
    [['show', '1', '2'], 'registry-audit: unexpected argument "2" (see "registry-audit show --help")'],
    [['events', '--limit', '0'], 'registry-audit: bad --limit "0": expected a positive number or "all" (see "registry-audit events --help")'],
    [['events', '--format', 'xml'], 'registry-audit: bad --format "xml": expected table, json, ndjson or csv (see "registry-audit events --help")'],
    // The parser's own wording is its business; the CLI's frame around it is ours.
    [['events', 'since:tomorrowish'], /^registry-audit: bad query: .*"tomorrowish".* \(see "registry-audit events --help"\)$/],
    [['events', '--since', 'soon'], /^registry-audit: --since: .*"soon".* \(see "registry-audit events --help"\)$/],
    [['events', '--tz', 'Mars/Base'], /^registry-audit: --tz: .*"Mars\/Base".* \(see "registry-audit events --help"\)$/],
    [['export', 'verb:DELETE'], 'registry-audit: missing --out FILE (see "registry-audit export --help")'],
    [['export', '--out', 'x.csv', '--format', 'xlsx'], 'registry-audit: bad --format "xlsx": expected csv or ndjson (see "registry-audit export --help")'],
    [['sync', '--all'], 'registry-audit: unknown option --all for "sync" (see "registry-audit sync --help")']
  ] as Array<[string[], string | RegExp]>)('refuses %j with exit 2 and one line, touching no archive', async (argv, line) => {
    const result = await run(argv)
    expect(result.stderr.endsWith('\n')).toBe(true)
    expect(result.stderr.slice(0, -1)).not.toContain('\n')
    if (typeof line === 'string') expect(result.stderr).toBe(`${line}\n`)
    else expect(result.stderr.slice(0, -1)).toMatch(line)
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(fs.existsSync(result.dataDir)).toBe(false)
  })

  it('makes hostile text in a usage error inert', async () => {
    const result = await run(['show', '\u001b]0;x\u0007'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('\\x1b]0;x\\x07')
    // eslint-disable-next-line no-control-regex
    expect(result.stderr).not.toMatch(/[\u0007\u001b]/)
  })
})

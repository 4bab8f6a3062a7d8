import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { envVarName, TokenStore } from '../../src/main/core/secrets/token-store'
import { startDockerHubSim, type DockerHubSim, type SimRecord } from '../sim/dockerhub'
import { BIN, cleanEnv, parseCsv, REPO_ROOT, runCli, runCommand, type CliRun } from './cli-helpers'

/**
 * The CLI path a user runs (issue §8), through the real `registry-audit` child process against
 * the Docker Hub simulator: add → sync → events → show → export, and the failures around it.
 * Under ../shared/tools/with-keyring tokens go to a real Secret Service; without a keychain the
 * CLI says so and the tests give the token through REGISTRY_AUDIT_TOKEN_<NAME>, as cron would.
 */

const EVENTS = 260
const suffix = randomBytes(3).toString('hex')
const HUB = `hub-${suffix}`
const BAD = `bad-${suffix}`
const EVIL = `evil-${suffix}`
const WRONG_TOKEN = `dckr_pat_WRONG${randomBytes(8).toString('hex')}`

const tokens = new TokenStore()
const keychain = tokens.keychainAvailable()

let sim: DockerHubSim
let hostileSim: DockerHubSim
let dir: string
let dataDir: string

/** What a user would pass for a token that later runs cannot read from the keychain. */
function tokenEnv(name: string, token: string): Record<string, string> {
  return keychain ? {} : { [envVarName(name)]: token }
}

function cli(args: string[], options: Parameters<typeof runCli>[1] = {}): Promise<CliRun> {
  return runCli(['--data-dir', dataDir, ...args], options)
}

function ndjson(run: CliRun): Array<Record<string, unknown>> {
  expect(run.stderr).toBe('')
  expect(run.code).toBe(0)
  return run.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

const hostileRecords: SimRecord[] = [
  {
    account: 'evil',
    action: 'repo.tag.push',
    name: 'evil/\u001b]0;pwned\u0007app',
    actor: '=HYPERLINK("http://attacker.example","click")',
    data: { digest: `sha256:${'ab'.repeat(32)}`, tag: '+1\u202Egnp.exe' },
    timestamp: '2025-05-01T10:00:00Z',
    action_description: '@SUM(1+1)\u001b[2J\n'
  },
  {
    account: 'evil',
    action: 'repo.tag.delete',
    name: 'evil/app',
    actor: '-2+3',
    data: { digest: `sha256:${'cd'.repeat(32)}`, tag: 'latest' },
    timestamp: '2025-05-01T11:00:00Z',
    action_description: 'deleted the tag latest from the repository evil/app\n'
  }
]

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-test-'))
  dataDir = path.join(dir, 'data')
  sim = await startDockerHubSim({ events: EVENTS, seed: 42 })
  hostileSim = await startDockerHubSim({ org: 'evil', records: hostileRecords })
})

afterAll(async () => {
  for (const name of [HUB, BAD, EVIL]) {
    try {
      tokens.delete(name)
    } catch {
      // Best effort: the keychain may be gone with its session already.
    }
  }
  await sim?.close()
  await hostileSim?.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe.sequential('registry-audit CLI', () => {
  it('prints help and its version, and usage errors exit 2 with one line', async () => {
    const help = await runCli(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: registry-audit')
    expect(help.stdout).toContain('account add NAME')

    const bogus = await cli(['events', '--bogus'])
    expect(bogus.code).toBe(2)
    expect(bogus.stdout).toBe('')
    expect(bogus.stderr).toBe('registry-audit: unknown option --bogus for "events" (see "registry-audit events --help")\n')
    // Usage errors never create an archive.
    expect(fs.existsSync(dataDir)).toBe(false)
  })

  it('adds an account with the token on stdin and says where it went', async () => {
    const run = await cli(
      ['account', 'add', HUB, '--kind', 'dockerhub', '--org', sim.org, '--username', sim.identifier, '--url', sim.url, '--token-stdin'],
      { input: `${sim.secret}\n` }
    )
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(`added account ${HUB} (dockerhub`)
    if (keychain) expect(run.stdout).toContain('token: stored in the OS keychain')
    else expect(run.stdout).toMatch(/token: no keychain available.*: kept for this run only; set REGISTRY_AUDIT_TOKEN_HUB_/)
    expect(run.stdout).not.toContain(sim.secret)
    expect(tokens.status(HUB)).toBe(keychain ? 'keychain' : 'missing')
  })

  it('refuses an account add without a token source when stdin is not a terminal', async () => {
    const run = await cli(['account', 'add', BAD, '--kind', 'dockerhub', '--org', sim.org, '--username', 'x', '--url', sim.url])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^registry-audit: no token: standard input is not a terminal, so give --token-stdin/)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('syncs, and a rejected token fails that account only, in one line without the token', async () => {
    const added = await cli(
      ['account', 'add', BAD, '--kind', 'dockerhub', '--org', sim.org, '--username', sim.identifier, '--url', sim.url, '--token-stdin'],
      { input: WRONG_TOKEN }
    )
    expect(added.code).toBe(0)

    const env = { ...tokenEnv(HUB, sim.secret), ...tokenEnv(BAD, WRONG_TOKEN) }
    const run = await cli(['sync'], { env })
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(new RegExp(`^${HUB}: ${EVENTS} new, 0 duplicate, \\d+ pages, [\\d.]+ m?s$`, 'm'))
    const errorLines = run.stderr.trim().split('\n')
    expect(errorLines).toHaveLength(1)
    expect(errorLines[0]).toMatch(new RegExp(`^registry-audit: ${BAD}: authentication failed: `))
    for (const output of [run.stdout, run.stderr]) {
      expect(output).not.toContain(WRONG_TOKEN)
      expect(output).not.toContain(sim.secret)
    }

    // The good account alone: nothing new, exit 0.
    const again = await cli(['sync', HUB], { env })
    expect(again.stderr).toBe('')
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(new RegExp(`^${HUB}: 0 new, \\d+ duplicate`))
  })

  it('stops a sync cleanly on Ctrl-C, keeping what it fetched, and the next run completes it', async () => {
    const slow = await startDockerHubSim({ org: 'slow', events: 800, seed: 3, pageDelayMs: 300 })
    try {
      const name = `slow-${suffix}`
      const env = { [envVarName(name)]: slow.secret }
      const add = ['account', 'add', name, '--kind', 'dockerhub', '--org', 'slow', '--username', slow.identifier, '--url', slow.url]
      expect((await cli(add, { env })).code).toBe(0)

      const child = spawn(process.execPath, [BIN, '--data-dir', dataDir, 'sync', name], { env: cleanEnv(env) })
      let stdout = ''
      let stderr = ''
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
      // Interrupt once pages are flowing: two audit-log answers means at least one page was written.
      await expect.poll(() => slow.requests.filter((r) => r.route === 'auditlogs').length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2)
      child.kill('SIGINT')
      expect(await closed).toBe(1)
      const first = new RegExp(`^${name}: (\\d+) new, 0 duplicate, (\\d+) pages?, .* — cancelled$`, 'm').exec(stdout)
      expect(first, stdout).not.toBeNull()
      expect(Number(first![1])).toBeLessThan(800)
      expect(stderr.trim().split('\n').at(-1)).toMatch(new RegExp(`^registry-audit: ${name}: .*cancelled`))

      const again = await cli(['sync', name], { env })
      expect(again.code).toBe(0)
      const second = new RegExp(`^${name}: (\\d+) new`, 'm').exec(again.stdout)
      expect(Number(first![1]) + Number(second![1])).toBe(800)
      expect((await cli(['account', 'remove', name, '--purge-events'])).stdout).toContain('800 events deleted')
    } finally {
      await slow.close()
    }
  })

  it('lists accounts with token status and last sync, never a token', async () => {
    const run = await cli(['account', 'list', '--json'], { env: tokenEnv(HUB, sim.secret) })
    expect(run.code).toBe(0)
    const accounts = JSON.parse(run.stdout) as Array<Record<string, unknown>>
    const hub = accounts.find((a) => a.name === HUB)
    expect(hub).toMatchObject({ kind: 'dockerhub', url: sim.url, token: keychain ? 'keychain' : 'environment' })
    expect(hub?.last_sync).toMatchObject({ status: 'ok', inserted: 0 })
    expect(accounts.find((a) => a.name === BAD)?.last_sync).toMatchObject({
      status: 'failed',
      error: { code: 'AUTH_FAILED' }
    })
    expect(run.stdout).not.toContain(sim.secret)
    expect(run.stdout).not.toContain(WRONG_TOKEN)
  })

  it('lists events as a table that fits, with the rest on request', async () => {
    const run = await cli(['events', '--tz', 'UTC'])
    expect(run.code).toBe(0)
    const lines = run.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^TIME \(UTC\)\s+ACCOUNT\s+VERB\s+ACTIVITY\s+ACTOR\s+REPOSITORY/)
    expect(lines).toHaveLength(51)
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(120)
    expect(run.stderr).toBe('showing the first 50 events; more match (--limit N or --limit all shows more)\n')
    const newest = sim.events[0]!
    expect(lines[1]).toContain(newest.timestamp.replace('T', ' ').replace('Z', ''))
  })

  it('gives json, ndjson and csv with qualifiers, negation and sort', async () => {
    const json = await cli(['events', '--format', 'json', '--account', HUB])
    expect(json.code).toBe(0)
    const all = JSON.parse(json.stdout) as Array<Record<string, unknown>>
    expect(all).toHaveLength(EVENTS)
    const first = all[0]!
    expect(first.occurred_at).toBe(new Date(Date.parse(sim.events[0]!.timestamp)).toISOString())
    expect(sim.events.filter((e) => e.timestamp === sim.events[0]!.timestamp)).toContainEqual(first.raw)
    expect(Object.keys(first)).toEqual(expect.arrayContaining(['id', 'account', 'verb', 'activity', 'actor', 'repository', 'tag', 'digest', 'label', 'raw']))

    const actor = 'alice'
    const expected = all.filter((e) => e.actor === actor).length
    expect(expected).toBeGreaterThan(0)
    const only = ndjson(await cli(['events', `actor:${actor}`, '--format', 'ndjson', '--limit', 'all']))
    expect(only).toHaveLength(expected)
    expect(only.every((e) => e.actor === actor)).toBe(true)
    const others = ndjson(await cli(['events', `-actor:${actor}`, 'account:' + HUB, '--format', 'ndjson']))
    expect(others).toHaveLength(EVENTS - expected)
    expect(others.some((e) => e.actor === actor)).toBe(false)

    const deletes = ndjson(await cli(['events', 'verb:DELETE repo:acme/*', '--sort', 'repository:asc', '--format', 'ndjson']))
    const expectedDeletes = all.filter((e) => e.verb === 'DELETE' && String(e.repository).startsWith('acme/'))
    expect(expectedDeletes.length).toBeGreaterThan(0)
    expect(deletes).toHaveLength(expectedDeletes.length)
    const repos = deletes.map((e) => String(e.repository))
    expect(repos).toEqual([...repos].sort())

    const csv = await cli(['events', 'activity:push', '--since', '2025-01-01', '--limit', '5', '--format', 'csv', '--tz', 'Asia/Tokyo'])
    expect(csv.code).toBe(0)
    const rows = parseCsv(csv.stdout)
    expect(rows[0]).toContain('occurred_at (Asia/Tokyo)')
    expect(rows).toHaveLength(6)
    expect(rows[1]![1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+09:00$/)
  })

  it('shows one event with every field and its raw record', async () => {
    const [event] = ndjson(await cli(['events', '--format', 'ndjson', '--limit', '1', 'activity:push']))
    const id = String(event!.id)
    const text = await cli(['show', id, '--tz', 'UTC'])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(new RegExp(`^id\\s+${id}$`, 'm'))
    for (const field of ['occurred_at', 'verb', 'activity', 'actor', 'repository', 'tag', 'digest', 'label', 'source_event_id']) {
      expect(text.stdout).toMatch(new RegExp(`^${field}\\s+\\S`, 'm'))
    }
    expect(text.stdout).toContain(`raw:\n{\n  "account": "${sim.org}"`)
    expect(text.stdout).toContain(String((event!.raw as { data: { digest: string } }).data.digest))

    const json = await cli(['show', id, '--json'])
    expect(JSON.parse(json.stdout)).toEqual(event)

    const missing = await cli(['show', '999999'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe('registry-audit: there is no event with id 999999\n')
  })

  it('exports CSV and NDJSON, streamed to a file, with the zone named', async () => {
    const out = path.join(dir, 'report.csv')
    const run = await cli(['export', '--out', out, '--account', HUB, '--tz', 'Europe/Paris'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(`wrote ${EVENTS} events to ${out}\n`)
    const rows = parseCsv(fs.readFileSync(out, 'utf8'))
    expect(rows[0]![0]).toBe('id')
    expect(rows[0]).toContain('occurred_at (Europe/Paris)')
    expect(rows).toHaveLength(EVENTS + 1)
    // May 2025: Paris is on summer time.
    expect(rows[1]![1]).toMatch(/\+02:00$/)

    const nd = path.join(dir, 'report.ndjson')
    const run2 = await cli(['export', '--out', nd, 'verb:DELETE'])
    expect(run2.code).toBe(0)
    const lines = fs.readFileSync(nd, 'utf8').trim().split('\n')
    expect(lines.map((l) => (JSON.parse(l) as { verb: string }).verb).every((v) => v === 'DELETE')).toBe(true)
    expect(fs.readdirSync(dir).filter((f) => f.includes('.partial'))).toEqual([])
  })

  it('renders hostile values inert on the terminal and neutralised in CSV', async () => {
    const env = { [envVarName(EVIL)]: hostileSim.secret }
    // The token comes from the environment only: nothing is asked, nothing stored.
    const added = await cli(
      ['account', 'add', EVIL, '--kind', 'dockerhub', '--org', 'evil', '--username', hostileSim.identifier, '--url', hostileSim.url],
      { env }
    )
    expect(added.code).toBe(0)
    expect(added.stdout).toContain(`token: none stored; ${envVarName(EVIL)} supplies it`)
    const synced = await cli(['sync', EVIL], { env })
    expect(synced.stderr).toBe('')
    expect(synced.code).toBe(0)

    const table = await cli(['events', '--account', EVIL, '--tz', 'UTC'])
    expect(table.code).toBe(0)
    // eslint-disable-next-line no-control-regex
    expect(table.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/)
    expect(table.stdout).toContain('evil/\\x1b]')
    expect(table.stdout).toContain('+1\\u202e')

    const ids = ndjson(await cli(['events', '--account', EVIL, '--format', 'ndjson'])).map((e) => String(e.id))
    const shown = await cli(['show', ids[1]!])
    // eslint-disable-next-line no-control-regex
    expect(shown.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/)
    expect(shown.stdout).toMatch(/^repository\s+evil\/\\x1b\]0;pwned\\x07app$/m)
    expect(shown.stdout).toContain('"name": "evil/\\u001b]0;pwned\\u0007app"')

    const out = path.join(dir, 'hostile.csv')
    expect((await cli(['export', '--out', out, '--account', EVIL])).code).toBe(0)
    const rows = parseCsv(fs.readFileSync(out, 'utf8'))
    const actorColumn = rows[0]!.indexOf('actor')
    expect(rows.slice(1).map((row) => row[actorColumn]).sort()).toEqual(["'-2+3", `'=HYPERLINK("http://attacker.example","click")`])
    for (const row of rows.slice(1)) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/)
  })

  it('removes an account with its keychain entry, keeping its events unless asked', async () => {
    const run = await cli(['account', 'remove', BAD])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(keychain ? 'its token was removed from the OS keychain' : 'no token was stored')
    expect(tokens.status(BAD)).toBe('missing')
    const list = JSON.parse((await cli(['account', 'list', '--json'])).stdout) as Array<{ name: string }>
    expect(list.map((a) => a.name)).not.toContain(BAD)

    const gone = await cli(['account', 'remove', BAD])
    expect(gone.code).toBe(1)
    expect(gone.stderr).toBe(`registry-audit: ${BAD}: there is no account named ${BAD}\n`)
  })

  it('runs as `npx registry-audit` from the package, with the data folder from the environment', async () => {
    const run = await runCommand('npx', ['--offline', '--no-install', 'registry-audit', 'account', 'list'], {
      cwd: REPO_ROOT,
      env: { REGISTRY_AUDIT_DATA_DIR: dataDir, npm_config_update_notifier: 'false' }
    })
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(new RegExp(`^${HUB}\\s+dockerhub`, 'm'))
  })
})

describe.sequential('registry-audit on a terminal', () => {
  const script = ['/usr/bin/script', '/bin/script'].find((file) => fs.existsSync(file))

  it.skipIf(script === undefined)('prompts without echo, shows sync progress and fits the table to the width', async () => {
    const name = `tty-${suffix}`
    const secret = sim.secret
    const q = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`
    const node = (args: string[]) => [process.execPath, path.join(REPO_ROOT, 'bin/registry-audit.js'), '--data-dir', dataDir, ...args].map(q).join(' ')
    const commands = [
      'stty cols 72 rows 40',
      node(['account', 'add', name, '--kind', 'dockerhub', '--org', sim.org, '--username', sim.identifier, '--url', sim.url]),
      node(['sync', name]),
      node(['events', '--account', name, '--limit', '8', '--tz', 'UTC'])
    ].join(' && ')

    const child = spawn(script!, ['-qec', commands, '/dev/null'], {
      env: cleanEnv(keychain ? {} : { [envVarName(name)]: secret }),
      stdio: ['pipe', 'pipe', 'pipe']
    })
    let output = ''
    let typed = false
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
      // Type only once the prompt is up, so raw mode (no echo) is already on.
      if (!typed && output.includes('(not shown): ')) {
        typed = true
        child.stdin.write(`${secret}\r`)
      }
    })
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    child.stdin.end()
    expect(code, output).toBe(0)
    expect(output).not.toContain(secret)
    expect(output).toContain(keychain ? 'token: stored in the OS keychain' : 'token: no keychain available')
    expect(output).toContain('\r\u001b[2K')
    expect(output).toMatch(new RegExp(`${name}: ${EVENTS} new, 0 duplicate`))
    const lines = output.split(/\r?\n/)
    const header = lines.findIndex((line) => line.startsWith('TIME (UTC)'))
    expect(header).toBeGreaterThan(-1)
    const table = lines.slice(header, header + 9)
    for (const line of table) expect(line.length).toBeLessThanOrEqual(72)
    expect(table[8]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/)
    tokens.delete(name)
  })
})

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import type { CliIo } from '../../src/main/cli/cli-io'
import { CommandContext } from '../../src/main/cli/command-context'
import { runImportCommand } from '../../src/main/cli/commands/import-command'
import { UsageError } from '../../src/main/cli/usage-error'
import { Archive } from '../../src/main/core/db/archive'
import { archivePath } from '../../src/main/core/paths'
import { generateDockerHubEvents } from '../sim/dockerhub-events'
import { runCli } from './cli-helpers'

/**
 * `registry-audit import --account NAME [--format …] [--json] FILE...`: in-process for the output
 * and usage errors, and once as the real program in a child process.
 */

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-cli-'))
  dirs.push(dir)
  return dir
}

function context(): { ctx: CommandContext; out: () => string; err: () => string; dir: string } {
  const dir = tempDir()
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const stdin = new PassThrough()
  stdin.end()
  const io: CliIo = { stdin, stdout, stderr, env: {}, now: () => Date.now(), onInterrupt: () => () => {} }
  const ctx = new CommandContext(io, path.join(dir, 'data'))
  ctx.service.addAccount({ name: 'hub', kind: 'dockerhub', url: 'https://hub.docker.com', options: { org: 'acme', username: 'bob' } })
  return { ctx, out: () => out, err: () => err, dir }
}

const hubLines = (count: number, seed: number): string[] =>
  generateDockerHubEvents(count, seed, { org: 'acme' }).map((record) => JSON.stringify(record))

describe('import command', () => {
  it('prints one summary line per file, and the rejects and warnings on stderr', async () => {
    const { ctx, out, err, dir } = context()
    try {
      const lines = hubLines(12, 31)
      const jsonl = path.join(dir, 'hub.jsonl')
      fs.writeFileSync(jsonl, [...lines.slice(0, 6), '{"timestamp":"soon","action":"repo.create"}', ...lines.slice(6)].join('\n'))
      const array = path.join(dir, 'hub.json')
      fs.writeFileSync(array, `[${lines.slice(0, 3).join(',\n')},\n`)
      expect(await runImportCommand(ctx, ['--account', 'hub', jsonl, array])).toBe(1)
      expect(out()).toBe(
        `hub: ${jsonl}: 12 new, 0 duplicate, 1 rejected (13 rows, ndjson, dockerhub records)\n` +
          `hub: ${array}: 0 new, 3 duplicate (3 rows, json, dockerhub records)\n`
      )
      expect(err()).toBe(
        `  ${jsonl}: line 7: field "timestamp" is not an RFC 3339 date-time ("soon")\n` +
          `  ${array}: the file ends before the JSON document closes (cut short?); every complete row in it was read\n`
      )
    } finally {
      ctx.close()
    }
  })

  it('prints the reports as JSON, and exits 0 when every row was read', async () => {
    const { ctx, out, dir } = context()
    try {
      const file = path.join(dir, 'hub.txt')
      fs.writeFileSync(file, hubLines(4, 32).join('\n'))
      expect(await runImportCommand(ctx, ['--account', 'hub', '--format', 'ndjson', '--json', file])).toBe(0)
      expect(JSON.parse(out())).toEqual([
        {
          file,
          account: 'hub',
          format: 'ndjson',
          content: 'dockerhub',
          rows: 4,
          imported: 4,
          duplicates: 0,
          skipped: 0,
          rejected: 0,
          rejections: [],
          warnings: []
        }
      ])
    } finally {
      ctx.close()
    }
  })

  it('refuses a missing --account or FILE and an unknown --format as usage errors, and a file of no format with INVALID_INPUT', async () => {
    const { ctx, dir } = context()
    try {
      await expect(runImportCommand(ctx, ['x.jsonl'])).rejects.toThrow(/missing --account/)
      await expect(runImportCommand(ctx, ['--account', 'hub'])).rejects.toThrow(/missing FILE/)
      await expect(runImportCommand(ctx, ['--account', 'hub', '--format', 'xml', 'x.xml'])).rejects.toThrow(UsageError)
      await expect(runImportCommand(ctx, ['--account', 'hub', '--format', 'xml', 'x.xml'])).rejects.toThrow(
        'bad --format "xml": expected auto, json, ndjson, csv'
      )
      const file = path.join(dir, 'notes.md')
      fs.writeFileSync(file, '# notes\n')
      await expect(runImportCommand(ctx, ['--account', 'hub', file])).rejects.toMatchObject({ code: 'INVALID_INPUT' })
      await expect(runImportCommand(ctx, ['--account', 'nobody', file])).rejects.toMatchObject({ code: 'NOT_FOUND' })
    } finally {
      ctx.close()
    }
  })
})

describe('registry-audit import, the real program', () => {
  it('imports a CSV into the data folder the desktop app shares, and a second run stores nothing twice', async () => {
    const dir = tempDir()
    const dataDir = path.join(dir, 'data')
    fs.mkdirSync(dataDir)
    const archive = Archive.open(archivePath(dataDir))
    archive.addAccount({ name: 'hub', kind: 'dockerhub', url: 'https://hub.docker.com', options: { org: 'acme', username: 'bob' } })
    archive.close()
    const file = path.join(dir, 'activity.csv')
    fs.writeFileSync(file, 'timestamp,action,name,actor\r\n2025-05-12T08:41:07Z,repo.tag.push,acme/api,ci-bot\r\n2025-05-12T08:42:00Z,repo.create,"acme/new, ""odd"" name",alice\r\n')

    const first = await runCli(['--data-dir', dataDir, 'import', '--account', 'hub', file])
    expect(first).toEqual({ code: 0, stdout: `hub: ${file}: 2 new, 0 duplicate (2 rows, csv, dockerhub records)\n`, stderr: '' })
    const again = await runCli(['--data-dir', dataDir, 'import', '--account', 'hub', file])
    expect(again.stdout).toBe(`hub: ${file}: 0 new, 2 duplicate (2 rows, csv, dockerhub records)\n`)
    const events = await runCli(['--data-dir', dataDir, 'events', '--format', 'ndjson'])
    const repositories = events.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { repository: string }).repository)
    expect(repositories.sort()).toEqual(['acme/api', 'acme/new, "odd" name'])
  })
})

describe('a file account: filled only by import', () => {
  it('is added with no URL or token, takes any source\'s export, and is left out of "sync" of all accounts', async () => {
    const dir = tempDir()
    const dataDir = path.join(dir, 'data')
    const added = await runCli(['--data-dir', dataDir, 'account', 'add', 'handed', '--kind', 'file'])
    expect(added.code).toBe(0)
    expect(added.stdout).toContain('added account handed (file')

    const file = path.join(dir, 'hub.ndjson')
    fs.writeFileSync(file, hubLines(7, 11).join('\n') + '\n')
    const imported = await runCli(['--data-dir', dataDir, 'import', '--account', 'handed', file])
    expect(imported).toMatchObject({ code: 0, stderr: '' })
    expect(imported.stdout).toMatch(/^handed: .*: 7 new, 0 duplicate/)

    // Nothing to call, so "sync everything" has nothing to do and succeeds; naming it says why not.
    const all = await runCli(['--data-dir', dataDir, 'sync'])
    expect(all.code).toBe(0)
    const named = await runCli(['--data-dir', dataDir, 'sync', 'handed'])
    expect(named.code).toBe(1)
    expect(named.stderr).toContain('a file account has no source to sync')
    const listed = await runCli(['--data-dir', dataDir, 'events', '--format', 'ndjson', '--include-pull'])
    expect(listed.stdout.trim().split('\n')).toHaveLength(7)
  })
})

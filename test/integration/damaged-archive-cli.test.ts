import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listDamagedBackups } from '../../src/main/core/db/archive-backup'
import { runCli } from './cli-helpers'
import { buildHealthyArchive, fileHash, overwriteEventPages, truncateArchive } from './fixtures/damaged-archives'

/**
 * Issue 6 §4 as a user meets it: the real `registry-audit` on a damaged archive prints one line
 * naming the file and what to do and exits 1, leaving the archive as it was with a copy beside
 * it; `archive check` says what is wrong (exit 1); `archive recover --out` writes a new archive
 * (exit 0) that the CLI then works with.
 */

let dir: string
let healthyFile: string

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'damaged-cli-'))
  healthyFile = path.join(dir, 'healthy.sqlite')
  buildHealthyArchive(healthyFile, 1500)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function damagedDataDir(name: string, damage: (file: string) => void): { dataDir: string; file: string } {
  const dataDir = path.join(dir, name)
  mkdirSync(dataDir)
  const file = path.join(dataDir, 'archive.sqlite')
  copyFileSync(healthyFile, file)
  damage(file)
  return { dataDir, file }
}

describe('registry-audit on a damaged archive', () => {
  it('any command: one line on stderr naming the file and the way out, exit 1, the archive unchanged', async () => {
    const { dataDir, file } = damagedDataDir('truncated', (f) => truncateArchive(f, 0.5))
    const before = fileHash(file)
    for (const args of [['events'], ['sync'], ['account', 'list']]) {
      const run = await runCli(['--data-dir', dataDir, ...args])
      expect(run.code, args.join(' ')).toBe(1)
      expect(run.stdout).toBe('')
      const lines = run.stderr.split('\n').filter((line) => line !== '')
      expect(lines, run.stderr).toHaveLength(1)
      expect(lines[0]).toMatch(new RegExp(`^registry-audit: Archive ${file} is damaged: it is cut short`))
      expect(lines[0]).toContain('registry-audit archive recover --out NEW_FILE')
    }
    // Three refusals, one copy.
    expect(listDamagedBackups(file)).toHaveLength(1)
    expect(fileHash(file)).toBe(before)
  })

  it('archive check reports the damage (exit 1); recover writes a new archive the CLI can use (exit 0)', async () => {
    const { dataDir, file } = damagedDataDir('overwritten', (f) => overwriteEventPages(f, 2, 3))
    const before = fileHash(file)

    const check = await runCli(['--data-dir', dataDir, 'archive', 'check'])
    expect(check.code).toBe(1)
    expect(check.stdout).toContain(`Archive ${file}: DAMAGED`)
    expect(check.stdout).toMatch(/problem: /)
    const json = await runCli(['--data-dir', dataDir, 'archive', 'check', '--json'])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toMatchObject({ file, kind: 'archive', ok: false })

    const outDir = path.join(dir, 'recovered')
    mkdirSync(outDir)
    const out = path.join(outDir, 'archive.sqlite')
    const recover = await runCli(['--data-dir', dataDir, 'archive', 'recover', '--out', out, '--json'])
    expect(recover.stderr).toBe('')
    expect(recover.code).toBe(0)
    const report = JSON.parse(recover.stdout) as { events: { recovered: number; expected: number; lost: number } }
    expect(report.events.expected).toBe(1500)
    expect(report.events.recovered + report.events.lost).toBe(1500)
    expect(report.events.lost).toBeGreaterThan(0)
    expect(fileHash(file)).toBe(before)

    const events = await runCli(['--data-dir', outDir, 'events', '--include-pull', '--format', 'ndjson'])
    expect(events.code, events.stderr).toBe(0)
    expect(events.stdout.trim().split('\n')).toHaveLength(report.events.recovered)
    expect((await runCli(['--data-dir', outDir, 'archive', 'check'])).code).toBe(0)

    // A second recovery never writes over the first.
    const again = await runCli(['--data-dir', dataDir, 'archive', 'recover', '--out', out])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/already exists; recovery writes only to a new file/)
  })

  it('recover without --out is a usage error (exit 2)', async () => {
    const run = await runCli(['--data-dir', path.join(dir, 'none'), 'archive', 'recover'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/missing --out FILE/)
  })
})

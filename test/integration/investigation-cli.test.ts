import Database from 'better-sqlite3'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CliIo } from '../../src/main/cli/cli-io'
import { runCli as runCliInProcess } from '../../src/main/cli/run-cli'
import { archivePath } from '../../src/main/core/paths'
import { parseCsv, runCli, runCommand, type CliRun } from './cli-helpers'
import { buildInvestigationArchive, D1, D2, DW, M1, T, WEB_GUN, type InvestigationArchive } from './fixtures/investigation-archive'

/**
 * The investigation commands of the real `registry-audit` (child processes) over an archive
 * synced from the Docker Hub and MSR simulators and a real notary-server (see
 * fixtures/investigation-archive.ts).
 */

let a: InvestigationArchive
let secrets: string[]

beforeAll(async () => {
  a = await buildInvestigationArchive()
  secrets = [a.hubSim.secret, a.msrSim.admin.secret]
  // The CLI opens the archive itself.
  a.service.close()
}, 120_000)

afterAll(async () => {
  await a?.close()
})

function cli(...args: string[]): Promise<CliRun> {
  return runCli(['--data-dir', a.dataDir, ...args], { env: { ...a.env, TZ: 'UTC' } })
}

function expectOk(run: CliRun): CliRun {
  expect(run.code, run.stderr).toBe(0)
  return run
}

describe('lineage, tags, explain, coverage', () => {
  it('traces a digest, as a table and as JSON', async () => {
    const table = expectOk(await cli('lineage', D1, '--tz', 'UTC'))
    expect(table.stdout).toContain(`Digest:       ${D1}`)
    expect(table.stdout).toMatch(/hub\s+acme\/app:latest\s+2025-05-20 10:01:00\s+2025-05-20 11:00:00\s+overwritten/)
    expect(table.stdout).toMatch(/~untag\s+bob/)
    const json = JSON.parse(expectOk(await cli('lineage', M1.slice(0, 20), '--format', 'json')).stdout) as {
      digest: string
      entries: Array<{ role: string; link: string }>
    }
    expect(json.digest).toBe(M1)
    expect(json.entries.filter((e) => e.link === 'trust').map((e) => e.role)).toEqual(['sign'])
    // The signed image: the real notary-server's changes of its repository, linked by time.
    const signed = JSON.parse(expectOk(await cli('lineage', DW, '--format', 'json')).stdout) as {
      entries: Array<{ role: string; link: string; event: { account: string; label: string } }>
    }
    expect(signed.entries.map((e) => `${e.role}/${e.event.account}`)).toEqual([
      'push/hub',
      'sign/trust',
      'sign/trust',
      'sign/trust',
      'trust-delete/trust',
      'untag/hub'
    ])
    expect(signed.entries[4]!.event.label).toBe(`trust data of ${WEB_GUN} deleted`)
    const signedTable = expectOk(await cli('lineage', DW, '--tz', 'UTC'))
    expect(signedTable.stdout).toMatch(/sign\s+.*trust data of docker\.io\/acme\/web updated \(timestamp version 1\)/)
    expect(signedTable.stdout).toMatch(/trust-delete\s+.*trust data of docker\.io\/acme\/web deleted/)
    const unknown = await cli('lineage', `sha256:${'09'.repeat(32)}`)
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/no event in the archive has the digest/)
  })

  it('shows tags now, at a moment, their difference, and whether :latest was overwritten', async () => {
    const now = expectOk(await cli('tags', 'acme/app', '--account', 'hub'))
    expect(now.stdout).toMatch(new RegExp(`latest\\s+${D2}`))
    const at = expectOk(await cli('tags', 'acme/app', '--account', 'hub', '--at', '2025-05-20T10:45Z', '--tz', 'UTC'))
    expect(at.stdout).toMatch(/^1\.0\s+sha256:a1/m)
    expect(at.stdout).toMatch(/^2\.0\s+sha256:c3/m)
    const diff = expectOk(await cli('tags', 'acme/app', '--account', 'hub', '--diff', '2025-05-20T10:45Z', '--at', '2025-05-20T15:30Z', '--tz', 'UTC'))
    expect(diff.stdout).toMatch(/removed \(event \d+, bob\)\s+1\.0/)
    expect(diff.stdout).toMatch(/moved\s+latest\s+sha256:a1a1a1a1a1a1\s+sha256:b2b2b2b2b2b2/)
    const history = expectOk(await cli('tags', 'acme/app:latest', '--account', 'hub', '--tz', 'UTC'))
    expect(history.stdout).toMatch(/Overwritten: yes, 1 time\(s\), by event\(s\) \d+ \(ci-bot, 2025-05-20 11:00:00\)/)
    const never = expectOk(await cli('tags', 'acme/app', '--tag', '1.0'))
    expect(never.stdout).toMatch(/Overwritten: no/)
    const bad = await cli('tags', 'acme/app', '--at', 'yesterday-ish')
    expect(bad.code).toBe(2)
  })

  it('explains a deletion with ranked causes and evidence', async () => {
    const run = expectOk(await cli('explain', 'payments/api:prod', '--tz', 'UTC'))
    expect(run.stdout).toMatch(/1\. retention-policy \(score 0\.95\): removed by the pruning \(retention\) policy PRUNING 5D4C3B2A/)
    expect(run.stdout).not.toMatch(/user-delete/)
    const bulk = JSON.parse(expectOk(await cli('explain', 'acme/old:v2', '--format', 'json')).stdout) as {
      deletions: Array<{ causes: Array<{ kind: string; evidence: unknown[] }> }>
    }
    expect(bulk.deletions[0]!.causes.map((c) => c.kind)).toEqual(['user-delete', 'bulk-delete'])
    expect(bulk.deletions[0]!.causes.every((c) => c.evidence.length > 0)).toBe(true)
    const noTag = await cli('explain', 'acme/app')
    expect(noTag.code).toBe(2)
  })

  it('reports coverage per account', async () => {
    const report = JSON.parse(expectOk(await cli('coverage', '--format', 'json')).stdout) as {
      accounts: Array<{ account: string; oldest: number; retention: { days: number | null } }>
    }
    const firstChange = Math.min(...(await a.notary.feed()).map((record) => Date.parse(String(record['CreatedAt']))))
    expect(report.accounts.map((x) => [x.account, x.oldest, x.retention.days])).toEqual([
      ['hub', T, 30],
      ['msr', T, null],
      ['trust', firstChange, null]
    ])
    expect(expectOk(await cli('coverage')).stdout).toContain("Docker Hub's audit log UI and API show the last 30 days")
  })
})

describe('saved and recent queries, cases and evidence', () => {
  it('saves, lists, runs and deletes a query; events remembers what it ran', async () => {
    expectOk(await cli('query', 'save', 'dave-deletes', 'verb:DELETE', 'actor:dave', '--sort', 'time:asc'))
    expect((await cli('query', 'save', 'dave-deletes', 'verb:DELETE')).code).toBe(1)
    expect(expectOk(await cli('query', 'list')).stdout).toMatch(/dave-deletes\s+verb:DELETE actor:dave\s+occurred_at:asc/)
    const run = JSON.parse(expectOk(await cli('query', 'run', 'dave-deletes', '--format', 'json')).stdout) as Array<{ tag: string }>
    expect(run.map((e) => e.tag)).toEqual(['v1', 'v2', 'v3', 'v4', 'v5', 'v6'])
    expectOk(await cli('events', 'actor:bob', '--since', '2025-01-01'))
    const recent = JSON.parse(expectOk(await cli('query', 'recent', '--format', 'json')).stdout) as Array<{ query: string }>
    expect(recent.map((q) => q.query)).toEqual(['actor:bob since:2025-01-01', 'verb:DELETE actor:dave'])
    expectOk(await cli('query', 'delete', 'dave-deletes'))
    expect((await cli('query', 'run', 'dave-deletes')).code).toBe(1)
    expect((await cli('query')).code).toBe(2)
  })

  it('writes an evidence folder that sha256sum checks, with the case, and refuses a non-empty folder', async () => {
    const events = JSON.parse(expectOk(await cli('events', 'verb:DELETE', '--format', 'json', '--limit', 'all')).stdout) as Array<{ id: number; account: string; actor: string }>
    expectOk(await cli('case', 'create', 'INC-42', '--description', 'deleted images'))
    const pinned = events.find((e) => e.account === 'hub' && e.actor === 'bob')!
    expectOk(await cli('case', 'pin', 'INC-42', String(pinned.id), '--note', 'first look'))
    expect(expectOk(await cli('case', 'show', 'INC-42')).stdout).toMatch(/first look/)
    expect((await cli('case', 'pin', 'INC-42', '999999')).code).toBe(1)

    const out = path.join(a.dir, 'evidence-1')
    const run = expectOk(await cli('evidence', '--out', out, 'verb:DELETE', '--case', 'INC-42', '--tz', 'Europe/Berlin'))
    // Deletes from all three accounts, the notary-server's trust deletion among them.
    expect(new Set(events.map((e) => e.account))).toEqual(new Set(['hub', 'msr', 'trust']))
    expect(run.stdout).toContain(`wrote ${events.length} event(s) and 9 files`)
    expect(readdirSync(out).sort()).toEqual(
      ['case.json', 'events.csv', 'events.ndjson', 'export-info.json', 'integrity.json', 'manifest.sha256', 'query.json', 'query.txt', 'sync-state.json'].sort()
    )
    const check = await runCommand('sha256sum', ['-c', 'manifest.sha256'], { cwd: out })
    expect(check.code, check.stderr).toBe(0)
    expect(check.stdout.trim().split('\n')).toHaveLength(8)

    const csv = parseCsv(readFileSync(path.join(out, 'events.csv'), 'utf8'))
    expect(csv[0]![1]).toBe('occurred_at (Europe/Berlin)')
    const ndjson = readFileSync(path.join(out, 'events.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { id: number; raw: unknown })
    expect(csv.slice(1).map((row) => Number(row[0]))).toEqual(ndjson.map((e) => e.id))
    expect(ndjson.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort())
    expect(ndjson.every((e) => typeof e.raw === 'object' && e.raw !== null)).toBe(true)
    const query = JSON.parse(readFileSync(path.join(out, 'query.json'), 'utf8')) as { text: string; query: unknown; timeZone: string }
    expect(query).toMatchObject({ text: 'verb:DELETE', query: { verb: { any: ['DELETE'] } }, timeZone: 'Europe/Berlin' })
    const sync = JSON.parse(readFileSync(path.join(out, 'sync-state.json'), 'utf8')) as Array<{ account: string; cursors: unknown[]; lastSync: { status: string } }>
    expect(sync.map((s) => [s.account, s.cursors.length > 0, s.lastSync.status])).toEqual([
      ['hub', true, 'ok'],
      ['msr', true, 'ok'],
      ['trust', true, 'ok']
    ])
    const integrity = JSON.parse(readFileSync(path.join(out, 'integrity.json'), 'utf8')) as {
      chainHeads: Array<{ account: string; head: string }>
      verification: { intact: boolean }
    }
    expect(integrity.verification.intact).toBe(true)
    expect(integrity.chainHeads.map((h) => h.account)).toEqual(['hub', 'msr', 'trust'])
    const caseFile = JSON.parse(readFileSync(path.join(out, 'case.json'), 'utf8')) as { name: string; pins_list: Array<{ note: string }> }
    expect(caseFile).toMatchObject({ name: 'INC-42', pins_list: [{ note: 'first look' }] })
    expect(JSON.parse(readFileSync(path.join(out, 'export-info.json'), 'utf8'))).toMatchObject({ version: expect.any(String), timeZone: 'Europe/Berlin', rows: events.length })
    for (const name of readdirSync(out)) {
      const text = readFileSync(path.join(out, name), 'utf8')
      for (const secret of secrets) expect(text, name).not.toContain(secret)
    }

    // A folder with anything in it is refused, and left as it was.
    const busy = path.join(a.dir, 'evidence-2')
    mkdirSync(busy)
    writeFileSync(path.join(busy, 'notes.txt'), 'mine')
    const refused = await cli('evidence', '--out', busy)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/not empty/)
    expect(readdirSync(busy)).toEqual(['notes.txt'])
    expect((await cli('evidence', 'verb:DELETE')).code).toBe(2)
  })
})

describe('prune, verify and tampering', () => {
  it('asks before pruning on a terminal, needs --yes without one, and keeps the chain verifiable', async () => {
    const noTty = await cli('prune', '--account', 'hub', '--older-than', '1')
    expect(noTty.code).toBe(2)
    expect(noTty.stderr).toMatch(/hub: 20 event\(s\) older than .* would be deleted.*pinned to a case stay/s)
    expect(noTty.stderr).toMatch(/add --yes/)

    // On a terminal: "n" keeps everything, "y" deletes.
    const answer = async (reply: string): Promise<{ code: number; out: string; err: string }> => {
      const stdin = Object.assign(new PassThrough(), { isTTY: true })
      const stdout = new PassThrough()
      const stderr = new PassThrough()
      let out = ''
      let err = ''
      stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
      stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString()
        if (err.includes('[y/N]')) stdin.write(`${reply}\n`)
      })
      const io: CliIo = { stdin, stdout, stderr, env: {}, now: () => Date.now(), onInterrupt: () => () => undefined }
      const code = await runCliInProcess(['--data-dir', a.dataDir, 'prune', '--account', 'msr', '--older-than', '1'], io, { version: 'test' })
      return { code, out, err }
    }
    const declined = await answer('n')
    expect(declined).toMatchObject({ code: 1 })
    expect(declined.err).toMatch(/nothing was deleted/)
    const msrBefore = JSON.parse(expectOk(await cli('events', 'account:msr', 'include:pull', '--format', 'json', '--limit', 'all')).stdout) as unknown[]
    expect(msrBefore).toHaveLength(9)
    const accepted = await answer('yes')
    expect(accepted.code).toBe(0)
    expect(accepted.out).toMatch(/msr: deleted 9 event\(s\)/)

    const yes = expectOk(await cli('prune', '--account', 'hub', '--older-than', '1', '--yes'))
    expect(yes.stdout).toMatch(/hub: deleted 20 event\(s\).*kept 1 pinned/)
    const verify = expectOk(await cli('verify'))
    // hub keeps the pinned push and the signed release of minutes ago.
    expect(verify.stdout).toMatch(/hub\s+intact\s+3\s+20/)
    expect(verify.stdout).toMatch(/msr\s+intact\s+0\s+9/)
    expect(verify.stdout).toMatch(/trust\s+intact\s+6\s+0/)
    expect(verify.stdout).toMatch(/The archive is intact/)
  })

  it('reports a tampered record with its event and account, exit 1, and evidence says so too', async () => {
    const db = new Database(archivePath(a.dataDir))
    const id = db.prepare("SELECT id FROM events WHERE account_id = (SELECT id FROM accounts WHERE name = 'hub') ORDER BY id LIMIT 1").pluck().get() as number
    db.prepare("UPDATE events SET raw = json_set(raw, '$.actor', 'someone-else') WHERE id = ?").run(id)
    db.close()
    const verify = await cli('verify')
    expect(verify.code).toBe(1)
    expect(verify.stdout).toMatch(/hub\s+BROKEN \(1 bad link\(s\)\)/)
    expect(verify.stdout).toContain(`hub: first break at event ${id}:`)
    const json = JSON.parse((await cli('verify', '--format', 'json')).stdout) as { intact: boolean; accounts: Array<{ account: string; firstBreak: { eventId: number } | null }> }
    expect(json.intact).toBe(false)
    expect(json.accounts.find((x) => x.account === 'hub')!.firstBreak!.eventId).toBe(id)

    const out = path.join(a.dir, 'evidence-broken')
    const evidence = await cli('evidence', '--out', out)
    expect(evidence.code).toBe(1)
    expect(evidence.stderr).toMatch(/integrity chain is broken/)
    expect(JSON.parse(readFileSync(path.join(out, 'integrity.json'), 'utf8'))).toMatchObject({ verification: { intact: false } })
  })
})

import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { Archive } from '../../src/main/core/db/archive'
import { createConnector } from '../../src/main/core/sources/index'
import { syncAccount } from '../../src/main/core/sync/sync-account'
const SECRET = 'dckr_pat_SIMULATOR0000000000000000000'
const child = spawn(process.execPath, ['--import', 'tsx', 'test/sim/dockerhub.ts', '--events', '5000', '--seed', '3', '--port', '0', '--secret', SECRET], { stdio: ['ignore', 'pipe', 'inherit'] })
const line: string = await new Promise((r) => child.stdout!.once('data', (d) => r(String(d))))
const sim = JSON.parse(line.split('\n')[0]!)
const dir = mkdtempSync(path.join(os.tmpdir(), 'syncprof-'))
const archive = Archive.open(path.join(dir, 'a.db'))
const account = archive.addAccount({ name: 'hub', kind: 'dockerhub', url: sim.url, options: { org: sim.org, username: sim.identifier } })
const cpu = process.cpuUsage(); const t = performance.now()
const s = await syncAccount({ archive, account, connector: createConnector(account), getToken: async () => SECRET })
const u = process.cpuUsage(cpu)
console.log(s, 'wall', Math.round(performance.now() - t), 'cpu ms', (u.user + u.system) / 1000)
archive.close(); child.kill()

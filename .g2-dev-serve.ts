// TEMPORARY dev script for helper G2 (not part of the project; deleted before the report).
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { CoreRuntime } from './src/main/core/core-runtime'
import { startBrowserServer } from './src/main/server/browser-server'
import { TokenStore } from './src/main/core/secrets/token-store'

const dataDir = process.argv[2] ?? mkdtempSync(path.join(tmpdir(), 'g2-data-'))
const runtime = new CoreRuntime({ dataDir, version: 'dev', transport: 'browser', tokenStore: new TokenStore({ service: 'g2-dev-' + process.pid }) })
runtime.start()
const server = await startBrowserServer({ runtime, rendererDir: path.resolve('out/renderer'), port: Number(process.argv[3] ?? 0) })
console.log(server.url)
console.log('data', dataDir)

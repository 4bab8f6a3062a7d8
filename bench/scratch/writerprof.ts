import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { runIngest } from '../sections/ingest'
const dir = mkdtempSync(path.join(os.tmpdir(), 'wprof-'))
console.log(runIngest(dir, { events: 20000, seed: 5 }))

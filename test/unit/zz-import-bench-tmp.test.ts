import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { it } from 'vitest'
import { Archive } from '../../src/main/core/db/archive'
import { importFile } from '../../src/main/core/import/import-file'
import { generateDockerHubEvents } from '../../test/sim/dockerhub-events'
import { tempArchivePath } from '../../test/integration/archive-fixtures'

it('bench', async () => {
  const t = tempArchivePath()
  const a = Archive.open(t.file)
  a.addAccount({ name: 'hub', kind: 'dockerhub', url: 'https://hub.docker.com', options: { org: 'acme', username: 'bob' } })
  const recs = generateDockerHubEvents(100000, 1, { org: 'acme' })
  const f = join(t.dir, 'x.jsonl'); writeFileSync(f, recs.map((r) => JSON.stringify(r)).join('\n'))
  const f2 = join(t.dir, 'x.json'); writeFileSync(f2, JSON.stringify({logs: recs}))
  for (const file of [f, f2]) {
    const m0 = process.memoryUsage().rss
    const s = Date.now()
    const r = await importFile({ archive: a, account: 'hub', file })
    console.log(file, r.imported, r.duplicates, Date.now() - s, 'ms', Math.round((process.memoryUsage().rss - m0)/1e6), 'MB rss delta')
  }
  a.close(); t.remove()
}, 120000)

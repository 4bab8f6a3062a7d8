/**
 * The app's CSV export in a process of its own, so the benchmark can sample its memory from the
 * outside: `node --import tsx export-child.ts <data dir> <out.csv>`. It runs the export the CLI
 * and the desktop app run (AuditService.exportEvents: keyset pages through the archive, streamed
 * to a file). Prints JSON lines: `ready` (archive open), then `done` with the rows and the
 * export's own wall time.
 */
import { AuditService } from '../../src/main/core/service'

const [dataDir, out] = process.argv.slice(2)
if (dataDir === undefined || out === undefined) {
  process.stderr.write('usage: export-child.ts <data dir> <out.csv>\n')
  process.exit(2)
}
const say = (line: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`)
}
const service = new AuditService({ dataDir })
// Any call opens the archive; the export itself is timed from here.
service.listAccounts()
say({ type: 'ready', at: Date.now(), rssKiB: Math.round(process.memoryUsage.rss() / 1024) })
const started = performance.now()
const startedAt = Date.now()
const { rows } = await service.exportEvents({ includePull: true }, undefined, out, { format: 'csv', timeZone: 'UTC' })
say({ type: 'done', rows, ms: Math.round(performance.now() - started), startedAt, endedAt: Date.now() })
service.close()

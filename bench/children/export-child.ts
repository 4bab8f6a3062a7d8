/**
 * The app's CSV export in a process of its own, so the benchmark can sample its memory from the
 * outside: `node --import tsx export-child.ts <archive> <out.csv>`. Prints JSON lines: `ready`
 * (archive open), then `done` with the rows and the export's own wall time.
 */
import { Archive } from '../../src/main/core/db/archive'
import { exportEvents } from '../../src/main/core/export/export-events'

const [file, out] = process.argv.slice(2)
if (file === undefined || out === undefined) {
  process.stderr.write('usage: export-child.ts <archive> <out.csv>\n')
  process.exit(2)
}
const say = (line: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`)
}
const archive = Archive.open(file, { readonly: true })
say({ type: 'ready', at: Date.now(), rssKiB: Math.round(process.memoryUsage.rss() / 1024) })
const started = performance.now()
const startedAt = Date.now()
const { rows } = await exportEvents(archive.iterateEvents({ includePull: true }), out, { format: 'csv', timeZone: 'UTC' })
say({ type: 'done', rows, ms: Math.round(performance.now() - started), startedAt, endedAt: Date.now() })
archive.close()

/**
 * The long kill -9 campaign of issue 6 §2: for each connector, one long sync run by real child
 * processes, killed with SIGKILL at 50 random points (by default) and restarted each time; after
 * every kill the archive must be whole, and at the end it must hold exactly the source's events —
 * none lost, none doubled. The CI-size variants are test/integration/kill9.test.ts (Docker Hub)
 * and crash-kill9.test.ts (MSR, Harbor).
 *
 * Usage: node --import tsx scripts/crash-campaign.ts [--kinds dockerhub,msr,harbor] [--kills 50]
 *          [--seed N] [--events 3000] [--page-size 50] [--page-delay-ms 40] [--runner sync-child|cli]
 * `--runner cli` kills the real `registry-audit sync` (the app's guarded archive open included)
 * instead of the test fixture; its kill points follow the source's answers, not page commits.
 * Every kill point is printed with its seed; rerun with --seed to replay. Exit status 1 when any
 * check failed.
 */
import { parseArgs } from 'node:util'
import { CRASH_KINDS, runKillCampaign, type CampaignReport, type CrashKind } from '../test/integration/fixtures/kill9-campaign'

const { values } = parseArgs({
  options: {
    kinds: { type: 'string', default: 'dockerhub,msr' },
    kills: { type: 'string', default: '50' },
    seed: { type: 'string' },
    events: { type: 'string', default: '3000' },
    'page-size': { type: 'string', default: '50' },
    'page-delay-ms': { type: 'string', default: '40' },
    runner: { type: 'string', default: 'sync-child' }
  }
})

function whole(name: string, text: string | undefined): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 0) {
    process.stderr.write(`crash-campaign: --${name} needs a whole number, not "${text}"\n`)
    process.exit(2)
  }
  return value
}

const kinds = (values.kinds ?? '').split(',').map((kind) => kind.trim()) as CrashKind[]
for (const kind of kinds) {
  if (!CRASH_KINDS.includes(kind)) {
    process.stderr.write(`crash-campaign: unknown kind "${kind}" (one of ${CRASH_KINDS.join(', ')})\n`)
    process.exit(2)
  }
}
const seed = values.seed === undefined ? Date.now() % 1_000_000 : whole('seed', values.seed)
const kills = whole('kills', values.kills)
const runner = values.runner
if (runner !== 'sync-child' && runner !== 'cli') {
  process.stderr.write(`crash-campaign: --runner is sync-child or cli, not "${runner}"\n`)
  process.exit(2)
}

console.log(`crash campaign: seed ${seed}, ${kills} kill points per connector (${kinds.join(', ')}), runner ${runner}`)
const reports: CampaignReport[] = []
for (const kind of kinds) {
  const started = Date.now()
  const report = await runKillCampaign({
    kind,
    seed,
    kills,
    events: whole('events', values.events),
    pageSize: whole('page-size', values['page-size']),
    pageDelayMs: whole('page-delay-ms', values['page-delay-ms']),
    runner,
    log: (line) => console.log(`  ${line}`)
  })
  reports.push(report)
  console.log(
    `${kind}: ${report.kills} kills, ${report.survived} survived, ${report.completedRuns} runs completed between kills, ` +
      `${report.storedEvents}/${report.sourceEvents} events stored, lost ${report.lost}, doubled ${report.doubled}, ` +
      `foreign ${report.foreign} (${((Date.now() - started) / 1000).toFixed(1)} s)`
  )
  for (const failure of report.failures) console.log(`  FAILED: ${failure}`)
}

const total = reports.reduce(
  (sum, r) => ({ kills: sum.kills + r.kills, survived: sum.survived + r.survived, lost: sum.lost + r.lost, doubled: sum.doubled + r.doubled }),
  { kills: 0, survived: 0, lost: 0, doubled: 0 }
)
console.log(`total: ${total.kills} kills, ${total.survived} survived, ${total.lost} events lost, ${total.doubled} doubled (seed ${seed})`)
process.exitCode = reports.some((r) => r.failures.length > 0) ? 1 : 0

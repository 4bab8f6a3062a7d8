import { expect, it } from 'vitest'
import { runKillCampaign, type CampaignOptions, type CrashKind } from './fixtures/kill9-campaign'

/**
 * Issue 6 §2, CI size: the kill -9 campaign of scripts/crash-campaign.ts, a few kill points per
 * connector, for the connectors kill9.test.ts (Docker Hub) and ibm-kill9.test.ts do not cover.
 * One long sync per connector, killed with SIGKILL at random points and restarted: after every
 * kill the archive is whole (integrity check, source events only, none twice, chain unbroken);
 * at the end it holds exactly the source. The last case kills the real `registry-audit sync`,
 * so the app's own archive open (damage screen, lock takeover) meets what a kill leaves.
 *
 * The seed is printed; replay with CRASH_SEED=<seed>. CRASH_KILLS raises the kill points.
 */
const KILLS = Number(process.env.CRASH_KILLS ?? 4)
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000)
const CASES: Array<{ kind: CrashKind; kills: number; runner: NonNullable<CampaignOptions['runner']> }> = [
  { kind: 'msr', kills: KILLS, runner: 'sync-child' },
  { kind: 'harbor', kills: Math.max(2, Math.floor(KILLS / 2)), runner: 'sync-child' },
  { kind: 'msr', kills: Math.max(2, Math.floor(KILLS / 2)), runner: 'cli' }
]

for (const { kind, kills, runner } of CASES) {
  it(`${kind} (${runner}): ${kills} kill -9 points in one long sync, then exactly the source (seed ${SEED})`, async () => {
    const lines: string[] = []
    const report = await runKillCampaign({
      kind,
      seed: SEED,
      kills,
      events: 400,
      pageSize: 40,
      pageDelayMs: 60,
      runner,
      log: (line) => lines.push(line)
    })
    console.info(lines.join('\n'))
    expect(report.failures, lines.join('\n')).toEqual([])
    expect(report.kills).toBe(kills)
    expect(report.survived).toBe(kills)
    expect(report.lost).toBe(0)
    expect(report.doubled).toBe(0)
    expect(report.storedEvents).toBe(report.sourceEvents)
  }, 120_000)
}

import fs from 'node:fs'
import { Archive } from '../../../src/main/core/db/archive'
import type { IngestEvent } from '../../../src/main/core/db/archive-types'
import { archivePath } from '../../../src/main/core/paths'
import type { Activity, NormalisedEvent, Verb } from '../../../src/shared/event'

/**
 * A large archive for the UI tests, written straight through Archive.writePage: syncing 100,000
 * events from the simulator would spend the test's time in HTTP, not in the UI under test.
 *
 * The events are deterministic. Event `i` (0 = newest) is older the larger `i` is, so the default
 * sort (newest first) lists them in index order and a test can predict any row. The gaps between
 * events swell and shrink over a few days, so the histogram looks like real traffic.
 */
export interface SeedOptions {
  dataDir: string
  account: string
  org?: string
  url: string
  count: number
  /** Time of event 0. */
  newest: number
}

/** Activities in rotation; every fifth event is a pull, so "Exclude pull" has something to hide. */
const ROTATION: ReadonlyArray<{ activity: Activity; verb: Verb; action: string }> = [
  { activity: 'push', verb: 'CREATE', action: 'repo.tag.push' },
  { activity: 'pull', verb: 'GET', action: 'repo.tag.pull' },
  { activity: 'push', verb: 'CREATE', action: 'repo.tag.push' },
  { activity: 'delete', verb: 'DELETE', action: 'repo.tag.delete' },
  { activity: 'scan', verb: 'SCAN', action: 'repo.tag.scan' }
]
export const SEED_REPOSITORIES = ['acme/api', 'acme/web', 'acme/worker', 'platform/base', 'platform/nginx', 'data/etl', 'team/tools']
export const SEED_ACTORS = ['alice', 'bob', 'carol', 'ci-bot', 'release-bot', 'dave']
const MINUTE = 60_000
const PAGE = 5000

/** offsets[i]: how long before the newest event event `i` happens; grown on demand. */
const offsets: number[] = [0]

function offsetOf(i: number): number {
  while (offsets.length <= i) {
    const k = offsets.length - 1
    const wave = (Math.sin(k / 900) + 1) / 2
    offsets.push(offsets[k]! + Math.round(MINUTE * (0.4 + 1.6 * wave * wave)))
  }
  return offsets[i]!
}

/** The normalised fields of event `i`: a pure function of `i`, so tests can predict rows. */
export function seedEvent(i: number, newest: number): NormalisedEvent {
  const step = ROTATION[i % ROTATION.length]!
  const repository = SEED_REPOSITORIES[i % SEED_REPOSITORIES.length]!
  const actor = SEED_ACTORS[Math.floor(i / 3) % SEED_ACTORS.length]!
  // Tags repeat within a repository, so "Related" finds the same repository:tag across events.
  const tag = i % 4 === 0 ? 'latest' : `1.${Math.floor(i / 35) % 20}.${i % 7}`
  // A digest is shared by the events of one ten-event block of the same repository.
  const digest = `sha256:${(Math.floor(i / 70) * 7 + (i % 7)).toString(16).padStart(8, '0')}${'0'.repeat(56)}`
  const verbPhrase = step.activity === 'pull' ? 'pulled' : step.activity === 'delete' ? 'deleted' : step.activity === 'scan' ? 'scanned' : 'pushed'
  return {
    occurred_at: newest - offsetOf(i),
    action: step.action,
    verb: step.verb,
    activity: step.activity,
    outcome: i % 97 === 0 ? 'failure' : 'success',
    actor,
    actor_kind: actor.endsWith('-bot') ? 'token' : 'user',
    namespace: repository.split('/')[0] ?? null,
    repository,
    tag,
    digest,
    target: null,
    client_ip: `10.0.${i % 250}.${(i * 7) % 250}`,
    user_agent: 'docker/27.0',
    label: `${actor} ${verbPhrase} ${repository}:${tag} #${i}`
  }
}

/** Creates the account and writes `count` events into the data folder's archive. */
export function seedArchive(options: SeedOptions): void {
  fs.mkdirSync(options.dataDir, { recursive: true })
  const archive = Archive.open(archivePath(options.dataDir))
  try {
    const account =
      archive.getAccount(options.account) ??
      archive.addAccount({
        name: options.account,
        kind: 'dockerhub',
        url: options.url,
        options: { org: options.org ?? 'acme', username: 'seed' }
      })
    let page: IngestEvent[] = []
    for (let i = options.count - 1; i >= 0; i -= 1) {
      const normalised = seedEvent(i, options.newest)
      const raw = { seed: i, action: normalised.action, actor: normalised.actor, repository: normalised.repository, tag: normalised.tag, timestamp: new Date(normalised.occurred_at).toISOString() }
      page.push({ sourceEventId: `${options.account}-${i}`, raw, normalised })
      if (page.length === PAGE) {
        archive.writePage(account.id, 'seed', page, { seeded: i })
        page = []
      }
    }
    if (page.length > 0) archive.writePage(account.id, 'seed', page, { seeded: 0 })
  } finally {
    archive.close()
  }
}

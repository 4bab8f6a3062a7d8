import { BENCH_ACCOUNTS, type BenchAccount } from './bench-accounts'
import {
  dockerHubRecord,
  ibmRecord,
  msrRecord,
  notaryRecord,
  type DockerHubAction,
  type IbmAction,
  type IbmInitiator,
  type ImageRef,
  type MsrCategory
} from './source-records'
import { randomHex, randomUuid, seededRandom, WeightedPicker, ZipfSampler } from './zipf'

/**
 * The benchmark's workload: a seeded stream of raw source records in time order, as a year of an
 * organisation's registries would log them.
 *
 * - Time: a Poisson process whose rate follows working hours and weekdays, with bursts (a CI
 *   pipeline pushing hundreds of tags in minutes, a deployment pulling one image on every node).
 * - Actors and repositories: Zipf-distributed, so a few bots and hot repositories take most events
 *   and thousands of others a long tail. Pools grow with the archive's size.
 * - Images: each repository has a current digest that pushes replace; tags (latest, versions,
 *   sha-…, stable, prod) accumulate on a digest, so one digest carries many tags, and pulls,
 *   scans, promotions and mirrors refer to recent digests.
 * - Pulls are most of MSR's and IBM's events, as an MSR admin's archive shows.
 */

export const BENCH_END = Date.parse('2025-06-01T00:00:00.000Z')
const DAY = 86_400_000
export const BENCH_SPAN_MS = 365 * DAY

export interface StreamRecord {
  /** Index into BENCH_ACCOUNTS. */
  account: number
  raw: Record<string, unknown>
  /** The source's own id where it has one (MSR, notary); undefined: a content hash. */
  sourceId: string | undefined
}

const HOUR_WEIGHT = [0.25, 0.2, 0.2, 0.2, 0.25, 0.35, 0.6, 1.1, 1.7, 1.9, 1.9, 1.8, 1.5, 1.8, 1.9, 1.9, 1.8, 1.5, 1.1, 0.8, 0.6, 0.45, 0.35, 0.3]
const WEEKDAY_WEIGHT = [0.35, 1.1, 1.15, 1.15, 1.1, 1.0, 0.35] // Sunday first
const MEAN_WEIGHT =
  (HOUR_WEIGHT.reduce((a, b) => a + b, 0) / 24) * (WEEKDAY_WEIGHT.reduce((a, b) => a + b, 0) / 7)

const DOCKERHUB_ACTIONS = new WeightedPicker<DockerHubAction>([
  ['repo.tag.push', 700],
  ['repo.tag.delete', 70],
  ['repo.create', 20],
  ['repo.update', 20],
  ['repo.delete', 8],
  ['repo.change_privacy', 6],
  ['org.member.add', 8],
  ['org.member.remove', 5],
  ['org.member.invite.send', 7],
  ['org.team.member.add', 7],
  ['org.access_token.create', 5],
  ['org.settings.update', 2]
])

const MSR_CATEGORIES = new WeightedPicker<MsrCategory>([
  ['pull', 550],
  ['push-manifest', 110],
  ['push-tag-update', 110],
  ['push-tag-create', 40],
  ['delete', 25],
  ['scan', 60],
  ['promotion-by-policy', 30],
  ['promotion-manual', 5],
  ['pull-mirror', 20],
  ['push-mirror', 20],
  ['push-mirror-fail', 3],
  ['create-repo', 5],
  ['prune', 20]
])

const IBM_ACTIONS = new WeightedPicker<IbmAction>([
  ['image.pull', 450],
  ['image.push', 170],
  ['image.inspect', 60],
  ['image.list', 60],
  ['image.delete', 30],
  ['image.tag', 40],
  ['image.untag', 10],
  ['signature.read', 20],
  ['signature.write', 10],
  ['image-vulnerability-report.read', 30],
  ['namespace.list', 10],
  ['namespace.create', 2],
  ['retention.set', 2],
  ['trash.list', 2]
])

const NAMESPACES = ['platform', 'payments', 'web', 'data', 'ml', 'infra', 'security', 'mobile', 'search', 'identity', 'billing', 'growth']
const NAME_WORDS = ['api', 'worker', 'frontend', 'gateway', 'scheduler', 'ingest', 'auth', 'cache', 'proxy', 'indexer', 'notifier', 'reports', 'exporter', 'runner', 'base', 'builder']
const TAG_WORDS = ['stable', 'prod', 'staging', 'canary', 'main']
const PUSHY_CATEGORIES = new Set<string>(['push-manifest', 'push-tag-update', 'push-tag-create', 'repo.tag.push', 'image.push'])

interface Repository {
  name: string
  /** Recent digests, newest first, each with the tags pushed or promoted onto it. */
  images: Array<{ digest: string; tags: string[] }>
  version: number
  /** MSR repository UUID, IBM trust version, notary version… whichever the source needs. */
  id: string
  trustVersion: number
}

/** One account's pools and image state. */
class AccountModel {
  readonly repos: Repository[] = []
  readonly repoSampler: ZipfSampler
  readonly actorSampler: ZipfSampler
  readonly actors: string[]
  readonly initiators: IbmInitiator[] = []

  constructor(
    readonly spec: BenchAccount,
    readonly index: number,
    scale: number,
    random: () => number
  ) {
    const repoCount = Math.max(40, Math.round(3500 * scale * spec.share))
    const actorCount = Math.max(20, Math.round(2500 * scale * spec.share))
    this.repoSampler = new ZipfSampler(repoCount, 1.05)
    this.actorSampler = new ZipfSampler(actorCount, 1.15)
    const org = typeof spec.options['org'] === 'string' ? spec.options['org'] : null
    for (let i = 0; i < repoCount; i++) {
      const ns = org ?? NAMESPACES[Math.min(NAMESPACES.length - 1, Math.floor(-Math.log(1 - random()) * 3))]!
      const word = NAME_WORDS[i % NAME_WORDS.length]!
      const name = i < NAME_WORDS.length ? `${ns}/${word}` : `${ns}/${word}-${i.toString(36)}`
      this.repos.push({ name, images: [], version: 0, id: randomUuid(random), trustVersion: 0 })
    }
    this.actors = []
    for (let i = 0; i < actorCount; i++) this.actors.push(actorName(spec.kind, i, random))
    if (spec.kind === 'ibm') {
      for (let i = 0; i < actorCount; i++) this.initiators.push(ibmInitiator(i, this.actors[i]!, random))
    }
  }

  /** The repository's image a non-push event refers to, creating a first one if needed. */
  image(repo: Repository, random: () => number): ImageRef {
    if (repo.images.length === 0) this.push(repo, random)
    // Mostly the current image; older ones now and then (rollbacks, stale nodes).
    const which = random() < 0.8 ? 0 : Math.floor(random() * repo.images.length)
    const image = repo.images[which]!
    const tag = image.tags[Math.floor(random() * image.tags.length)]!
    return { repository: repo.name, tag, digest: image.digest }
  }

  /** A push: a new digest with a new version tag and `latest`, or another tag on the current one. */
  push(repo: Repository, random: () => number): ImageRef {
    const current = repo.images[0]
    if (current !== undefined && random() < 0.45) {
      // The same digest tagged again (sha-…, a channel, a promotion target): many tags per digest.
      const tag = random() < 0.5 ? TAG_WORDS[Math.floor(random() * TAG_WORDS.length)]! : `sha-${randomHex(random, 7)}`
      if (!current.tags.includes(tag)) current.tags.push(tag)
      return { repository: repo.name, tag, digest: current.digest }
    }
    repo.version++
    const version = `${1 + Math.floor(repo.version / 400)}.${Math.floor(repo.version / 20) % 20}.${repo.version % 20}`
    const digest = `sha256:${randomHex(random, 64)}`
    repo.images.unshift({ digest, tags: [version, 'latest'] })
    if (repo.images.length > 4) repo.images.pop()
    // `latest` moves to the new digest.
    for (const older of repo.images.slice(1)) older.tags = older.tags.filter((t) => t !== 'latest')
    return { repository: repo.name, tag: random() < 0.5 ? 'latest' : version, digest }
  }
}

function actorName(kind: BenchAccount['kind'], i: number, random: () => number): string {
  switch (kind) {
    case 'dockerhub':
      return ['ci-bot', 'release-bot', 'GitHub Actions deploy', 'alice', '<user-access-token>', 'bob'][i] ?? `dev-${i.toString(36)}-${randomHex(random, 4)}`
    case 'msr':
      // DTR/MSR names users by account UUID.
      return randomUuid(random)
    case 'ibm':
      return ['ci-pipeline', 'cluster-workers', 'alice@example.com', 'bob@example.com'][i] ?? `user${i}@example.com`
    case 'notary':
      return ''
  }
}

function ibmInitiator(i: number, name: string, random: () => number): IbmInitiator {
  const address = `198.51.${100 + (i % 50)}.${1 + Math.floor(random() * 250)}`
  if (i === 0) {
    return { id: 'iam-ServiceId-7d6c5b4a-3f2e-1d0c-9b8a-7f6e5d4c3b2a', name, typeURI: 'service/security/account/serviceid', credential: 'apikey', address: '203.0.113.7', agent: 'containers/5.30.1 (github.com/containers/image)' }
  }
  if (i === 1) {
    return { id: 'iam-Profile-9a8b7c6d-1111-2222-3333-444455556666', name, typeURI: 'service/security/account/user', credential: 'compute-resource', address: '10.240.0.12', agent: 'containerd/1.7.22' }
  }
  return {
    id: `IBMid-55${String(i).padStart(4, '0')}${randomHex(random, 4).toUpperCase()}`,
    name,
    typeURI: 'service/security/account/user',
    credential: random() < 0.7 ? 'token' : 'apikey',
    address,
    agent: random() < 0.6 ? 'docker/27.3.1 go/go1.22.7 git-commit/41ca978 kernel/6.8.0 os/linux arch/amd64' : 'ibmcloud-cli/2.30.0'
  }
}

interface Burst {
  account: number
  remaining: number
  actor: number
  repo: number
  pulls: boolean
  gapMs: number
}

/**
 * `count` records in time order over the year before BENCH_END (a run of burst events may pass
 * it slightly). Same (count, seed), same records.
 */
export function* benchEventStream(count: number, seed: number): Generator<StreamRecord> {
  const random = seededRandom(seed)
  // Pools grow with the square root of the size: a 10x archive has ~3x the actors and repositories.
  const scale = Math.sqrt(count / 1_000_000)
  const models = BENCH_ACCOUNTS.map((spec, index) => new AccountModel(spec, index, scale, random))
  const accountPicker = new WeightedPicker(BENCH_ACCOUNTS.map((spec, index) => [index, spec.share] as const))
  const burstShare = 0.12
  // Events per ms outside bursts, at an average hour of an average day.
  const baseRate = (count * (1 - burstShare)) / BENCH_SPAN_MS / MEAN_WEIGHT
  const meanBurst = 120
  const burstStart = (burstShare / (1 - burstShare)) / meanBurst
  let notaryId = 0
  let at = BENCH_END - BENCH_SPAN_MS
  let burst: Burst | undefined

  for (let produced = 0; produced < count; produced++) {
    let accountIndex: number
    let actorIndex: number
    let repoIndex: number
    let pulls = false
    if (burst !== undefined) {
      at += 1 + Math.floor(random() * burst.gapMs)
      accountIndex = burst.account
      const model = models[accountIndex]!
      // Mostly the burst's own actor and repository, some unrelated traffic in between.
      actorIndex = random() < 0.85 ? burst.actor : model.actorSampler.pick(random())
      repoIndex = random() < 0.85 ? burst.repo : model.repoSampler.pick(random())
      pulls = burst.pulls
      if (pulls && random() < 0.6) actorIndex = model.actorSampler.pick(random())
      if (--burst.remaining === 0) burst = undefined
    } else {
      const date = new Date(at)
      const rate = baseRate * HOUR_WEIGHT[date.getUTCHours()]! * WEEKDAY_WEIGHT[date.getUTCDay()]!
      at += Math.max(1, Math.round(-Math.log(1 - random()) / rate))
      accountIndex = accountPicker.pick(random())
      const model = models[accountIndex]!
      actorIndex = model.actorSampler.pick(random())
      repoIndex = model.repoSampler.pick(random())
      if (random() < burstStart) {
        const kind = model.spec.kind
        const canPull = kind === 'msr' || kind === 'ibm'
        burst = {
          account: accountIndex,
          // Heavy-tailed: most bursts are tens of events, a few thousands.
          remaining: Math.min(4000, Math.max(10, Math.floor(25 / Math.pow(1 - random(), 0.9)))),
          actor: Math.floor(random() * Math.min(3, model.actorSampler.size)),
          repo: model.repoSampler.pick(random()),
          pulls: canPull && random() < 0.5,
          gapMs: 50 + Math.floor(random() * 3000)
        }
      }
    }
    const model = models[accountIndex]!
    yield recordFor(model, at, actorIndex, repoIndex, pulls, random, () => ++notaryId)
  }
}

function recordFor(
  model: AccountModel,
  at: number,
  actorIndex: number,
  repoIndex: number,
  burstOfPulls: boolean,
  random: () => number,
  nextNotaryId: () => number
): StreamRecord {
  const repo = model.repos[repoIndex]!
  const actor = model.actors[actorIndex]!
  const account = model.index
  switch (model.spec.kind) {
    case 'dockerhub': {
      const action = DOCKERHUB_ACTIONS.pick(random())
      const image = PUSHY_CATEGORIES.has(action) ? model.push(repo, random) : model.image(repo, random)
      const member = model.actors[model.actorSampler.pick(random())]!
      const org = String(model.spec.options['org'])
      return { account, raw: dockerHubRecord(org, action, at, actor, image, member), sourceId: undefined }
    }
    case 'msr': {
      const category = burstOfPulls ? 'pull' : MSR_CATEGORIES.pick(random())
      const image = PUSHY_CATEGORIES.has(category) ? model.push(repo, random) : model.image(repo, random)
      const id = randomUuid(random)
      return { account, raw: msrRecord(category, at, id, actor, image, repo.id), sourceId: id }
    }
    case 'ibm': {
      const action = burstOfPulls ? 'image.pull' : IBM_ACTIONS.pick(random())
      const image = PUSHY_CATEGORIES.has(action) ? model.push(repo, random) : model.image(repo, random)
      const roll = random()
      const failedCode = roll < 0.96 ? null : roll < 0.98 ? 404 : roll < 0.99 ? 403 : 401
      const raw = ibmRecord(action, at, randomUuid(random), model.initiators[actorIndex]!, image, {
        domain: 'us.icr.io',
        region: 'us-south',
        failedCode,
        byDigest: random() < 0.2
      })
      return { account, raw, sourceId: undefined }
    }
    case 'notary': {
      const deletion = random() < 0.03
      repo.trustVersion = deletion ? 0 : repo.trustVersion + 1
      const raw = notaryRecord(nextNotaryId(), at, `registry.acme.example/${repo.name}`, repo.trustVersion, randomHex(random, 64))
      return { account, raw, sourceId: String(raw['ID']) }
    }
  }
}

import fs from 'node:fs'
import type { Activity, ActorKind, NormalisedEvent, Outcome, SourceKind, Verb } from '../../../shared/event'
import { Archive } from '../db/archive'
import type { ArchiveApi, IngestEvent } from '../db/archive-types'
import { AppError } from '../errors'
import { archivePath } from '../paths'

/**
 * The demo archive behind "Open demo archive": about 50,000 generated events across the source
 * kinds, in a data folder of its own, so someone can try the investigation UI before connecting
 * a registry — and generated data can never mix with real data. Generated once (deterministic
 * seed), into a temporary folder renamed into place when complete.
 */

export const DEMO_EVENT_COUNT = 50_000
/** The span the events cover, ending at the moment the archive is generated. */
const DEMO_SPAN_MS = 60 * 24 * 3_600_000
const PAGE_SIZE = 2000

interface DemoAccount {
  name: string
  kind: Exclude<SourceKind, 'file'>
  url: string
  options: Record<string, unknown>
  /** Share of all events. */
  weight: number
  /** The activities this source reports (Docker Hub's audit log has no pulls, notary only trust changes). */
  activities: Activity[]
}

/** `.invalid` is reserved (RFC 2606): a demo account can never reach a real server. */
export const DEMO_ACCOUNTS: DemoAccount[] = [
  {
    name: 'demo-hub',
    kind: 'dockerhub',
    url: 'https://hub.demo.invalid',
    options: { org: 'acme', username: 'acme' },
    weight: 0.22,
    activities: ['push', 'delete', 'create-repo', 'member', 'team', 'token', 'settings', 'billing', 'sso']
  },
  {
    name: 'demo-msr',
    kind: 'msr',
    url: 'https://msr.demo.invalid',
    options: {},
    weight: 0.3,
    activities: ['push', 'pull', 'delete', 'scan', 'promotion', 'mirror', 'create-repo', 'policy']
  },
  {
    name: 'demo-harbor',
    kind: 'harbor',
    url: 'https://harbor.demo.invalid',
    options: {},
    weight: 0.2,
    activities: ['push', 'pull', 'delete', 'create-repo', 'scan']
  },
  {
    name: 'demo-quay',
    kind: 'quay',
    url: 'https://quay.demo.invalid',
    options: { org: 'acme' },
    weight: 0.12,
    activities: ['push', 'pull', 'delete', 'create-repo', 'member']
  },
  {
    name: 'demo-ibm',
    kind: 'ibm',
    url: 'https://api.eu-de.logs.demo.invalid',
    options: { region: 'eu-de' },
    weight: 0.1,
    activities: ['push', 'pull', 'delete', 'settings']
  },
  {
    name: 'demo-notary',
    kind: 'notary',
    url: 'https://notary.demo.invalid',
    options: {},
    weight: 0.06,
    activities: ['sign', 'trust-delete']
  }
]

/** How often each activity happens, where a source has it: pulls dominate, as in real registries. */
const ACTIVITY_WEIGHTS: Record<Activity, number> = {
  pull: 50,
  push: 20,
  scan: 8,
  delete: 4,
  sign: 6,
  'trust-delete': 1,
  promotion: 2,
  mirror: 2,
  'create-repo': 1.5,
  member: 1,
  team: 0.5,
  token: 0.8,
  settings: 0.6,
  billing: 0.2,
  sso: 0.2,
  policy: 0.5,
  other: 0
}

const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy']
const BOTS = ['ci-bot', 'release-bot', 'renovate']
const REPOSITORIES = [
  'acme/payments-api',
  'acme/checkout-web',
  'acme/auth-service',
  'acme/ledger',
  'acme/search',
  'platform/base-alpine',
  'platform/base-debian',
  'platform/nginx',
  'platform/postgres',
  'data/etl-runner',
  'data/notebook',
  'team/app',
  'team/worker',
  'security/scanner-db'
]

/** A small, fast, seeded generator (mulberry32): the same demo every time. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/**
 * Makes sure the demo archive exists in `demoDir`, generating it when it does not. Never touches
 * anything outside that folder.
 */
export function ensureDemoArchive(demoDir: string, options: { nativeBinding?: string; now: number }): void {
  if (fs.existsSync(archivePath(demoDir))) return
  const partial = `${demoDir}.partial-${process.pid}`
  fs.rmSync(partial, { recursive: true, force: true })
  fs.mkdirSync(partial, { recursive: true, mode: 0o700 })
  try {
    const archive = Archive.open(archivePath(partial), { nativeBinding: options.nativeBinding })
    try {
      generateDemoEvents(archive, options.now)
    } finally {
      archive.close()
    }
    fs.rmSync(demoDir, { recursive: true, force: true })
    fs.renameSync(partial, demoDir)
  } catch (error) {
    fs.rmSync(partial, { recursive: true, force: true })
    if (error instanceof AppError) throw error
    throw new AppError('IO', `could not create the demo archive in ${demoDir}: ${String(error)}`, { cause: error })
  }
}

/** Writes the demo accounts and their events into an (empty) archive. */
export function generateDemoEvents(archive: ArchiveApi, now: number, total: number = DEMO_EVENT_COUNT): void {
  const rand = random(0xdec0de)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!
  const hex = (length: number): string => {
    let text = ''
    while (text.length < length) text += Math.floor(rand() * 0x100000000).toString(16).padStart(8, '0')
    return text.slice(0, length)
  }
  // Each repository:tag points at a digest that changes when the tag is pushed again, so the
  // drawer's "Related" shows a believable history.
  const tags = new Map<string, string>()
  const digestOf = (repository: string, tag: string, push: boolean): string => {
    const key = `${repository}:${tag}`
    let digest = tags.get(key)
    if (digest === undefined || push) {
      digest = `sha256:${hex(64)}`
      tags.set(key, digest)
    }
    return digest
  }

  const start = now - DEMO_SPAN_MS
  for (const demo of DEMO_ACCOUNTS) {
    const account = archive.addAccount({ name: demo.name, kind: demo.kind, url: demo.url, options: demo.options })
    const count = Math.round(total * demo.weight)
    // Office hours are busier: times are drawn, then sorted, so the archive fills in time order.
    const times = Array.from({ length: count }, () => {
      const day = Math.floor(rand() * (DEMO_SPAN_MS / 86_400_000))
      const hour = rand() < 0.8 ? 8 + rand() * 10 : rand() * 24
      return start + day * 86_400_000 + Math.floor(hour * 3_600_000)
    }).sort((a, b) => a - b)
    const weights = demo.activities.map((activity) => ACTIVITY_WEIGHTS[activity])
    const weightSum = weights.reduce((sum, weight) => sum + weight, 0)
    const chooseActivity = (): Activity => {
      let roll = rand() * weightSum
      for (let index = 0; index < demo.activities.length; index++) {
        roll -= weights[index]!
        if (roll <= 0) return demo.activities[index]!
      }
      return demo.activities[demo.activities.length - 1]!
    }

    let page: IngestEvent[] = []
    let written = 0
    for (const occurredAt of times) {
      const activity = chooseActivity()
      const repository = pick(REPOSITORIES)
      const tag = rand() < 0.3 ? 'latest' : `${1 + Math.floor(rand() * 3)}.${Math.floor(rand() * 12)}.${Math.floor(rand() * 20)}`
      const digest = digestOf(repository, tag, activity === 'push')
      const actorRoll = rand()
      const actorKind: ActorKind =
        activity === 'promotion' ? 'policy' : activity === 'mirror' || activity === 'scan' ? 'job' : actorRoll < 0.35 ? 'token' : 'user'
      const actor =
        actorKind === 'policy'
          ? `PROMOTION ${hex(8).toUpperCase()}`
          : actorKind === 'job'
            ? activity === 'scan'
              ? 'scanner'
              : 'mirror-job'
            : actorKind === 'token'
              ? pick(BOTS)
              : pick(PEOPLE)
      const failed = rand() < (activity === 'pull' ? 0.04 : 0.015)
      const outcome: Outcome = failed ? 'failure' : 'success'
      const clientIp =
        demo.kind === 'dockerhub' || demo.kind === 'notary'
          ? null
          : actorKind === 'token'
            ? `10.20.${Math.floor(rand() * 8)}.${1 + Math.floor(rand() * 250)}`
            : `192.0.2.${1 + Math.floor(rand() * 250)}`
      const normalised = normalisedFor(demo, {
        occurredAt,
        activity,
        actor,
        actorKind,
        repository,
        tag,
        digest,
        outcome,
        clientIp,
        target: activity === 'member' || activity === 'team' ? pick(PEOPLE) : null
      })
      const raw = rawRecord(demo, normalised, hex)
      // Generated records are unique by construction; a counter is identity enough.
      page.push({ sourceEventId: `${demo.name}-${page.length + written}`, raw, normalised })
      if (page.length === PAGE_SIZE) {
        archive.writePage(account.id, 'demo', page, { generated: true })
        written += page.length
        page = []
      }
    }
    if (page.length > 0) archive.writePage(account.id, 'demo', page, { generated: true })
  }
}

interface Draw {
  occurredAt: number
  activity: Activity
  actor: string
  actorKind: ActorKind
  repository: string
  tag: string
  digest: string
  outcome: Outcome
  clientIp: string | null
  target: string | null
}

const VERB_OF: Record<Activity, Verb> = {
  push: 'CREATE',
  pull: 'GET',
  delete: 'DELETE',
  scan: 'SCAN',
  promotion: 'CREATE',
  mirror: 'SEND',
  'create-repo': 'CREATE',
  sign: 'UPDATE',
  'trust-delete': 'DELETE',
  member: 'UPDATE',
  team: 'UPDATE',
  token: 'CREATE',
  settings: 'UPDATE',
  billing: 'UPDATE',
  sso: 'UPDATE',
  policy: 'UPDATE',
  other: 'UPDATE'
}

const ACTION_OF: Record<Exclude<SourceKind, 'file'>, Partial<Record<Activity, string>>> = {
  dockerhub: {
    push: 'repo.tag.push',
    delete: 'repo.tag.delete',
    'create-repo': 'repo.create',
    member: 'org.member.add',
    team: 'team.member.add',
    token: 'org.accesstoken.create',
    settings: 'org.settings.update',
    billing: 'billing.plan.update',
    sso: 'org.sso.connection.update'
  },
  msr: {
    push: 'TAG CREATE',
    pull: 'TAG GET',
    delete: 'TAG DELETE',
    scan: 'TAG SCAN',
    promotion: 'PROMOTION CREATE',
    mirror: 'MIRROR SEND',
    'create-repo': 'REPOSITORY CREATE',
    policy: 'POLICY UPDATE'
  },
  harbor: {
    push: 'create_artifact',
    pull: 'pull_artifact',
    delete: 'delete_artifact',
    'create-repo': 'create_repository',
    scan: 'scan_artifact'
  },
  quay: {
    push: 'push_repo',
    pull: 'pull_repo',
    delete: 'delete_tag',
    'create-repo': 'create_repo',
    member: 'org_add_team_member'
  },
  ibm: {
    push: 'container-registry.image.push',
    pull: 'container-registry.image.pull',
    delete: 'container-registry.image.delete',
    settings: 'container-registry.quota.set'
  },
  notary: { sign: 'update', 'trust-delete': 'deletion' }
}

const IMAGE_ACTIVITIES = new Set<Activity>(['push', 'pull', 'delete', 'scan', 'promotion', 'mirror', 'sign', 'trust-delete'])

function normalisedFor(demo: DemoAccount, draw: Draw): NormalisedEvent {
  const { activity } = draw
  const imageEvent = IMAGE_ACTIVITIES.has(activity)
  const repoEvent = imageEvent || activity === 'create-repo'
  const verb: Verb = draw.outcome === 'failure' && demo.kind === 'msr' ? 'FAIL' : VERB_OF[activity]
  return {
    occurred_at: draw.occurredAt,
    action: ACTION_OF[demo.kind][activity] ?? activity,
    verb,
    activity,
    outcome: draw.outcome,
    actor: demo.kind === 'notary' ? null : draw.actor,
    actor_kind: demo.kind === 'notary' ? 'unknown' : draw.actorKind,
    namespace: repoEvent ? draw.repository.split('/')[0]! : null,
    repository: repoEvent ? draw.repository : null,
    tag: imageEvent && activity !== 'sign' && activity !== 'trust-delete' ? draw.tag : null,
    digest: imageEvent ? draw.digest : null,
    target: draw.target,
    client_ip: draw.clientIp,
    user_agent: draw.clientIp === null ? null : draw.actorKind === 'token' ? 'containerd/1.7.20' : 'docker/27.3.1 go/go1.22.7',
    label: `${label(activity, draw)}${draw.outcome === 'failure' ? ' (failed)' : ''}`
  }
}

function label(activity: Activity, draw: Draw): string {
  const ref = `${draw.repository}:${draw.tag}`
  switch (activity) {
    case 'push':
      return `${draw.actor} pushed ${ref}`
    case 'pull':
      return `${draw.actor} pulled ${ref}`
    case 'delete':
      return `${draw.actor} deleted ${ref}`
    case 'scan':
      return `${ref} was scanned`
    case 'promotion':
      return `${draw.actor} promoted ${ref}`
    case 'mirror':
      return `${ref} was mirrored`
    case 'create-repo':
      return `${draw.actor} created ${draw.repository}`
    case 'sign':
      return `trust data for ${draw.repository} was updated`
    case 'trust-delete':
      return `trust data for ${draw.repository} was deleted`
    case 'member':
      return `${draw.actor} added ${draw.target ?? 'a member'} to the organisation`
    case 'team':
      return `${draw.actor} added ${draw.target ?? 'a member'} to a team`
    case 'token':
      return `${draw.actor} created an access token`
    case 'settings':
      return `${draw.actor} changed settings`
    case 'billing':
      return `${draw.actor} changed the billing plan`
    case 'sso':
      return `${draw.actor} changed the SSO connection`
    case 'policy':
      return `${draw.actor} changed a policy`
    case 'other':
      return activity
  }
}

/** A record shaped like the source's own (see shared/sources), marked as generated. */
function rawRecord(demo: DemoAccount, event: NormalisedEvent, hex: (length: number) => string): Record<string, unknown> {
  const iso = new Date(event.occurred_at).toISOString()
  const generated = { demo: true }
  switch (demo.kind) {
    case 'dockerhub':
      return {
        account: 'acme',
        action: event.action,
        name: event.repository ?? event.target ?? 'acme',
        actor: event.actor,
        data: event.digest === null ? {} : { digest: event.digest, tag: event.tag ?? '' },
        timestamp: iso.replace(/\.\d{3}Z$/, 'Z'),
        action_description: `${event.label}\n`,
        ...generated
      }
    case 'msr':
      return {
        id: uuid(hex),
        publishedAt: iso,
        actor: event.actor,
        type: event.verb,
        object: { id: event.digest ?? '', type: event.tag === null ? 'REPOSITORY' : 'TAG', name: event.tag ?? '', content: event.digest ?? '' },
        target: { id: hex(12), type: 'REPOSITORY', name: event.repository ?? '' },
        ...generated
      }
    case 'harbor':
      return {
        id: Math.floor(event.occurred_at / 1000),
        username: event.actor,
        resource: event.repository === null ? '' : `${event.repository}@${event.digest ?? ''}`,
        resource_type: 'artifact',
        operation: event.action,
        op_time: iso,
        client_ip: event.client_ip,
        ...generated
      }
    case 'quay':
      return {
        kind: event.action,
        metadata: { repo: event.repository?.split('/')[1], namespace: event.namespace, tag: event.tag, manifest_digest: event.digest },
        ip: event.client_ip,
        datetime: new Date(event.occurred_at).toUTCString().replace('GMT', '-0000'),
        performer: { kind: 'user', name: event.actor, is_robot: event.actor_kind === 'token' },
        ...generated
      }
    case 'ibm':
      return {
        action: event.action,
        eventTime: iso.replace(/(\.\d{2})\dZ$/, '$1+0000'),
        outcome: event.outcome,
        initiator: { name: event.actor, host: { address: event.client_ip ?? '' } },
        target: { name: `${event.repository ?? ''}:${event.tag ?? ''}`, typeURI: 'container-registry/image' },
        ...generated
      }
    case 'notary':
      return {
        ID: uuid(hex),
        CreatedAt: iso,
        GUN: `registry.demo.invalid/${event.repository ?? ''}`,
        Version: 1 + Math.floor(event.occurred_at / 1000) % 50,
        SHA256: (event.digest ?? '').replace('sha256:', ''),
        Category: event.action,
        ...generated
      }
  }
}

function uuid(hex: (length: number) => string): string {
  const h = hex(32)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

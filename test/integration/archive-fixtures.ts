import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ACTIVITIES, OUTCOMES, VERBS, type NormalisedEvent } from '../../src/shared/event'
import { sha256Hex, canonicalJson } from '../../src/main/core/canonical'
import type { IngestEvent } from '../../src/main/core/db/archive-types'

/** Test helpers for the archive tests: temp folders and generated events. */

export interface TempDir {
  dir: string
  file: string
  remove: () => void
}

export function tempArchivePath(): TempDir {
  const dir = mkdtempSync(join(tmpdir(), 'archive-test-'))
  return { dir, file: join(dir, 'archive.db'), remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A small deterministic PRNG (mulberry32), so generated archives are the same every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function ingestEvent(raw: Record<string, unknown>, normalised: Partial<NormalisedEvent> = {}): IngestEvent {
  return {
    sourceEventId: sha256Hex(canonicalJson(raw)),
    raw,
    normalised: {
      occurred_at: 1_700_000_000_000,
      action: 'repo.tag.push',
      verb: 'CREATE',
      activity: 'push',
      outcome: 'success',
      actor: 'alice',
      actor_kind: 'user',
      namespace: 'team',
      repository: 'team/app',
      tag: 'latest',
      digest: null,
      target: null,
      client_ip: null,
      user_agent: null,
      label: 'alice pushed team/app:latest',
      ...normalised
    }
  }
}

const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)] as T

/**
 * `count` varied events: few distinct values per column and repeated timestamps, so sorts meet
 * many ties; some optional fields absent (null); hex digests for prefix filters.
 */
export function generateEvents(count: number, seed = 1): IngestEvent[] {
  const random = prng(seed)
  const actors = ['alice', 'bob', 'carol', 'ci-bot', 'PROMOTION CA5E7822', null]
  const repositories = ['team/app', 'team/api', 'team/[odd]?', 'other/app', 'other/web', 'solo', null]
  const tags = ['latest', 'v1', 'v2', 'main', null]
  const hex = '0123456789abcdef'
  const events: IngestEvent[] = []
  for (let i = 0; i < count; i++) {
    const actor = pick(random, actors)
    const repository = pick(random, repositories)
    const tag = repository === null ? null : pick(random, tags)
    const digest =
      repository === null || random() < 0.2
        ? null
        : `sha256:${Array.from({ length: 8 }, () => pick(random, [...hex])).join('')}`
    const activity = pick(random, ACTIVITIES)
    const occurredAt = 1_700_000_000_000 + Math.floor(random() * 400) * 60_000
    const raw = { seq: i, action: `act.${activity}`, actor, repository, tag, digest, at: occurredAt }
    events.push(
      ingestEvent(raw, {
        occurred_at: occurredAt,
        action: `act.${activity}`,
        verb: pick(random, VERBS),
        activity,
        outcome: pick(random, OUTCOMES),
        actor,
        actor_kind: actor === null ? 'unknown' : 'user',
        namespace: repository?.split('/')[0] ?? null,
        repository,
        tag,
        digest,
        target: random() < 0.1 ? `member-${i % 7}` : null,
        client_ip: random() < 0.5 ? `10.0.${Math.floor(random() * 4)}.${Math.floor(random() * 3)}` : null,
        user_agent: random() < 0.3 ? 'docker/27.0 go/1.22' : null,
        label: `${actor ?? 'someone'} ${activity} ${repository ?? ''}${tag === null ? '' : `:${tag}`}`.trim()
      })
    )
  }
  return events
}

import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/main/core/errors'
import {
  changefeedPath,
  changefeedScope,
  parseChangefeedPage,
  walkChangefeed
} from '../../src/main/core/sources/notary-changefeed'
import { normaliseNotaryChange, splitGun } from '../../src/main/core/sources/notary-normalise'
import { readNotaryCursor } from '../../src/main/core/sources/notary'
import { parseBearerChallenge } from '../../src/main/core/sources/registry-token'

const SHA = 'a4ffcae03710ae61f6d15d20ed5e3f3a6a91ebfd2a4ba7f31fc6308ec6cc3e3d'
/** The contract's example records (sources/3-notary.md), RethinkDB ids as on DTR. */
const UPDATE = {
  ID: '0a60ec31-d2aa-4565-9b74-4171a5083bef',
  CreatedAt: '2024-11-06T18:45:58.428Z',
  GUN: 'dtr.example.org/library/wordpress',
  Version: 7,
  SHA256: SHA,
  Category: 'update'
}
const DELETION = { ...UPDATE, ID: '7f2b9d04-51c3-4b8e-a0f6-3e5d1c2b9a77', CreatedAt: '2024-11-07T09:02:11.105Z', Version: 0, SHA256: '', Category: 'deletion' }
const place = { account: 'a', host: 'notary.example', feed: 'the trust changefeed' }

describe('normaliseNotaryChange', () => {
  it('reads an update: the checksum is the timestamp metadata, never an image digest', () => {
    expect(normaliseNotaryChange(UPDATE)).toEqual({
      occurred_at: Date.parse('2024-11-06T18:45:58.428Z'),
      action: 'trust.update',
      verb: 'UPDATE',
      activity: 'sign',
      outcome: 'success',
      actor: null,
      actor_kind: 'unknown',
      namespace: 'library',
      repository: 'library/wordpress',
      tag: null,
      digest: null,
      target: `timestamp sha256:${SHA}`,
      client_ip: null,
      user_agent: null,
      label: 'trust data of dtr.example.org/library/wordpress updated (timestamp version 7)'
    })
  })

  it('reads a deletion with an empty or blank SHA256', () => {
    for (const sha of ['', '   ', undefined, null]) {
      expect(normaliseNotaryChange({ ...DELETION, SHA256: sha }), String(sha)).toMatchObject({
        action: 'trust.deletion',
        verb: 'DELETE',
        activity: 'trust-delete',
        target: null,
        digest: null,
        label: 'trust data of dtr.example.org/library/wordpress deleted'
      })
    }
  })

  it('reads Go nanosecond times and keys in another case', () => {
    const event = normaliseNotaryChange({ id: '12', created_at: '2026-11-21T08:28:25.462408186Z', gun: 'r.example/team/app', version: 2, sha256: SHA.toUpperCase(), category: 'update' })
    expect(event).toMatchObject({ occurred_at: Date.parse('2026-11-21T08:28:25.462Z'), repository: 'team/app', target: `timestamp sha256:${SHA}` })
  })

  it('keeps an unknown category and an odd checksum as they are', () => {
    expect(normaliseNotaryChange({ ...UPDATE, Category: 'rotation', SHA256: 'abc' })).toMatchObject({
      action: 'trust.rotation',
      verb: 'UPDATE',
      activity: 'other',
      target: 'timestamp abc',
      label: 'trust data of dtr.example.org/library/wordpress: rotation (timestamp version 7)'
    })
  })

  it('refuses records it cannot read', () => {
    for (const raw of [null, [], { ...UPDATE, CreatedAt: 'now' }, { ...UPDATE, GUN: '' }, { ...UPDATE, Category: undefined }]) {
      let caught: unknown
      try {
        normaliseNotaryChange(raw, { account: 'a' })
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(AppError)
      expect((caught as AppError).code).toBe('BAD_RESPONSE')
    }
  })
})

describe('splitGun', () => {
  it('splits a registry host off as Docker does', () => {
    expect(splitGun('docker.io/library/alpine')).toEqual({ host: 'docker.io', repository: 'library/alpine', namespace: 'library' })
    expect(splitGun('127.0.0.1:5000/team/sub/app')).toEqual({ host: '127.0.0.1:5000', repository: 'team/sub/app', namespace: 'team' })
    expect(splitGun('localhost/app')).toEqual({ host: 'localhost', repository: 'app', namespace: null })
    expect(splitGun('team/app')).toEqual({ host: null, repository: 'team/app', namespace: 'team' })
    expect(splitGun('alpine')).toEqual({ host: null, repository: 'alpine', namespace: null })
  })
})

describe('changefeed pages', () => {
  it('reads records: null as empty and numeric IDs as text', () => {
    expect(parseChangefeedPage({ count: 0, records: null }, place)).toEqual({ count: 0, records: [] })
    const page = parseChangefeedPage({ count: 2, records: [{ ...UPDATE, ID: 42 }, DELETION] }, place)
    expect(page.records.map((record) => record.id)).toEqual(['42', DELETION.ID])
    expect(page.records[1]!.raw).toEqual(DELETION)
  })

  it('names what it refuses', () => {
    const cases: Array<[unknown, RegExp]> = [
      [[], /JSON object/],
      [{ count: 1 }, /no "records"/],
      [{ count: 1, records: {} }, /"records" has the wrong type/],
      [{ count: 'one', records: [] }, /"count"/],
      [{ records: [UPDATE, 'x'] }, /record 2 is not an object/],
      [{ records: [{ ...UPDATE, ID: '' }] }, /record 1 has no ID/],
      [{ records: [{ ...UPDATE, Version: '7' }] }, /Version that is not an integer/],
      [{ records: [{ ...UPDATE, SHA256: 7 }] }, /SHA256 that is not a string/]
    ]
    for (const [body, message] of cases) expect(() => parseChangefeedPage(body, place)).toThrow(message)
  })

  it('builds feed paths and scopes, keeping host:port in a GUN', () => {
    expect(changefeedPath()).toBe('/v2/_trust/changefeed')
    expect(changefeedPath('127.0.0.1:5000/team/app')).toBe('/v2/127.0.0.1:5000/team/app/_trust/changefeed')
    expect(changefeedPath('r.example/a b')).toBe('/v2/r.example/a%20b/_trust/changefeed')
    expect(changefeedScope()).toBe('registry:catalog:*')
    expect(changefeedScope('r.example/team/app')).toBe('repository:r.example/team/app:pull')
  })

  it('walks from change_id 0, then after the last ID, until a short page', async () => {
    const asked: string[] = []
    const pages: Record<string, unknown> = {
      '0': { count: 2, records: [{ ...UPDATE, ID: 'u1' }, { ...UPDATE, ID: 'u2' }] },
      u2: { count: 1, records: [{ ...UPDATE, ID: 'u3' }] }
    }
    const steps = []
    for await (const step of walkChangefeed({
      fetch: async (changeId, records) => {
        asked.push(`${changeId}/${records}`)
        return pages[changeId]
      },
      after: null,
      pageSize: 2,
      place
    })) {
      steps.push(step.lastId)
    }
    expect(asked).toEqual(['0/2', 'u2/2'])
    expect(steps).toEqual(['u2', 'u3'])
  })

  it('stops on an empty or null page and refuses a feed that does not advance', async () => {
    const walk = async (answer: unknown, after: string | null): Promise<string[]> => {
      const ids: string[] = []
      for await (const step of walkChangefeed({ fetch: async () => answer, after, pageSize: 1, place })) ids.push(step.lastId)
      return ids
    }
    expect(await walk({ count: 0, records: null }, 'u9')).toEqual([])
    await expect(walk({ count: 1, records: [{ ...UPDATE, ID: 'u9' }] }, 'u9')).rejects.toThrow(/answered with that change again/)
  })
})

describe('readNotaryCursor', () => {
  it('reads both cursor shapes and refuses anything else', () => {
    expect(readNotaryCursor(null)).toBeNull()
    expect(readNotaryCursor({ v: 1, feed: 'global', lastId: '42' })).toEqual({ v: 1, feed: 'global', lastId: '42' })
    expect(readNotaryCursor({ v: 1, feed: 'repositories', lastIds: { 'r.example/a': 'u1' } })).toMatchObject({ feed: 'repositories' })
    for (const bad of [{ v: 1, feed: 'global', lastId: 42 }, { v: 2 }, 'cursor', { v: 1, feed: 'repositories', lastIds: { a: '' } }]) {
      expect(() => readNotaryCursor(bad, 'a')).toThrow(/not a notary changefeed cursor/)
    }
  })
})

describe('parseBearerChallenge', () => {
  it("reads notary-server's challenge", () => {
    expect(
      parseBearerChallenge('Bearer realm="https://127.0.0.1:36455/auth/token",service="notary-server",scope="registry:catalog:*"')
    ).toEqual({ realm: 'https://127.0.0.1:36455/auth/token', service: 'notary-server', scope: 'registry:catalog:*' })
  })

  it('reads error, unquoted values, escapes, and a Bearer challenge after another scheme', () => {
    expect(parseBearerChallenge('Basic realm="x", Bearer realm=https://a/t, service="s \\"q\\"", error="invalid_token"')).toEqual({
      realm: 'https://a/t',
      service: 's "q"',
      error: 'invalid_token'
    })
    expect(parseBearerChallenge('bearer Realm="r",Scope="repository:a/b:pull"')).toEqual({ realm: 'r', scope: 'repository:a/b:pull' })
  })

  it('has nothing for other schemes or a challenge without a realm', () => {
    expect(parseBearerChallenge(undefined)).toBeUndefined()
    expect(parseBearerChallenge('Basic realm="x"')).toBeUndefined()
    expect(parseBearerChallenge('Bearer service="s"')).toBeUndefined()
  })
})

import { describe, expect, it } from 'vitest'
import type { Account } from '../../src/shared/account'
import { canonicalJson, sha256Hex } from '../../src/main/core/canonical'
import { applyPage, startRun, type DockerHubCursor } from '../../src/main/core/sources/dockerhub-cursor'
import { parseRecord } from '../../src/main/core/sources/dockerhub-page'
import { dockerHubImport } from '../../src/main/core/import/dockerhub-import'
import { harborImport } from '../../src/main/core/import/harbor-import'
import { ibmImport } from '../../src/main/core/import/ibm-import'
import type { ImportSource, RecordOutcome } from '../../src/main/core/import/import-source'
import { importSourcesFor } from '../../src/main/core/import/import-sources'
import { msrImport } from '../../src/main/core/import/msr-import'
import { notaryImport } from '../../src/main/core/import/notary-import'
import { quayImport } from '../../src/main/core/import/quay-import'
import { exportedEventReader, isExportedEvent } from '../../src/main/core/import/registry-audit-events'
import { generateDockerHubEvents } from '../sim/dockerhub-events'
import { generateMsrEvents } from '../sim/msr-events'

/**
 * The per-source readers of the import engine: identity exactly as each connector derives it, and
 * the checks that keep another source's records, or an edited export, out of an account.
 */

const account = (kind: Account['kind'], options: Record<string, unknown> = {}): Account => ({
  id: 1,
  name: 'a',
  kind,
  url: 'https://x.example',
  options,
  created_at: 0,
  updated_at: 0
})

function idsOf(source: ImportSource, records: readonly unknown[], options: Record<string, unknown> = {}): string[] {
  const read = source.records(account(source.kind, options))
  return records.map((raw) => {
    const outcome: RecordOutcome = read(raw)
    if (outcome.kind !== 'event') throw new Error(`not an event: ${outcome.kind}`)
    return outcome.event.sourceEventId
  })
}

describe('Docker Hub records', () => {
  it('get the ids the connector walk gives the same page, copies numbered within their second', () => {
    const records = generateDockerHubEvents(300, 41, { org: 'acme' })
    // The walk over all of it as one page, as the connector would read it.
    const cursor: DockerHubCursor = { v: 1, highWater: null }
    const run = startRun(cursor, Date.parse('2025-06-02T00:00:00Z'), 0)
    const step = applyPage({ ...cursor, run }, records.map((raw) => parseRecord(raw)))
    if (step.kind !== 'page') throw new Error(step.kind)
    const walked = step.records.map((record) => record.sourceEventId)
    expect(walked.some((id) => id.endsWith('#2'))).toBe(true)
    expect(idsOf(dockerHubImport, records)).toEqual(walked)
    // Oldest first (a reversed export): the same ids (identical copies are interchangeable).
    expect(idsOf(dockerHubImport, [...records].reverse()).sort()).toEqual([...walked].sort())
  })

  it('checks that an exported event carries the id its raw record gets', () => {
    const [record] = generateDockerHubEvents(1, 42, { org: 'acme' })
    const hash = sha256Hex(canonicalJson(record))
    expect(() => dockerHubImport.checkExported(record, hash)).not.toThrow()
    expect(() => dockerHubImport.checkExported(record, `${hash}#3`)).not.toThrow()
    for (const id of [`${hash}#0`, `${hash}#x`, `${hash}#`, 'other']) {
      expect(() => dockerHubImport.checkExported(record, id)).toThrow('source_event_id is not the id Docker Hub sync gives this raw record')
    }
    expect(() => dockerHubImport.checkExported({ action: 'repo.create' }, hash)).toThrow(/timestamp/)
  })
})

describe('IBM, MSR, Notary, Harbor and Quay records', () => {
  it('IBM: the hash of the event without export metadata; other services skipped', () => {
    const event = { action: 'container-registry.image.push', eventTime: '2025-05-01T10:00:00.00+0000', target: { id: 'crn:x' } }
    const read = ibmImport.records(account('ibm'))
    const plain = read(event)
    const wrapped = read({ _ts: 1, _host: 'h', ...event })
    expect(plain.kind === 'event' && wrapped.kind === 'event' && plain.event.sourceEventId === wrapped.event.sourceEventId).toBe(true)
    expect(read({ ...event, action: 'iam-identity.apikey.login' })).toEqual({ kind: 'skip' })
  })

  it('MSR: the event id, and trust: with the change ID for changefeed records', () => {
    const events = generateMsrEvents(3, 5)
    const change = { ID: 77, CreatedAt: '2025-05-01T10:00:00Z', GUN: 'dtr.example.com/acme/app', Version: 3, SHA256: 'ab'.repeat(32), Category: 'update' }
    expect(idsOf(msrImport, [...events, change])).toEqual([...events.map((event) => event.id), 'trust:77'])
    expect(idsOf(notaryImport, [change, { ...change, ID: '78' }])).toEqual(['77', '78'])
    expect(() => msrImport.checkExported(change, '77')).toThrow(/not the id of this raw MSR event|publishedAt/)
    expect(() => msrImport.checkExported(change, 'trust:77')).not.toThrow()
  })

  it('Harbor: the table (by the fields an AuditLogExt record has) and the id', () => {
    const ext = { id: 5, op_time: '2025-06-03T09:12:44.512Z', operation: 'create', operation_result: true, resource: 'library/nginx:1.27', resource_type: 'artifact', username: 'alice' }
    const { operation_result: _result, ...legacy } = ext
    expect(idsOf(harborImport, [ext, legacy, { ...ext, id: '6' }])).toEqual(['auditlog-exts:5', 'audit-logs:5', 'auditlog-exts:6'])
    expect(() => harborImport.records(account('harbor'))({ ...ext, id: undefined })).toThrow('a Harbor audit record without an id')
    expect(() => harborImport.checkExported(legacy, 'auditlog-exts:5')).toThrow(/not the id Harbor sync gives/)
  })

  it("Quay: the export's end marker is no row; the account's organisation places records without a namespace", () => {
    const log = { kind: 'push_repo', metadata: { repo: 'app', tag: 'v1' }, ip: '192.0.2.1', datetime: 'Tue, 18 Jun 2024 18:59:13 -0000', performer: { kind: 'user', name: 'alice', is_robot: false } }
    const read = quayImport.records(account('quay', { org: 'acme' }))
    expect(read({ terminator: true })).toEqual({ kind: 'ignore' })
    const first = read(log)
    const second = read({ ...log })
    if (first.kind !== 'event' || second.kind !== 'event') throw new Error('not events')
    expect(second.event.sourceEventId).toBe(`${first.event.sourceEventId}#2`)
    expect(first.event.normalised).toMatchObject({ namespace: 'acme', repository: 'acme/app', tag: 'v1', actor: 'alice' })
  })

  it('a file account reads every source; a kind without records reads none', () => {
    expect(importSourcesFor('file').map((source) => source.kind).sort()).toEqual(['dockerhub', 'harbor', 'ibm', 'msr', 'notary', 'quay'])
    expect(importSourcesFor('quay')).toEqual([quayImport])
  })
})

describe("registry-audit's exported events", () => {
  const [record] = generateDockerHubEvents(1, 43, { org: 'acme' })
  const exported = {
    id: 9,
    occurred_at: '2025-06-01T00:00:00.000Z',
    account_id: 3,
    account: 'old-hub',
    label: 'x',
    verb: 'CREATE',
    activity: 'push',
    action: 'repo.tag.push',
    outcome: 'success',
    actor: null,
    actor_kind: 'user',
    namespace: null,
    repository: null,
    tag: null,
    digest: null,
    target: null,
    client_ip: null,
    user_agent: null,
    source_event_id: sha256Hex(canonicalJson(record)),
    raw: record
  }

  it('are told apart from source records, and restore the carried identity, raw record and columns', () => {
    expect(isExportedEvent(exported)).toBe(true)
    expect(isExportedEvent(record)).toBe(false)
    const outcome = exportedEventReader(() => dockerHubImport)(exported)
    expect(outcome).toEqual({
      kind: 'event',
      event: {
        sourceEventId: exported.source_event_id,
        raw: record,
        normalised: {
          occurred_at: Date.parse('2025-06-01T00:00:00.000Z'),
          action: 'repo.tag.push',
          verb: 'CREATE',
          activity: 'push',
          outcome: 'success',
          actor: null,
          actor_kind: 'user',
          namespace: null,
          repository: null,
          tag: null,
          digest: null,
          target: null,
          client_ip: null,
          user_agent: null,
          label: 'x'
        }
      }
    })
  })

  it('are refused with the field at fault, or when no source of the account reads the raw record', () => {
    const read = exportedEventReader(() => dockerHubImport)
    expect(() => read({ ...exported, occurred_at: 'noon' })).toThrow('not an exported event: field "occurred_at": not an ISO 8601 date-time')
    expect(() => read({ ...exported, actor_kind: 'robot' })).toThrow(/^not an exported event: field "actor_kind": /)
    expect(() => read({ ...exported, raw: null })).toThrow('not an exported event: field "raw": missing')
    expect(() => read({ ...exported, raw: { op_time: 'x' } })).toThrow(/^its raw record is not one of Docker Hub's records \(field "timestamp"/)
    expect(() => exportedEventReader(() => undefined)(exported)).toThrow('its raw record is not a record of any source registry-audit reads')
  })
})

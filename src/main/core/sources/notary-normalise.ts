import type { NormalisedEvent } from '../../../shared/event'
import { AppError } from '../errors'
import { changeField } from './notary-changefeed'
import { parseTimestamp } from './dockerhub-page'
import { clipText, withoutControls } from './label-text'

/**
 * Notary changefeed record → normalised event (sources/3-notary.md "Response").
 *
 * - The record says nothing about who acted (server-side timestamp re-signing writes records too),
 *   so `actor` is null and `actor_kind` `unknown`.
 * - `SHA256` is the checksum of the TUF *timestamp* metadata, not of an image: it goes to `target`
 *   as `timestamp sha256:<hex>`, never to `digest`, so a search for an image digest never meets it.
 * - `update` → verb UPDATE, activity `sign` (a new timestamp version was published); `deletion` →
 *   DELETE, `trust-delete` (Version 0, SHA256 empty or blank). Another category, should a later
 *   server add one, is kept as UPDATE/`other`.
 * - `action` is `trust.<Category>`: the category alone ("update") would say nothing in an archive
 *   that mixes sources.
 * - The GUN gives the registry host and the repository, split as Docker splits an image name: the
 *   first part is a host when it has a "." or ":" or is "localhost". The host is shown in the label.
 */

export interface GunParts {
  /** `registry.example.com`, `127.0.0.1:5000`; null when the GUN names no host. */
  host: string | null
  /** `team/app` (the GUN without its host). */
  repository: string
  /** The repository's first part when it has several, else null. */
  namespace: string | null
}

export function splitGun(gun: string): GunParts {
  const parts = gun.split('/')
  const first = parts[0] ?? ''
  const hasHost = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')
  const repositoryParts = hasHost ? parts.slice(1) : parts
  return {
    host: hasHost ? first : null,
    repository: repositoryParts.join('/'),
    namespace: repositoryParts.length > 1 ? (repositoryParts[0] ?? null) : null
  }
}

const SHA256_HEX = /^[0-9a-fA-F]{64}$/

export function normaliseNotaryChange(raw: unknown, context: { account?: string } = {}): NormalisedEvent {
  const bad = (text: string): AppError =>
    new AppError('BAD_RESPONSE', `${context.account ? `${context.account}: ` : ''}a trust changefeed record ${text}`, {
      account: context.account
    })
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('is not an object')
  const record = raw as Record<string, unknown>
  const createdAt = changeField(record, 'CreatedAt')
  const occurredAt = typeof createdAt === 'string' ? parseTimestamp(createdAt) : undefined
  if (occurredAt === undefined) throw bad('has no readable CreatedAt')
  const gun = changeField(record, 'GUN')
  if (typeof gun !== 'string' || gun.trim() === '') throw bad('has no GUN')
  const category = changeField(record, 'Category')
  if (typeof category !== 'string' || category.trim() === '') throw bad('has no Category')
  const version = changeField(record, 'Version')
  const shaValue = changeField(record, 'SHA256')
  const sha = typeof shaValue === 'string' ? shaValue.trim() : ''

  const { host, repository, namespace } = splitGun(gun.trim())
  const kind = category.trim().toLowerCase()
  const versionText = typeof version === 'number' && version > 0 ? ` (timestamp version ${version})` : ''
  const checksum = sha === '' ? null : `timestamp ${SHA256_HEX.test(sha) ? `sha256:${sha.toLowerCase()}` : sha}`
  const where = host === null ? repository : `${host}/${repository}`

  const base = {
    occurred_at: occurredAt,
    action: `trust.${kind}`,
    outcome: 'success' as const,
    actor: null,
    actor_kind: 'unknown' as const,
    namespace,
    repository,
    tag: null,
    digest: null,
    client_ip: null,
    user_agent: null
  }
  if (kind === 'deletion') {
    return { ...base, verb: 'DELETE', activity: 'trust-delete', target: checksum, label: `trust data of ${where} deleted` }
  }
  if (kind === 'update') {
    return { ...base, verb: 'UPDATE', activity: 'sign', target: checksum, label: `trust data of ${where} updated${versionText}` }
  }
  return {
    ...base,
    verb: 'UPDATE',
    activity: 'other',
    target: checksum,
    label: `trust data of ${where}: ${clipText(withoutControls(kind), 80)}${versionText}`
  }
}

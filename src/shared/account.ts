import { z } from 'zod'
import { SOURCE_KINDS } from './event'

/**
 * A configured registry account. `options` holds the kind's own settings (validated by the
 * kind's schema below); the secret is never here: it lives in the keychain, keyed by the name.
 */
export const ACCOUNT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export const accountNameSchema = z
  .string()
  .regex(
    ACCOUNT_NAME_PATTERN,
    'an account name is 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit'
  )

export const dockerHubOptionsSchema = z.object({
  /** The organisation (namespace) whose audit log is read. */
  org: z.string().min(1).max(255),
  /** The username for a PAT, or the organisation name for an organisation access token. */
  username: z.string().min(1).max(255),
  /** How far behind the last high-water mark each incremental run re-reads, in seconds. */
  overlapSeconds: z.number().int().min(0).max(86_400 * 7).optional(),
  /** A PEM file of the CA that signs a private endpoint's certificate (added to the system roots). */
  caFile: z.string().min(1).optional()
})
export type DockerHubOptions = z.infer<typeof dockerHubOptionsSchema>

export const sourceKindSchema = z.enum(SOURCE_KINDS)

export interface Account {
  id: number
  name: string
  kind: z.infer<typeof sourceKindSchema>
  /** Base URL of the source's API. */
  url: string
  options: Record<string, unknown>
  created_at: number
  updated_at: number
}

export const DEFAULT_URLS: Partial<Record<z.infer<typeof sourceKindSchema>, string>> = {
  dockerhub: 'https://hub.docker.com',
  quay: 'https://quay.io'
}

import { QUAY_DEFAULT_URL } from '../../../shared/account-options/quay'
import type { OptionSpecs } from '../command-args'
import { UsageError } from '../usage-error'

/**
 * `account add --kind quay`: Red Hat Quay / quay.io usage logs, turned into the account's URL and
 * settings (src/shared/account-options/quay.ts, which checks the names). `--org`, `--url` and
 * `--ca-file` are shared with other kinds.
 */
export const QUAY_ACCOUNT_ADD_OPTIONS = {
  'ca-file': { type: 'string' },
  repositories: { type: 'string' },
  'backfill-days': { type: 'string' }
} as const satisfies OptionSpecs

export const QUAY_ACCOUNT_ADD_HELP = `  --org ORG            quay: the organisation whose usage logs are read; the token (an OAuth
                       access token of the organisation's OAuth application) needs org:admin
  --repositories A,B   quay: read only these repositories' logs (ORG/NAME, or NAME in ORG)
                       instead of the organisation's; the token then needs repo:admin
  --backfill-days N    quay: days of history the first sync reads (default 30)
  --url URL            quay: the registry's URL (default ${QUAY_DEFAULT_URL})
`

export interface QuayAccountArgs {
  url?: string
  org?: string
  'ca-file'?: string
  repositories?: string
  'backfill-days'?: string
}

/** The URL and settings of a new quay account. Throws UsageError naming what is missing or wrong. */
export function quayAccountRequest(values: QuayAccountArgs, command: string): { url: string; options: Record<string, unknown> } {
  const org = values.org?.trim()
  if (org === undefined || org === '') throw new UsageError('missing --org ORG (the Quay organisation whose usage logs are read)', command)
  let repositories: string[] | undefined
  if (values.repositories !== undefined) {
    const names = values.repositories.split(',').map((name) => name.trim())
    if (names.some((name) => name === '')) {
      throw new UsageError('--repositories takes a comma-separated list of repositories (acme/app,acme/api) with no empty entry', command)
    }
    // A bare name is a repository of the organisation.
    repositories = names.map((name) => (name.includes('/') ? name : `${org}/${name}`))
  }
  let backfillDays: number | undefined
  if (values['backfill-days'] !== undefined) {
    const text = values['backfill-days'].trim()
    backfillDays = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN
    if (!Number.isInteger(backfillDays) || backfillDays < 1 || backfillDays > 3650) {
      throw new UsageError('--backfill-days takes a whole number of days from 1 to 3650', command)
    }
  }
  return {
    url: values.url ?? QUAY_DEFAULT_URL,
    options: {
      org,
      ...(repositories === undefined ? {} : { repositories }),
      ...(backfillDays === undefined ? {} : { backfillDays }),
      ...(values['ca-file'] === undefined ? {} : { caFile: values['ca-file'] })
    }
  }
}

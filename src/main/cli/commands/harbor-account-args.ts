import type { OptionSpecs } from '../command-args'
import { UsageError } from '../usage-error'

/**
 * `account add --kind harbor`: Harbor 2.3+ or Mirantis Secure Registry 4, turned into the
 * account's URL and settings (src/shared/account-options/harbor.ts). `--username`, `--url` and
 * `--ca-file` are shared with other kinds.
 */
export const HARBOR_ACCOUNT_ADD_OPTIONS = {
  'ca-file': { type: 'string' }
} as const satisfies OptionSpecs

export const HARBOR_ACCOUNT_ADD_HELP = `  --url URL            harbor: the Harbor or MSR 4 URL (https://harbor.example.com)
  --username USER      harbor: a system admin, or a robot account by its full name (robot$auditor)
                       with the system permission "audit-log: list"; the token is the password,
                       CLI secret or robot secret. Other users see only some projects' logs
  --ca-file FILE       harbor: PEM file of the CA that signed the server's certificate
`

export interface HarborAccountArgs {
  url?: string
  username?: string
  'ca-file'?: string
}

/** The URL and settings of a new harbor account. Throws UsageError naming what is missing. */
export function harborAccountRequest(values: HarborAccountArgs, command: string): { url: string; options: Record<string, unknown> } {
  if (values.url === undefined) throw new UsageError('missing --url URL (the Harbor or MSR 4 address, e.g. https://harbor.example.com)', command)
  if (values.username === undefined) {
    throw new UsageError('missing --username USER (a Harbor system admin, or a robot account such as robot$auditor)', command)
  }
  return {
    url: values.url,
    options: {
      username: values.username,
      ...(values['ca-file'] === undefined ? {} : { caFile: values['ca-file'] })
    }
  }
}

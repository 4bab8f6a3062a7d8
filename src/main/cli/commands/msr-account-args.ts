import type { OptionSpecs } from '../command-args'
import { UsageError } from '../usage-error'

/**
 * `account add --kind msr`: Docker Trusted Registry / Mirantis Secure Registry 2.x–3.x, turned
 * into the account's URL and settings (src/shared/account-options/msr.ts). `--username` and
 * `--url` are account add's own options.
 */
export const MSR_ACCOUNT_ADD_OPTIONS = {
  'ca-file': { type: 'string' },
  'with-trust': { type: 'boolean' }
} as const satisfies OptionSpecs

export const MSR_ACCOUNT_ADD_HELP = `  --url URL            msr: the registry's URL (https://dtr.example.com); MSR 4 is Harbor-based:
                       use --kind harbor for it
  --username USER      msr: the user whose password or access token is the token
  --ca-file FILE       msr, notary: PEM file of the CA that signed the server's certificate
  --with-trust         msr: also read the registry's Notary trust changefeed
`

export interface MsrAccountArgs {
  url?: string
  username?: string
  'ca-file'?: string
  'with-trust'?: boolean
}

/** The URL and settings of a new msr account. Throws UsageError naming what is missing. */
export function msrAccountRequest(values: MsrAccountArgs, command: string): { url: string; options: Record<string, unknown> } {
  if (values.url === undefined) throw new UsageError('missing --url URL (the DTR/MSR address, e.g. https://dtr.example.com)', command)
  if (values.username === undefined) {
    throw new UsageError('missing --username USER (the DTR/MSR user whose password or access token is the token)', command)
  }
  return {
    url: values.url,
    options: {
      username: values.username,
      ...(values['ca-file'] === undefined ? {} : { caFile: values['ca-file'] }),
      ...(values['with-trust'] === true ? { withTrust: true } : {})
    }
  }
}

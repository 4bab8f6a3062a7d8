import { NOTARY_AUTH_MODES, type NotaryAuthMode } from '../../../shared/account-options/notary'
import type { OptionSpecs } from '../command-args'
import { UsageError } from '../usage-error'

/**
 * `account add --kind notary`: a notary-server's trust changefeed, turned into the account's URL
 * and settings (src/shared/account-options/notary.ts). `--username`, `--url` and `--ca-file` are
 * shared with other kinds.
 */
export const NOTARY_ACCOUNT_ADD_OPTIONS = {
  'ca-file': { type: 'string' },
  auth: { type: 'string' },
  repositories: { type: 'string' },
  'token-realm': { type: 'string' }
} as const satisfies OptionSpecs

export const NOTARY_ACCOUNT_ADD_HELP = `  --url URL            notary: the notary-server's URL (https://notary.example.com)
  --auth MODE          notary: none (default), token (the registry token flow with --username and
                       the token as password) or bearer (the token is a bearer token)
  --username USER      notary: the user for the token service (--auth token)
  --repositories A,B   notary: read only these GUNs' changefeeds (registry.example.com/team/app,…)
                       instead of the global one, which needs an admin's token
  --token-realm URL    notary: the token service to use instead of the one the server names
                       (needed when it is on another host than --url)
`

export interface NotaryAccountArgs {
  url?: string
  username?: string
  'ca-file'?: string
  auth?: string
  repositories?: string
  'token-realm'?: string
}

export interface NotaryAccountRequest {
  url: string
  options: Record<string, unknown>
  /** False for --auth none: no token is asked for. */
  needsToken: boolean
}

/** The URL and settings of a new notary account. Throws UsageError naming what is missing or wrong. */
export function notaryAccountRequest(values: NotaryAccountArgs, command: string): NotaryAccountRequest {
  if (values.url === undefined) throw new UsageError('missing --url URL (the notary-server address)', command)
  const auth = values.auth ?? 'none'
  if (!(NOTARY_AUTH_MODES as readonly string[]).includes(auth)) {
    throw new UsageError(`unknown --auth "${auth}": expected ${NOTARY_AUTH_MODES.join(', ')}`, command)
  }
  const mode = auth as NotaryAuthMode
  if (mode === 'token' && values.username === undefined) {
    throw new UsageError('--auth token needs --username USER (the user for the token service)', command)
  }
  if (mode !== 'token' && values.username !== undefined) throw new UsageError('--username is used with --auth token only', command)
  if (mode !== 'token' && values['token-realm'] !== undefined) throw new UsageError('--token-realm is used with --auth token only', command)
  let repositories: string[] | undefined
  if (values.repositories !== undefined) {
    repositories = values.repositories
      .split(',')
      .map((gun) => gun.trim())
      .filter((gun) => gun !== '')
    if (repositories.length === 0) throw new UsageError('--repositories lists no GUN', command)
  }
  return {
    url: values.url,
    options: {
      ...(mode === 'none' ? {} : { authMode: mode }),
      ...(values.username === undefined ? {} : { username: values.username }),
      ...(repositories === undefined ? {} : { repositories }),
      ...(values['ca-file'] === undefined ? {} : { caFile: values['ca-file'] }),
      ...(values['token-realm'] === undefined ? {} : { tokenRealm: values['token-realm'] })
    },
    needsToken: mode !== 'none'
  }
}

import { DEFAULT_URLS, dockerHubOptionsSchema } from '../../../shared/account'
import type { TokenStorage } from '../../../shared/contract'
import type { SourceKind } from '../../../shared/event'

/**
 * The add/edit account form for each source kind the core can sync: its option fields, default
 * URL and what its token is called. A kind appears here once its connector exists.
 */
export interface OptionField {
  key: string
  label: string
  hint: string
}

export interface KindForm {
  kind: SourceKind
  label: string
  defaultUrl: string
  fields: readonly OptionField[]
  tokenLabel: string
  tokenHint: string
  /** Checks the option values; returns the first problem per field. */
  validate: (options: Record<string, string>) => Record<string, string>
}

export const ACCOUNT_FORMS: readonly KindForm[] = [
  {
    kind: 'dockerhub',
    label: 'Docker Hub organisation',
    defaultUrl: DEFAULT_URLS.dockerhub ?? 'https://hub.docker.com',
    fields: [
      { key: 'org', label: 'Organisation', hint: 'The organisation whose audit log is read.' },
      {
        key: 'username',
        label: 'Username',
        hint: 'The Docker ID that owns the access token, or the organisation name for an organisation access token.'
      }
    ],
    tokenLabel: 'Access token',
    tokenHint: 'A personal access token of an organisation owner, or an organisation access token.',
    validate: (options) => {
      const parsed = dockerHubOptionsSchema.safeParse(options)
      const problems: Record<string, string> = {}
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const key = String(issue.path[0] ?? '')
          if (problems[key] === undefined) problems[key] = options[key]?.trim() === '' || options[key] === undefined ? 'Required' : issue.message
        }
      }
      return problems
    }
  }
]

export function formFor(kind: SourceKind): KindForm | undefined {
  return ACCOUNT_FORMS.find((form) => form.kind === kind)
}

/**
 * The form for an existing account of a kind this build cannot edit yet (the demo archive holds
 * every kind): URL, token and schedule only; its options are kept as they are.
 */
export function fallbackForm(kind: SourceKind, url: string): KindForm {
  return {
    kind,
    label: kind,
    defaultUrl: url,
    fields: [],
    tokenLabel: 'Token',
    tokenHint: `This build edits the options of ${kind} accounts from the command line only.`,
    validate: () => ({})
  }
}

/** What the token field says about the stored token (it never shows the token itself). */
export function tokenStatusText(storage: TokenStorage): string {
  switch (storage) {
    case 'keychain':
      return 'Stored in keychain'
    case 'session':
      return 'Session only — no keychain available; enter it again after a restart'
    case 'environment':
      return 'Taken from an environment variable'
    case 'none':
      return 'No token stored'
  }
}

import { DEFAULT_URLS, type Account } from '../../shared/account'
import type { ConnectionTestReport, TestConnectionInput } from '../../shared/contract'
import { AppError, toAppError } from './errors'
import type { TokenStore } from './secrets/token-store'
import { ACCOUNT_OPTION_SCHEMAS, checkUrl } from './service'
import { createConnector } from './sources/index'

type Draft = Extract<TestConnectionInput, { draft: unknown }>

/**
 * "Test connection" in the add/edit form, before anything is saved: the same checks addAccount
 * makes, then the connector's own test with the token typed into the form (or, when editing,
 * the one already stored for that name). Nothing is written anywhere.
 */
export async function testDraftConnection(
  input: Draft,
  tokens: TokenStore,
  options: { signal?: AbortSignal } = {}
): Promise<ConnectionTestReport> {
  const { draft } = input
  const schema = ACCOUNT_OPTION_SCHEMAS[draft.kind]
  if (schema === undefined) {
    throw new AppError('INVALID_INPUT', `kind ${draft.kind} is not supported yet`, { account: draft.name })
  }
  const parsed = schema.safeParse(draft.options)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''
    throw new AppError('INVALID_INPUT', `bad ${draft.kind} settings — ${where}${issue?.message ?? 'not accepted'}`, {
      account: draft.name
    })
  }
  const baseUrl = draft.url ?? DEFAULT_URLS[draft.kind]
  if (baseUrl === undefined) throw new AppError('INVALID_INPUT', `a ${draft.kind} account needs a URL`, { account: draft.name })
  const account: Account = {
    id: 0,
    name: draft.name,
    kind: draft.kind,
    url: checkUrl(baseUrl, draft.name),
    options: parsed.data,
    created_at: 0,
    updated_at: 0
  }
  const token = input.token ?? tokens.get(draft.name)?.token
  if (token === undefined) {
    throw new AppError('NO_TOKEN', `enter a token for ${draft.name} to test the connection`, { account: draft.name })
  }
  try {
    const result = await createConnector(account).testConnection({
      account: account.name,
      getToken: () => Promise.resolve(token),
      signal: options.signal ?? new AbortController().signal,
      notify: () => {}
    })
    return { details: result.details, warnings: result.warnings }
  } catch (error) {
    const failure = toAppError(error)
    if (failure.account === account.name) throw failure
    throw new AppError(failure.code, failure.message, { account: account.name, status: failure.status })
  }
}

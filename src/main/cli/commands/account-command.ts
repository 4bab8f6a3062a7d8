import { envVarName } from '../../core/secrets/token-store'
import type { AccountSummary, TokenPlacement } from '../../core/service'
import type { SyncElsewhere } from '../../../shared/contract'
import { INTERRUPTED_RUN_MESSAGE } from '../../../shared/sync'
import { noExtraPositionals, parseCommand, requirePositional } from '../command-args'
import type { CommandContext } from '../command-context'
import { COMMAND_HELP } from '../help-text'
import { promptForToken, readTokenFromStdin } from '../read-token'
import { inertJson, inertText } from '../terminal-text'
import { HARBOR_ACCOUNT_ADD_OPTIONS, harborAccountRequest } from './harbor-account-args'
import { IBM_ACCOUNT_ADD_OPTIONS, ibmAccountRequest } from './ibm-account-args'
import { MSR_ACCOUNT_ADD_OPTIONS, msrAccountRequest } from './msr-account-args'
import { NOTARY_ACCOUNT_ADD_OPTIONS, notaryAccountRequest } from './notary-account-args'
import { QUAY_ACCOUNT_ADD_OPTIONS, quayAccountRequest } from './quay-account-args'
import { UsageError } from '../usage-error'
import { SOURCE_KINDS, type SourceKind } from '../../../shared/event'
import { PROGRAM } from '../error-line'

const SUPPORTED_KINDS = 'dockerhub, harbor, msr, notary, quay, ibm or file'

/** `registry-audit account add|list|remove|test|set-token`. */
export async function runAccountCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args
  switch (sub) {
    case 'add':
      return addAccount(ctx, rest)
    case 'list':
      return listAccounts(ctx, rest)
    case 'remove':
      return removeAccount(ctx, rest)
    case 'test':
      return testAccount(ctx, rest)
    case 'set-token':
      return setToken(ctx, rest)
    case undefined:
    case '--help':
    case '-h':
      if (sub === undefined) throw new UsageError('missing subcommand: add, list, remove, test or set-token', 'account')
      await ctx.print(COMMAND_HELP.account ?? '')
      return 0
    default:
      throw new UsageError(`unknown subcommand "${sub}": expected add, list, remove, test or set-token`, 'account')
  }
}

async function addAccount(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'account add'
  const { values, positionals } = parseCommand(command, args, {
    kind: { type: 'string' },
    org: { type: 'string' },
    username: { type: 'string' },
    url: { type: 'string' },
    'token-stdin': { type: 'boolean' },
    ...HARBOR_ACCOUNT_ADD_OPTIONS,
    ...IBM_ACCOUNT_ADD_OPTIONS,
    ...MSR_ACCOUNT_ADD_OPTIONS,
    ...NOTARY_ACCOUNT_ADD_OPTIONS,
    ...QUAY_ACCOUNT_ADD_OPTIONS
  })
  if (values.help === true) return help(ctx, command)
  const name = requirePositional(positionals, 0, 'the account NAME', command)
  noExtraPositionals(positionals, 1, command)
  if (values.kind === undefined) throw new UsageError(`missing --kind (${SUPPORTED_KINDS})`, command)
  if (!(SOURCE_KINDS as readonly string[]).includes(values.kind)) {
    throw new UsageError(`unknown --kind "${values.kind}": expected ${SUPPORTED_KINDS}`, command)
  }
  const kind = values.kind as SourceKind
  const fromStdin = values['token-stdin'] === true
  switch (kind) {
    case 'harbor':
      return addAccountRequest(ctx, name, kind, harborAccountRequest(values, command), fromStdin, command)
    case 'ibm':
      return addAccountRequest(ctx, name, kind, ibmAccountRequest(values, command), fromStdin, command)
    case 'msr':
      return addAccountRequest(ctx, name, kind, msrAccountRequest(values, command), fromStdin, command)
    case 'notary': {
      const { needsToken, ...settings } = notaryAccountRequest(values, command)
      return addAccountRequest(ctx, name, kind, settings, fromStdin, command, needsToken)
    }
    case 'quay':
      return addAccountRequest(ctx, name, kind, quayAccountRequest(values, command), fromStdin, command)
    case 'file':
      // Filled only by `import`: no server, no token.
      return addAccountRequest(ctx, name, kind, { options: {} }, fromStdin, command, false)
    case 'dockerhub':
      break
  }
  if (values.org === undefined) throw new UsageError('missing --org ORG (the Docker Hub organisation)', command)
  if (values.username === undefined) {
    throw new UsageError('missing --username USER (your username, or the organisation for an organisation token)', command)
  }

  return addAccountRequest(
    ctx,
    name,
    kind,
    { ...(values.url === undefined ? {} : { url: values.url }), options: { org: values.org, username: values.username } },
    values['token-stdin'] === true,
    command
  )
}

/** Checks the new account, asks for its token, stores both and says where the token went. */
async function addAccountRequest(
  ctx: CommandContext,
  name: string,
  kind: SourceKind,
  settings: { url?: string; options: Record<string, unknown> },
  tokenFromStdin: boolean,
  command: string,
  needsToken = true
): Promise<number> {
  const request = { name, kind, ...settings }
  // Refuse a bad or duplicate account before asking for a token that would be thrown away.
  ctx.service.checkNewAccount(request)
  // An anonymous notary-server (--auth none) has no secret to ask for.
  const token = needsToken ? await obtainToken(ctx, name, tokenFromStdin, command) : undefined
  const { account, tokenStorage } = ctx.service.addAccount({ ...request, ...(token === undefined ? {} : { token }) })
  await ctx.print(
    `added account ${inertText(account.name)} (${account.kind}, ${describeOptions(account.options)}, ${inertText(account.url)})\n` +
      `token: ${describePlacement(tokenStorage, token !== undefined)}\n`
  )
  return 0
}

/**
 * The token for `account add` / `set-token`: stdin with --token-stdin, else a prompt on a
 * terminal. With neither, an account whose token comes from the environment needs none.
 */
async function obtainToken(
  ctx: CommandContext,
  name: string,
  fromStdin: boolean,
  command: string
): Promise<string | undefined> {
  const { stdin, stderr } = ctx.io
  let token: string
  if (fromStdin) {
    token = await readTokenFromStdin(stdin)
  } else if (stdin.isTTY === true) {
    token = await promptForToken(stdin, `Token for ${inertText(name)} (not shown): `, stderr)
  } else {
    const envVar = envVarName(name)
    if (command === 'account add' && (ctx.io.env[envVar] ?? '').trim() !== '') return undefined
    throw new UsageError(`no token: standard input is not a terminal, so give --token-stdin (or set ${envVar})`, command)
  }
  if (token.trim() === '') throw new UsageError('the token is empty', command)
  ctx.secrets.add(token.trim())
  return token
}

function describePlacement(placement: TokenPlacement, given: boolean): string {
  switch (placement.storage) {
    case 'keychain':
      return 'stored in the OS keychain'
    case 'session':
      return `no keychain available${whyNoKeychain(placement.reason)}: kept for this run only; set ${placement.envVar} for later runs`
    case 'environment':
      return given ? `stored; ${placement.envVar} overrides it` : `none stored; ${placement.envVar} supplies it`
    case 'none':
      return `none; set one with "${PROGRAM} account set-token" or ${placement.envVar}`
  }
}

/** The keychain's refusal, when it is more than "there is none". */
function whyNoKeychain(reason: string | undefined): string {
  return reason === undefined || /no OS keychain is available/i.test(reason) ? '' : ` (${inertText(reason)})`
}

function describeOptions(options: Record<string, unknown>): string {
  return Object.entries(options)
    .map(([key, value]) => `${key} ${inertText(String(value))}`)
    .join(', ')
}

async function listAccounts(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'account list'
  const { values, positionals } = parseCommand(command, args, { json: { type: 'boolean' } })
  if (values.help === true) return help(ctx, command)
  noExtraPositionals(positionals, 0, command)
  const accounts = ctx.service.listAccounts()
  if (values.json === true) {
    await ctx.print(`${inertJson(JSON.stringify(accounts.map(accountJson), null, 2))}\n`)
    return 0
  }
  if (accounts.length === 0) {
    await ctx.note(`no accounts; add one with "${PROGRAM} account add NAME --kind dockerhub ..."\n`)
    return 0
  }
  const rows = accounts.map((account) => [
    account.name,
    account.kind,
    account.url,
    Object.entries(account.options)
      .map(([key, value]) => `${key}=${String(value)}`)
      .join(' '),
    account.token,
    describeLastSync(account, account.lastSync?.status === 'running' ? ctx.service.syncElsewhere(account) : null)
  ])
  await ctx.print(alignColumns([['NAME', 'KIND', 'URL', 'SETTINGS', 'TOKEN', 'LAST SYNC'], ...rows]))
  return 0
}

function accountJson(account: AccountSummary): Record<string, unknown> {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())
  return {
    id: account.id,
    name: account.name,
    kind: account.kind,
    url: account.url,
    options: account.options,
    token: account.token,
    created_at: iso(account.created_at),
    updated_at: iso(account.updated_at),
    last_sync:
      account.lastSync === null
        ? null
        : {
            status: account.lastSync.status,
            started_at: iso(account.lastSync.started_at),
            finished_at: iso(account.lastSync.finished_at),
            pages: account.lastSync.pages,
            inserted: account.lastSync.inserted,
            duplicates: account.lastSync.duplicates,
            error: account.lastSync.error
          }
  }
}

/**
 * A run still marked running is never this process's (the CLI lists before it syncs): another
 * live process holds the account's lock, or the process that ran it died.
 */
function describeLastSync(account: AccountSummary, elsewhere: SyncElsewhere | null): string {
  const run = account.lastSync
  if (run === null) return 'never'
  const when = new Date(run.started_at).toISOString().slice(0, 16).replace('T', ' ') + 'Z'
  switch (run.status) {
    case 'ok':
      return `${when} ok, ${run.inserted} new`
    case 'running':
      if (elsewhere === null) return `${when} ${INTERRUPTED_RUN_MESSAGE}`
      return `${when} running in another process (pid ${elsewhere.pid}${elsewhere.sameHost ? '' : ` on ${inertText(elsewhere.host)}`})`
    case 'cancelled':
      return `${when} cancelled`
    case 'failed':
      return `${when} failed: ${run.error?.code ?? 'unknown error'}`
  }
}

/** Left-aligned columns two spaces apart; every cell made inert. */
function alignColumns(rows: string[][]): string {
  const cells = rows.map((row) => row.map(inertText))
  const widths: number[] = []
  for (const row of cells) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)))
  return cells
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '))
    .join('\n')
    .concat('\n')
}

async function removeAccount(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'account remove'
  const { values, positionals } = parseCommand(command, args, { 'purge-events': { type: 'boolean' } })
  if (values.help === true) return help(ctx, command)
  const name = requirePositional(positionals, 0, 'the account NAME', command)
  noExtraPositionals(positionals, 1, command)
  const purge = values['purge-events'] === true
  const result = ctx.service.removeAccount(name, { purgeEvents: purge })
  const token = result.tokenRemoved ? 'its token was removed from the OS keychain' : 'no token was stored'
  const events = purge
    ? `${result.eventsDeleted} events deleted`
    : 'its events stay in the archive (--purge-events deletes them)'
  await ctx.print(`removed account ${inertText(name)}; ${token}; ${events}\n`)
  return 0
}

async function testAccount(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'account test'
  const { values, positionals } = parseCommand(command, args, {})
  if (values.help === true) return help(ctx, command)
  const name = requirePositional(positionals, 0, 'the account NAME', command)
  noExtraPositionals(positionals, 1, command)
  const report = await ctx.service.testConnection(name)
  const lines = [
    `${inertText(name)}: ok`,
    ...report.details.map((line) => `  ${inertText(line)}`),
    ...report.warnings.map((line) => `  warning: ${inertText(line)}`)
  ]
  await ctx.print(`${lines.join('\n')}\n`)
  return 0
}

async function setToken(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'account set-token'
  const { values, positionals } = parseCommand(command, args, { 'token-stdin': { type: 'boolean' } })
  if (values.help === true) return help(ctx, command)
  const name = requirePositional(positionals, 0, 'the account NAME', command)
  noExtraPositionals(positionals, 1, command)
  ctx.service.getAccount(name)
  const token = await obtainToken(ctx, name, values['token-stdin'] === true, command)
  if (token === undefined) throw new UsageError('no token given', command)
  const placement = ctx.service.setToken(name, token)
  await ctx.print(`token for ${inertText(name)}: ${describePlacement(placement, true)}\n`)
  return 0
}

async function help(ctx: CommandContext, command: string): Promise<number> {
  await ctx.print(COMMAND_HELP[command] ?? '')
  return 0
}

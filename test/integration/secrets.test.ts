import { randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Entry, findCredentials } from '@napi-rs/keyring'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../src/main/core/errors'
import { envVarName, KEYCHAIN_SERVICE, TokenStore } from '../../src/main/core/secrets/token-store'
import { spawnSync } from 'node:child_process'
import { fixturePath, REPO_ROOT, runTsx } from './fixtures/tsx-process'

/**
 * Against the real Secret Service: run under /work/shared/tools/with-keyring (CI does). Without
 * one the keychain tests skip, unless REQUIRE_KEYCHAIN=1 makes that a failure.
 */
const SKIP_REASON = 'no Secret Service (run under with-keyring)'
const SERVICE = `${KEYCHAIN_SERVICE}-test-${process.pid}-${randomUUID().slice(0, 8)}`
const CHILD = fixturePath('token-store-child.ts')

const keychainReachable = new TokenStore({ service: SERVICE }).keychainAvailable()
/** The shared tool that starts a private D-Bus session with an unlocked GNOME Keyring. */
const WITH_KEYRING = process.env.WITH_KEYRING ?? path.resolve(REPO_ROOT, '../shared/tools/with-keyring')

interface ChildOutput {
  keychainAvailable?: boolean
  result?: unknown
  error?: { code: string; message: string }
}

async function child(
  op: string,
  account: string,
  options: { input?: string; env?: NodeJS.ProcessEnv } = {}
): Promise<ChildOutput> {
  const run = await runTsx(CHILD, [SERVICE, op, account], {
    input: options.input,
    env: options.env ?? withoutTokenEnv(process.env)
  })
  const line = run.stdout.trim().split('\n').pop() ?? ''
  if (line === '') throw new Error(`child printed nothing (code ${run.code}): ${run.stderr}`)
  return JSON.parse(line) as ChildOutput
}

/** A token variable inherited from the developer's shell must not leak into what we test. */
function withoutTokenEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('REGISTRY_AUDIT_TOKEN_')))
}

function token(): string {
  return `dckr_pat_${randomUUID()}`
}

function expectNoToken(error: unknown, secret: string): void {
  expect(error).toBeInstanceOf(AppError)
  const appError = error as AppError
  expect(appError.message).not.toContain(secret)
  expect(String(appError.stack)).not.toContain(secret)
}

beforeAll(() => {
  if (!keychainReachable && process.env.REQUIRE_KEYCHAIN === '1') {
    throw new Error(`REQUIRE_KEYCHAIN=1 but ${SKIP_REASON}`)
  }
})

afterAll(() => {
  if (!keychainReachable) return
  for (const credential of findCredentials(SERVICE)) {
    new Entry(SERVICE, credential.account, { linux: { store: 'secret-service' } }).deleteCredential()
  }
})

describe('envVarName', () => {
  it('upper-cases the account and turns every other character into _', () => {
    expect(envVarName('hub')).toBe('REGISTRY_AUDIT_TOKEN_HUB')
    expect(envVarName('acme.prod-hub_2')).toBe('REGISTRY_AUDIT_TOKEN_ACME_PROD_HUB_2')
    expect(envVarName('Team9')).toBe('REGISTRY_AUDIT_TOKEN_TEAM9')
  })
})

describe('TokenStore without the keychain', () => {
  it('takes REGISTRY_AUDIT_TOKEN_<ACCOUNT> for the run, without storing it', () => {
    const secret = token()
    const store = new TokenStore({ service: SERVICE, env: { REGISTRY_AUDIT_TOKEN_CI_HUB: `${secret}\n` } })
    expect(store.get('ci.hub')).toEqual({ token: secret, source: 'env' })
    expect(store.status('ci.hub')).toBe('env')
    expect(store.status('other')).toBe('missing')
    // Only that account's variable counts.
    expect(new TokenStore({ service: SERVICE, env: {} }).status('ci.hub')).toBe('missing')
  })

  it('refuses bad input with a typed error that does not repeat the token', () => {
    const secret = token()
    const store = new TokenStore({ service: SERVICE, env: {} })
    for (const call of [
      () => store.set('not a name!', secret),
      () => store.set('hub', '   '),
      () => store.set('hub', `${secret}\u0007x`)
    ]) {
      let thrown: unknown
      try {
        call()
      } catch (error) {
        thrown = error
      }
      expectNoToken(thrown, secret)
      expect((thrown as AppError).code).toBe('INVALID_INPUT')
    }
  })

  it('holds the token for the process only when no Secret Service answers, and says so', async () => {
    const noBus = mkdtempSync(path.join(os.tmpdir(), 'no-bus-'))
    try {
      const socket = path.join(noBus, 'bus')
      expect(existsSync(socket)).toBe(false)
      const env = { ...withoutTokenEnv(process.env), DBUS_SESSION_BUS_ADDRESS: `unix:path=${socket}` }
      const secret = token()
      const account = `session-${randomUUID().slice(0, 8)}`

      const stored = await child('set', account, { input: secret, env })
      expect(stored.error).toBeUndefined()
      // The child really could not reach a keychain...
      expect(stored.keychainAvailable).toBe(false)
      // ...so it kept the token itself, said so, and could use it.
      expect(stored.result).toMatchObject({
        storage: 'session',
        reason: expect.any(String),
        readBack: { token: secret, source: 'session' }
      })
      expect(JSON.stringify((stored.result as { reason: string }).reason)).not.toContain(secret)

      // Gone with the process: nothing reached a keychain another process could read.
      expect((await child('status', account, { env })).result).toBe('missing')
      if (keychainReachable) {
        expect(new TokenStore({ service: SERVICE, env: {} }).status(account)).toBe('missing')
        expect((await child('status', account)).result).toBe('missing')
      }
    } finally {
      rmSync(noBus, { recursive: true, force: true })
    }
  })
})

describe('TokenStore with the real Secret Service', () => {
  it('sets, gets and deletes a token', (ctx) => {
    if (!keychainReachable) return ctx.skip(SKIP_REASON)
    const store = new TokenStore({ service: SERVICE, env: {} })
    const account = `round-${randomUUID().slice(0, 8)}`
    const secret = token()
    expect(store.status(account)).toBe('missing')
    expect(store.get(account)).toBeUndefined()
    expect(store.set(account, secret)).toEqual({ storage: 'keychain' })
    expect(store.get(account)).toEqual({ token: secret, source: 'keychain' })
    expect(store.status(account)).toBe('keychain')

    const replaced = token()
    store.set(account, replaced)
    expect(store.get(account)?.token).toBe(replaced)

    expect(store.delete(account)).toBe(true)
    expect(store.delete(account)).toBe(false)
    expect(store.get(account)).toBeUndefined()
    expect(store.status(account)).toBe('missing')
  })

  it('keeps the token in the keychain: a new store and another process read it', async (ctx) => {
    if (!keychainReachable) return ctx.skip(SKIP_REASON)
    const account = `shared-${randomUUID().slice(0, 8)}`
    const secret = token()
    expect(new TokenStore({ service: SERVICE, env: {} }).set(account, secret).storage).toBe('keychain')

    expect(new TokenStore({ service: SERVICE, env: {} }).get(account)).toEqual({ token: secret, source: 'keychain' })
    const read = await child('get', account)
    expect(read).toEqual({ keychainAvailable: true, result: { token: secret, source: 'keychain' } })

    // And the other way round: a token another process stores, this one reads.
    const fromChild = token()
    const written = await child('set', account, { input: fromChild })
    expect(written.result).toMatchObject({ storage: 'keychain' })
    expect(new TokenStore({ service: SERVICE, env: {} }).get(account)?.token).toBe(fromChild)

    expect((await child('delete', account)).result).toBe(true)
    expect(new TokenStore({ service: SERVICE, env: {} }).status(account)).toBe('missing')
  })

  it('lets the environment variable win for one run, leaving the stored token as it was', async (ctx) => {
    if (!keychainReachable) return ctx.skip(SKIP_REASON)
    const account = `cron-${randomUUID().slice(0, 8)}`
    const stored = token()
    const fromEnv = token()
    new TokenStore({ service: SERVICE, env: {} }).set(account, stored)

    const withEnv = new TokenStore({ service: SERVICE, env: { [envVarName(account)]: fromEnv } })
    expect(withEnv.get(account)).toEqual({ token: fromEnv, source: 'env' })
    expect(withEnv.status(account)).toBe('env')

    const envChild = await child('get', account, {
      env: { ...withoutTokenEnv(process.env), [envVarName(account)]: fromEnv }
    })
    expect(envChild.result).toEqual({ token: fromEnv, source: 'env' })

    expect(new TokenStore({ service: SERVICE, env: {} }).get(account)).toEqual({ token: stored, source: 'keychain' })
    new TokenStore({ service: SERVICE, env: {} }).delete(account)
  })

  it('keeps services apart', (ctx) => {
    if (!keychainReachable) return ctx.skip(SKIP_REASON)
    const account = `apart-${randomUUID().slice(0, 8)}`
    new TokenStore({ service: SERVICE, env: {} }).set(account, token())
    expect(new TokenStore({ service: `${SERVICE}-other`, env: {} }).status(account)).toBe('missing')
    new TokenStore({ service: SERVICE, env: {} }).delete(account)
  })

  it('falls back to the session when the keychain refuses, and never repeats a token in its errors', (ctx) => {
    // Locking a keyring would break every other keychain test sharing it, so this one starts its
    // own private keyring session.
    if (!existsSync(WITH_KEYRING)) {
      if (process.env.REQUIRE_KEYCHAIN === '1') throw new Error(`REQUIRE_KEYCHAIN=1 but ${WITH_KEYRING} is missing`)
      return ctx.skip(`no ${WITH_KEYRING} to start a private keyring`)
    }
    const runtime = mkdtempSync(path.join(os.tmpdir(), 'keyring-runtime-'))
    try {
      const first = token()
      const second = token()
      const env: NodeJS.ProcessEnv = { ...withoutTokenEnv(process.env), XDG_RUNTIME_DIR: runtime }
      // Without these the inner keyring daemon could attach to the outer one and lock it.
      delete env.GNOME_KEYRING_CONTROL
      delete env.DBUS_SESSION_BUS_ADDRESS
      const run = spawnSync(
        WITH_KEYRING,
        [process.execPath, '--import', 'tsx', fixturePath('token-store-locked-child.ts')],
        { cwd: REPO_ROOT, env, input: JSON.stringify({ first, second }), encoding: 'utf8', timeout: 60_000 }
      )
      if (run.status === 127 && process.env.REQUIRE_KEYCHAIN !== '1') return ctx.skip(SKIP_REASON)
      expect(run.status, run.stderr).toBe(0)
      const out = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>
      const said = JSON.stringify([out.refused, out.lockedRead, out.lockedDelete])
      expect(said).not.toContain(first)
      expect(said).not.toContain(second)
      expect(out.stored).toEqual({ value: { storage: 'keychain' } })
      expect(out.refused).toEqual({
        value: { storage: 'session', reason: expect.stringMatching(/^the OS keychain refused it: /) }
      })
      expect(out.readBack).toEqual({ value: { token: second, source: 'session' } })
      expect(out.lockedRead).toEqual({
        error: { code: 'KEYCHAIN', message: expect.stringMatching(/^could not read the token of alpha in the OS keychain: /) }
      })
      expect(out.lockedDelete).toMatchObject({ error: { code: 'KEYCHAIN' } })
    } finally {
      rmSync(runtime, { recursive: true, force: true })
    }
  })
})

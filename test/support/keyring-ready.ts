import { spawnSync } from 'node:child_process'

/**
 * Waits until the GNOME Keyring daemon that `with-keyring` started owns the Secret Service name.
 *
 * `gnome-keyring-daemon --unlock` prints its environment and returns before it has unlocked (or
 * created) the login keyring and claimed `org.freedesktop.secrets` on the bus. A Secret Service
 * call in that window makes D-Bus start a second daemon from its service file, one with no login
 * keyring; if it wins the name, every write for the rest of the session fails with "no result
 * found". So no process may call the Secret Service before the name has an owner. Asking the bus
 * whether a name has an owner never starts anything.
 *
 * Does nothing unless a keyring daemon was started for this process (GNOME_KEYRING_CONTROL set).
 * Returns whether the Secret Service is owned and has a default collection.
 */
export function waitForStartedKeyring(env: NodeJS.ProcessEnv = process.env, timeoutMs = 30_000): KeyringState {
  if (!env.GNOME_KEYRING_CONTROL || !env.DBUS_SESSION_BUS_ADDRESS) return { started: false }
  const deadline = Date.now() + timeoutMs
  while (!secretServiceOwned(env)) {
    if (Date.now() > deadline) return { started: true, owned: false, defaultCollection: undefined }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50)
  }
  return { started: true, owned: true, defaultCollection: defaultCollection(env) }
}

export type KeyringState =
  | { started: false }
  | { started: true; owned: boolean; defaultCollection: string | undefined }

function dbusSend(env: NodeJS.ProcessEnv, args: string[]): string | undefined {
  const run = spawnSync('dbus-send', ['--session', '--print-reply', ...args], { env, encoding: 'utf8', timeout: 10_000 })
  return run.status === 0 ? run.stdout : undefined
}

function secretServiceOwned(env: NodeJS.ProcessEnv): boolean {
  const reply = dbusSend(env, [
    '--dest=org.freedesktop.DBus',
    '/org/freedesktop/DBus',
    'org.freedesktop.DBus.NameHasOwner',
    'string:org.freedesktop.secrets'
  ])
  return reply !== undefined && /boolean true/.test(reply)
}

/** The object path the `default` alias points at, or undefined when there is none ("/"). */
function defaultCollection(env: NodeJS.ProcessEnv): string | undefined {
  const reply = dbusSend(env, [
    '--dest=org.freedesktop.secrets',
    '/org/freedesktop/secrets',
    'org.freedesktop.Secret.Service.ReadAlias',
    'string:default'
  ])
  const path = reply?.match(/object path "([^"]*)"/)?.[1]
  return path === undefined || path === '/' ? undefined : path
}

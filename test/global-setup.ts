import { TokenStore } from '../src/main/core/secrets/token-store'
import { waitForStartedKeyring } from './support/keyring-ready'

/**
 * Runs once, before any test worker starts.
 *
 * First it waits for the keyring daemon `with-keyring` started to claim the Secret Service name
 * (see waitForStartedKeyring: calling it earlier can start a second daemon with no login keyring,
 * which breaks every keychain write of the run). Then one write and delete, alone, so keychain
 * tests find the login collection already in use. Without a Secret Service this does nothing;
 * under REQUIRE_KEYCHAIN=1 (CI) a keychain that does not work stops the run here, with the reason.
 */
export default function primeKeychain(): void {
  const required = process.env.REQUIRE_KEYCHAIN === '1'
  const daemon = waitForStartedKeyring()
  if (daemon.started && required && !daemon.owned) {
    throw new Error('REQUIRE_KEYCHAIN=1: the keyring daemon never claimed org.freedesktop.secrets on the session bus')
  }
  if (daemon.started && required && daemon.defaultCollection === undefined) {
    throw new Error('REQUIRE_KEYCHAIN=1: the Secret Service has no default collection (no login keyring)')
  }
  const store = new TokenStore({ service: 'registry-audit-viewer-test-prime', env: {} })
  if (!store.keychainAvailable()) {
    if (required) throw new Error('REQUIRE_KEYCHAIN=1 but no OS keychain answers')
    return
  }
  const stored = store.set('prime', 'not-a-secret')
  store.delete('prime')
  if (required && stored.storage !== 'keychain') {
    throw new Error(`REQUIRE_KEYCHAIN=1 but the keychain refused a write: ${stored.reason ?? 'no reason given'}`)
  }
}

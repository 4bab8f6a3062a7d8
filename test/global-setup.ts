import { TokenStore } from '../src/main/core/secrets/token-store'

/**
 * Runs once, before any test worker starts. GNOME Keyring creates its login collection on the
 * first write; two test processes writing first at the same moment can race there, and the loser
 * is refused ("no result found"). One write and delete here, alone, settles it, so keychain
 * tests see a keychain that is already there. Without a Secret Service this does nothing.
 */
export default function primeKeychain(): void {
  const store = new TokenStore({ service: 'registry-audit-viewer-test-prime', env: {} })
  if (!store.keychainAvailable()) return
  try {
    store.set('prime', 'not-a-secret')
    store.delete('prime')
  } catch {
    // The keychain tests themselves report a keychain that does not work.
  }
}

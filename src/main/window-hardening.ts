import type { Session, WebContents } from 'electron'

// DESIGN.md §6: navigation, new windows, webviews and permission requests are denied. Type-only
// imports keep this module loadable without the Electron runtime, so its rules are unit-tested.

/** Opens a URL in the user's browser (Electron's `shell.openExternal`). */
export type OpenExternal = (url: string) => Promise<void>

/** Only https links may leave the app, and only to the system browser. */
export function isExternalLinkAllowed(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:'
  } catch {
    return false
  }
}

/**
 * Keeps a web contents on the page it was loaded with: every navigation, new window and webview is
 * refused; an https link the user follows opens in the system browser instead.
 */
export function hardenWebContents(contents: WebContents, openExternal: OpenExternal): void {
  const openInBrowser = (url: string): void => {
    if (!isExternalLinkAllowed(url)) return
    openExternal(url).catch((error: unknown) => {
      console.error('Could not open the link in the system browser:', error)
    })
  }
  contents.on('will-navigate', (event) => {
    event.preventDefault()
    openInBrowser(event.url)
  })
  // Also fired for subframes, which will-navigate does not see; no frame may navigate either.
  contents.on('will-frame-navigate', (event) => event.preventDefault())
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(({ url }) => {
    openInBrowser(url)
    return { action: 'deny' }
  })
}

/** Refuses every permission request and check (camera, notifications, clipboard read, devices, …). */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
  session.setDevicePermissionHandler(() => false)
}

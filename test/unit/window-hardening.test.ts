import { EventEmitter } from 'node:events'
import type { Session, WebContents } from 'electron'
import { describe, expect, it, vi } from 'vitest'
import { hardenSession, hardenWebContents, isExternalLinkAllowed } from '../../src/main/window-hardening'

// Electron's binary is not installed here, so the handlers are driven through stand-ins that keep
// Electron's shapes: an EventEmitter for the web contents' events, recorded handler setters.

class FakeWebContents extends EventEmitter {
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler
  }
}

function navigationEvent(url: string) {
  const event = { url, defaultPrevented: false, preventDefault: () => (event.defaultPrevented = true) }
  return event
}

function hardened() {
  const opened: string[] = []
  const contents = new FakeWebContents()
  hardenWebContents(contents as unknown as WebContents, async (url) => {
    opened.push(url)
  })
  return { contents, opened }
}

describe('isExternalLinkAllowed', () => {
  it.each(['https://hub.docker.com/r/library/nginx', 'HTTPS://example.com/'])('allows %s', (url) => {
    expect(isExternalLinkAllowed(url)).toBe(true)
  })
  it.each([
    'http://example.com/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'smb://host/share',
    'ms-settings:',
    'not a url',
    ''
  ])('refuses %j', (url) => {
    expect(isExternalLinkAllowed(url)).toBe(false)
  })
})

describe('hardenWebContents', () => {
  it('refuses every navigation and sends https ones to the system browser', () => {
    const { contents, opened } = hardened()
    for (const url of ['https://hub.docker.com/', 'http://example.com/', 'file:///etc/passwd']) {
      const event = navigationEvent(url)
      contents.emit('will-navigate', event)
      expect(event.defaultPrevented).toBe(true)
    }
    expect(opened).toEqual(['https://hub.docker.com/'])
  })

  it('refuses navigation in any frame and every webview', () => {
    const { contents, opened } = hardened()
    const frameNavigation = navigationEvent('https://example.com/')
    contents.emit('will-frame-navigate', frameNavigation)
    const attach = navigationEvent('')
    contents.emit('will-attach-webview', attach, {}, {})
    expect([frameNavigation.defaultPrevented, attach.defaultPrevented]).toEqual([true, true])
    expect(opened).toEqual([])
  })

  it('denies every new window, opening only https links outside', () => {
    const { contents, opened } = hardened()
    const handler = contents.windowOpenHandler
    if (handler === undefined) throw new Error('no window open handler was set')
    expect(handler({ url: 'https://hub.docker.com/u/acme' })).toEqual({ action: 'deny' })
    expect(handler({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' })
    expect(handler({ url: 'file:///tmp/x.html' })).toEqual({ action: 'deny' })
    expect(opened).toEqual(['https://hub.docker.com/u/acme'])
  })

  it('keeps a failure to open the browser from escaping', async () => {
    const contents = new FakeWebContents()
    let rejected = false
    hardenWebContents(contents as unknown as WebContents, () => {
      rejected = true
      return Promise.reject(new Error('no browser'))
    })
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    try {
      contents.windowOpenHandler?.({ url: 'https://example.com/' })
      await new Promise((resolve) => setImmediate(resolve))
      expect(rejected).toBe(true)
      expect(logged).toHaveBeenCalledTimes(1)
    } finally {
      logged.mockRestore()
    }
  })
})

describe('hardenSession', () => {
  it('denies every permission request and check', () => {
    type Handler = (...args: unknown[]) => unknown
    const handlers: Record<string, Handler> = {}
    const session = {
      setPermissionRequestHandler: (handler: Handler) => (handlers.request = handler),
      setPermissionCheckHandler: (handler: Handler) => (handlers.check = handler),
      setDevicePermissionHandler: (handler: Handler) => (handlers.device = handler)
    }
    hardenSession(session as unknown as Session)

    const answers: boolean[] = []
    for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation', 'openExternal']) {
      handlers.request?.({}, permission, (granted: boolean) => answers.push(granted), {})
    }
    expect(answers).toEqual([false, false, false, false, false])
    expect(handlers.check?.({}, 'clipboard-sanitized-write', 'file://', {})).toBe(false)
    expect(handlers.device?.({ deviceType: 'usb' })).toBe(false)
  })
})

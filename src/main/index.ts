import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { BrowserWindow, app, session, shell } from 'electron'
import { APP_NAME, defaultDataDir } from './core/paths'
import { hardenSession, hardenWebContents } from './window-hardening'

// The CLI's data folder and Electron's userData are one folder, so a cron sync feeds the archive the
// app shows. By default they agree anyway (userData is named after the app); setting it from
// defaultDataDir keeps them together under REGISTRY_AUDIT_DATA_DIR too, Chromium's profile included,
// and the single-instance lock below is per data folder.
app.setName(APP_NAME)
const dataDir = defaultDataDir()
// setPath throws for a folder that does not exist yet (first launch, or a new REGISTRY_AUDIT_DATA_DIR).
mkdirSync(dataDir, { recursive: true })
app.setPath('userData', dataDir)
// Every renderer sandboxed, whatever a future BrowserWindow's options say.
app.enableSandbox()

// One window over one archive: a second launch focuses the first instead of opening the archive twice.
if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows()
    if (window === undefined) return
    if (window.isMinimized()) window.restore()
    window.focus()
  })
  // Registered before any window exists, so no web contents escapes the rules.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, (url) => shell.openExternal(url)))
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
  app
    .whenReady()
    .then(() => {
      hardenSession(session.defaultSession)
      app.on('activate', () => {
        if (BrowserWindow.getAllWindows().length === 0) createWindow()
      })
      createWindow()
    })
    .catch((error: unknown) => {
      console.error('Registry Audit Viewer could not start:', error)
      app.exit(1)
    })
}

function createWindow(): void {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 800,
    minHeight: 500,
    title: 'Registry Audit Viewer',
    show: false,
    webPreferences: {
      preload: fileURLToPath(new URL('../preload/index.cjs', import.meta.url)),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      spellcheck: false
    }
  })
  window.once('ready-to-show', () => window.show())

  // electron-vite's dev server sets ELECTRON_RENDERER_URL; a packaged app always loads its own files.
  const devServerUrl = process.env.ELECTRON_RENDERER_URL
  const loaded =
    !app.isPackaged && devServerUrl !== undefined
      ? window.loadURL(devServerUrl)
      : window.loadFile(fileURLToPath(new URL('../renderer/index.html', import.meta.url)))
  loaded.catch((error: unknown) => console.error('The window could not load the interface:', error))
}

import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { BrowserWindow, Menu, app, dialog, ipcMain, session, shell } from 'electron'
import { appMenuTemplate, dataDirFromArgs } from './app-launch'
import { CoreWorkerClient } from './core-worker-client'
import { APP_NAME } from './core/paths'
import { requireElectronSqliteBinding } from './electron-native'
import { registerContractIpc } from './ipc'
import { hardenSession, hardenWebContents } from './window-hardening'

// The CLI's data folder and Electron's userData are one folder, so a cron sync feeds the archive the
// app shows. By default they agree anyway (userData is named after the app); setting it from
// the data folder keeps them together under --data-dir and REGISTRY_AUDIT_DATA_DIR too, Chromium's
// profile included, and the single-instance lock below is per data folder.
app.setName(APP_NAME)
const dataDir = dataDirFromArgs(process.argv)
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
      Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate(process.platform, !app.isPackaged)))
      core = startCore()
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

/** The core (archive, syncs, keychain) in its worker thread; one for the app's life. */
let core: CoreWorkerClient | undefined

function startCore(): CoreWorkerClient {
  let nativeBinding: string
  try {
    nativeBinding = requireElectronSqliteBinding(app.getAppPath())
  } catch (error) {
    dialog.showErrorBox('Registry Audit Viewer cannot open its archive', error instanceof Error ? error.message : String(error))
    app.exit(1)
    throw error
  }
  const client = new CoreWorkerClient(new URL('./core-worker.js', import.meta.url), {
    dataDir,
    version: app.getVersion(),
    nativeBinding
  })
  // Running syncs end (cancelled, cursor saved) and the archive closes before the app exits.
  let closed = false
  app.on('will-quit', (event) => {
    if (closed) return
    event.preventDefault()
    closed = true
    void client.close().finally(() => app.quit())
  })
  return client
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
  const rendererFile = fileURLToPath(new URL('../renderer/index.html', import.meta.url))
  const useDevServer = !app.isPackaged && devServerUrl !== undefined
  if (core !== undefined) {
    const unbind = registerContractIpc({
      ipcMain,
      window,
      core,
      rendererUrl: useDevServer ? devServerUrl : pathToFileURL(rendererFile).href,
      chooseExportPath: async (suggestedName, format) => {
        const chosen = await dialog.showSaveDialog(window, {
          title: 'Export events',
          defaultPath: path.join(app.getPath('downloads'), suggestedName),
          filters: [format === 'csv' ? { name: 'CSV', extensions: ['csv'] } : { name: 'NDJSON', extensions: ['ndjson', 'jsonl'] }]
        })
        return chosen.canceled || chosen.filePath === undefined ? undefined : chosen.filePath
      },
      chooseImportPath: async () => {
        const chosen = await dialog.showOpenDialog(window, {
          title: 'Import an export file',
          properties: ['openFile'],
          filters: [
            { name: 'Export files', extensions: ['json', 'ndjson', 'jsonl', 'csv'] },
            { name: 'All files', extensions: ['*'] }
          ]
        })
        return chosen.canceled ? undefined : chosen.filePaths[0]
      }
    })
    window.on('closed', unbind)
  }
  const loaded = useDevServer ? window.loadURL(devServerUrl) : window.loadFile(rendererFile)
  loaded.catch((error: unknown) => console.error('The window could not load the interface:', error))
}

import type { BrowserWindow, IpcMain, IpcMainInvokeEvent, WebFrameMain } from 'electron'
import {
  contract,
  invalidInput,
  METHOD_NAMES,
  type ContractParsedInput,
  type ExportResult,
  type ImportFileResult,
  type MethodName
} from '../shared/contract'
import type { ErrorInfo, Result } from '../shared/errors'
import type { CoreWorkerClient } from './core-worker-client'
import { suggestedExportName } from './export-file-name'

// Type-only Electron imports: the guard's rules load and are tested without the Electron runtime.

/**
 * Whether a frame's URL is our renderer's page: the same file (packaged app) or the same origin
 * (electron-vite's dev server). The hash and query are the page's own state and do not matter.
 */
export function isRendererUrl(frameUrl: string, rendererUrl: string): boolean {
  let frame: URL
  let ours: URL
  try {
    frame = new URL(frameUrl)
    ours = new URL(rendererUrl)
  } catch {
    return false
  }
  if (ours.protocol === 'file:') return frame.protocol === 'file:' && frame.host === ours.host && frame.pathname === ours.pathname
  return frame.origin === ours.origin && frame.origin !== 'null'
}

/** The one sender every handler accepts: our window's top frame, showing our renderer. */
export function isTrustedSender(
  event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>,
  window: Pick<BrowserWindow, 'isDestroyed' | 'webContents'>,
  rendererUrl: string
): boolean {
  if (window.isDestroyed() || event.sender !== window.webContents) return false
  const frame: WebFrameMain | null = event.senderFrame
  // Only the top frame: a subframe (should one ever exist) is someone else's page.
  return frame !== null && frame.parent === null && isRendererUrl(frame.url, rendererUrl)
}

export interface ContractIpcOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>
  window: BrowserWindow
  core: CoreWorkerClient
  /** The URL the window loads (the dev server's, or the file URL of out/renderer/index.html). */
  rendererUrl: string
  /** Shows the save dialog; undefined when the user closed it. */
  chooseExportPath: (suggestedName: string, format: ContractParsedInput<'runExport'>['format']) => Promise<string | undefined>
  /** Shows the open dialog for import:file; undefined when the user closed it. Absent: import is refused. */
  chooseImportPath?: () => Promise<string | undefined>
}

const REFUSED: Result<never> = {
  ok: false,
  error: { code: 'PERMISSION', message: 'This call did not come from the app’s own window and was refused.' }
}

/**
 * Binds every contract channel in main (STYLE.md "One guard for every handler"): check the
 * sender, parse the input with the method's zod schema, relay to the core worker, hand back its
 * Result. export:run shows the save dialog here, in main, and sends the chosen path to the worker.
 * Pushed events go to this window only. Returns the function that unbinds it all.
 */
export function registerContractIpc(options: ContractIpcOptions): () => void {
  const { ipcMain, window, core } = options

  for (const method of METHOD_NAMES) {
    const { channel } = contract[method]
    ipcMain.handle(channel, async (event, input: unknown): Promise<Result<unknown>> => {
      if (!isTrustedSender(event, window, options.rendererUrl)) return REFUSED
      const parsed = contract[method].input.safeParse(input)
      if (!parsed.success) return { ok: false, error: invalidInput(parsed.error) }
      if (method === 'runExport') return runExport(parsed.data as ContractParsedInput<'runExport'>)
      if (method === 'importFile') return runImport(parsed.data as ContractParsedInput<'importFile'>)
      return core.call(channel, parsed.data)
    })
  }

  async function runExport(request: ContractParsedInput<'runExport'>): Promise<Result<ExportResult>> {
    let path: string | undefined
    try {
      path = await options.chooseExportPath(suggestedExportName(request.format), request.format)
    } catch (error) {
      return { ok: false, error: dialogError(error) }
    }
    if (path === undefined) return { ok: true, value: { kind: 'cancelled' } }
    const written = await core.exportToFile(request, path)
    return written.ok ? { ok: true, value: { kind: 'file', path, rows: written.value.rows } } : written
  }

  // The renderer never names the file: main asks the user, and only that path reaches the worker.
  async function runImport(request: ContractParsedInput<'importFile'>): Promise<Result<ImportFileResult>> {
    if (options.chooseImportPath === undefined) {
      return { ok: false, error: { code: 'INTERNAL', message: 'This window cannot show an open dialog.' } }
    }
    let path: string | undefined
    try {
      path = await options.chooseImportPath()
    } catch (error) {
      return { ok: false, error: { code: 'IO', message: `The open dialog failed: ${error instanceof Error ? error.message : String(error)}` } }
    }
    if (path === undefined) return { ok: true, value: { kind: 'cancelled' } }
    const imported = await core.importFromFile(request, path)
    return imported.ok ? { ok: true, value: { kind: 'imported', report: imported.value } } : imported
  }

  const stopRelay = core.onPush((event, payload) => {
    if (!window.isDestroyed()) window.webContents.send(event, payload)
  })

  return () => {
    stopRelay()
    for (const method of METHOD_NAMES satisfies readonly MethodName[]) ipcMain.removeHandler(contract[method].channel)
  }
}

function dialogError(error: unknown): ErrorInfo {
  return { code: 'IO', message: `The save dialog failed: ${error instanceof Error ? error.message : String(error)}` }
}

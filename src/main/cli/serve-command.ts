import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CoreRuntime } from '../core/core-runtime'
import { AppError } from '../core/errors'
import { TokenStore } from '../core/secrets/token-store'
import { startBrowserServer } from '../server/browser-server'
import { hasBuiltRenderer } from '../server/static-renderer'
import { parseCommand } from './command-args'
import type { CommandContext } from './command-context'
import { COMMAND_HELP } from './help-text'
import { UsageError } from './usage-error'

/** Overrides where the built renderer is read from (development, packaging, tests). */
export const RENDERER_DIR_ENV = 'REGISTRY_AUDIT_RENDERER_DIR'

/** `out/renderer` next to the sources this file runs from (bin/registry-audit.js runs them via tsx). */
function defaultRendererDir(): string {
  return fileURLToPath(new URL('../../../out/renderer', import.meta.url))
}

/** `registry-audit serve`: browser mode (DESIGN.md §4), running until Ctrl-C. */
export async function runServeCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const command = 'serve'
  const { values, positionals } = parseCommand(command, args, {
    port: { type: 'string' },
    'no-open': { type: 'boolean' },
    'no-auto-sync': { type: 'boolean' }
  })
  if (values.help === true) {
    await ctx.print(COMMAND_HELP.serve ?? '')
    return 0
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, command)
  const port = parsePort(values.port)

  const rendererDir = path.resolve(ctx.io.env[RENDERER_DIR_ENV] ?? defaultRendererDir())
  if (!hasBuiltRenderer(rendererDir)) {
    throw new AppError(
      'NOT_FOUND',
      `the built interface is missing (${path.join(rendererDir, 'index.html')}): run "npm run build" first`
    )
  }

  const runtime = new CoreRuntime({
    dataDir: ctx.dataDir,
    tokenStore: new TokenStore({ env: ctx.io.env }),
    version: readVersion(),
    transport: 'browser',
    autoSync: values['no-auto-sync'] !== true,
    now: ctx.io.now
  })
  let server: Awaited<ReturnType<typeof startBrowserServer>>
  try {
    server = await startBrowserServer({ runtime, rendererDir, port })
  } catch (error) {
    await runtime.close()
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new AppError('IO', `port ${port} is already in use; choose another with --port`)
    }
    throw error
  }
  runtime.start()

  await ctx.print(`Registry Audit Viewer is serving the archive in ${ctx.dataDir}\nOpen ${server.url}\n`)
  await ctx.note('Only this address (with its token) can use the archive. Press Ctrl-C to stop.\n')
  if (values['no-open'] !== true) openInBrowser(server.url)

  await new Promise<void>((resolve) => {
    const stopInterrupt = ctx.io.onInterrupt(() => {
      stopInterrupt()
      process.off('SIGTERM', onTerminate)
      resolve()
    })
    // A service manager stops us with SIGTERM: shut down as cleanly as for Ctrl-C.
    const onTerminate = (): void => {
      stopInterrupt()
      resolve()
    }
    process.once('SIGTERM', onTerminate)
  })
  await ctx.note('stopping…\n')
  await server.close()
  await runtime.close()
  return 0
}

function parsePort(text: string | undefined): number {
  if (text === undefined) return 0
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65_535) {
    throw new UsageError(`option --port needs a port number from 0 to 65535, not "${text.slice(0, 20)}"`, 'serve')
  }
  return Number(text)
}

function readVersion(): string {
  try {
    const file = fileURLToPath(new URL('../../../package.json', import.meta.url))
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

/** Best effort: a missing opener (a server without a desktop) is not an error; the URL is printed. */
function openInBrowser(url: string): void {
  const [program, ...args] =
    process.platform === 'darwin'
      ? ['open', url]
      : process.platform === 'win32'
        ? ['cmd', '/c', 'start', '""', url]
        : ['xdg-open', url]
  try {
    const child = spawn(program!, args, { detached: true, stdio: 'ignore' })
    child.on('error', () => {})
    child.unref()
  } catch {
    // Nothing to do: the address is on the terminal.
  }
}

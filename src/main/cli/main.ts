import fs from 'node:fs'
import type { CliIo } from './cli-io'
import { runCli } from './run-cli'

/**
 * The `registry-audit` entry (bin/registry-audit.js imports this file). Binds the run to this
 * process: its streams, environment, clock and Ctrl-C; everything else is in runCli.
 */

const version = (JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string
}).version

// `registry-audit events | head` closes the pipe early: that is the reader's choice, not a failure.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw error
  })
}

const interruptHandlers = new Set<() => void>()
let interrupts = 0
process.on('SIGINT', () => {
  interrupts += 1
  // A second Ctrl-C, or one with nothing to stop cleanly, quits at once (128 + SIGINT).
  if (interrupts > 1 || interruptHandlers.size === 0) process.exit(130)
  for (const handler of interruptHandlers) handler()
})

const io: CliIo = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  now: () => Date.now(),
  onInterrupt: (handler) => {
    interruptHandlers.add(handler)
    return () => interruptHandlers.delete(handler)
  }
}

process.exitCode = await runCli(process.argv.slice(2), io, { version })

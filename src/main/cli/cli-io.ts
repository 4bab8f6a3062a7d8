import type { Readable, Writable } from 'node:stream'

/**
 * What a CLI run reads and writes, passed in rather than taken from `process`, so a run's output
 * and exit status belong to that run (and the entry point stays a few lines).
 */
export type CliOutput = Writable & { isTTY?: boolean; columns?: number }

export type CliInput = Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown }

export interface CliIo {
  stdin: CliInput
  stdout: CliOutput
  stderr: CliOutput
  env: NodeJS.ProcessEnv
  /** Wall clock, for relative times such as `since:7d`. */
  now: () => number
  /**
   * Registers what to do on Ctrl-C for the length of a long operation; returns the unregister
   * function.
   */
  onInterrupt: (handler: () => void) => () => void
}

/** Writes all of `text`, waiting for the stream to drain when its buffer is full. */
export async function writeOut(out: CliOutput, text: string): Promise<void> {
  if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', resolve))
}

import { AppError } from '../core/errors'
import type { CliInput, CliOutput } from './cli-io'

/**
 * Reading a token without it passing through argv (visible in `ps` and shell history) or
 * the screen: from standard input for scripts, or from a prompt that does not echo.
 */

/** Everything on standard input, without the trailing newline a shell or `echo` adds. */
export async function readTokenFromStdin(stdin: CliInput): Promise<string> {
  let text = ''
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8')
    if (text.length > 65_536) throw new AppError('INVALID_INPUT', 'the token on standard input is too long')
  }
  return text.replace(/[\r\n]+$/, '')
}

const CTRL_C = '\u0003'
const CTRL_D = '\u0004'
const CTRL_U = '\u0015'
const BACKSPACE = new Set(['\u007f', '\b'])

/**
 * Asks for a token on the terminal with echo off (raw mode), so it never appears on screen or in
 * the scrollback. Backspace and Ctrl-U edit; Enter ends; Ctrl-C or Ctrl-D on an empty line cancel.
 */
export async function promptForToken(stdin: CliInput, prompt: string, out: CliOutput): Promise<string> {
  if (stdin.isTTY !== true || typeof stdin.setRawMode !== 'function') {
    throw new AppError('INVALID_INPUT', 'standard input is not a terminal')
  }
  const setRawMode = stdin.setRawMode.bind(stdin)
  // Echo goes off before the prompt appears, so nothing typed the moment it shows is echoed.
  setRawMode(true)
  out.write(prompt)
  stdin.resume()
  try {
    return await new Promise<string>((resolve, reject) => {
      let token = ''
      const onData = (chunk: Buffer | string): void => {
        const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8')
        for (const ch of text) {
          if (ch === '\r' || ch === '\n') {
            finish(() => resolve(token))
            return
          }
          if (ch === CTRL_C || (ch === CTRL_D && token === '')) {
            finish(() => reject(new AppError('CANCELLED', 'no token was entered')))
            return
          }
          if (BACKSPACE.has(ch)) token = [...token].slice(0, -1).join('')
          else if (ch === CTRL_U) token = ''
          else if (ch >= ' ') token += ch
        }
      }
      const finish = (settle: () => void): void => {
        stdin.removeListener('data', onData)
        settle()
      }
      stdin.on('data', onData)
    })
  } finally {
    setRawMode(false)
    stdin.pause()
    // The Enter the user typed was not echoed either: end the prompt's line ourselves.
    out.write('\n')
  }
}

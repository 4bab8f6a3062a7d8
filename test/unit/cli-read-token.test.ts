import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import type { CliInput } from '../../src/main/cli/cli-io'
import { promptForToken, readTokenFromStdin } from '../../src/main/cli/read-token'

/** A stream that says it is a terminal and records raw-mode switches (the line editing is ours). */
function terminalInput(): { input: CliInput & PassThrough; modes: boolean[] } {
  const modes: boolean[] = []
  const input = Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode: (mode: boolean) => modes.push(mode)
  })
  return { input, modes }
}

function collect(): { out: PassThrough; text: () => string } {
  const out = new PassThrough()
  let text = ''
  out.on('data', (chunk: Buffer) => (text += chunk.toString()))
  return { out, text: () => text }
}

describe('readTokenFromStdin', () => {
  it('reads everything and drops the trailing newline', async () => {
    const input = new PassThrough()
    input.end('dckr_pat_abc\r\n')
    expect(await readTokenFromStdin(input)).toBe('dckr_pat_abc')
  })
})

describe('promptForToken', () => {
  it('reads a line in raw mode, never echoing it, with backspace and Ctrl-U editing', async () => {
    const { input, modes } = terminalInput()
    const { out, text } = collect()
    const token = promptForToken(input, 'Token: ', out)
    input.write('wrong\u0015dckr_x')
    input.write('\u007fpat_secret\r')
    expect(await token).toBe('dckr_pat_secret')
    expect(modes).toEqual([true, false])
    expect(text()).toBe('Token: \n')
  })

  it('cancels on Ctrl-C and leaves raw mode', async () => {
    const { input, modes } = terminalInput()
    const { out } = collect()
    const token = promptForToken(input, 'Token: ', out)
    input.write('abc\u0003')
    await expect(token).rejects.toMatchObject({ code: 'CANCELLED' })
    expect(modes).toEqual([true, false])
  })

  it('refuses a stream that is not a terminal', async () => {
    await expect(promptForToken(new PassThrough(), 'Token: ', collect().out)).rejects.toMatchObject({
      code: 'INVALID_INPUT'
    })
  })
})

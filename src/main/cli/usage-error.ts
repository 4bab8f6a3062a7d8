/**
 * A command line the CLI cannot act on (unknown option, missing argument, bad value). Exits with
 * status 2, apart from failures (status 1), so scripts can tell "you called it wrong" from "it
 * ran and failed". `command` names the command whose `--help` explains the right form.
 */
export class UsageError extends Error {
  readonly command: string | undefined

  constructor(message: string, command?: string) {
    super(message)
    this.name = 'UsageError'
    this.command = command
  }
}

import { AuditService } from '../core/service'
import { defaultDataDir } from '../core/paths'
import { TOKEN_ENV_PREFIX, TokenStore } from '../core/secrets/token-store'
import { writeOut, type CliIo } from './cli-io'

/**
 * What every command gets: the run's streams and environment, and the core service, opened on
 * first use (so `--help` and usage errors never touch the archive or the keychain).
 */
export class CommandContext {
  readonly io: CliIo
  readonly dataDir: string
  /** Tokens this run has seen, so that no error line can ever print one. */
  readonly secrets = new Set<string>()
  /** The program's version, recorded in evidence exports. */
  readonly appVersion: string
  private opened: AuditService | undefined

  constructor(io: CliIo, dataDirOption: string | undefined, appVersion = 'unknown') {
    this.io = io
    this.appVersion = appVersion
    this.dataDir = dataDirOption ?? defaultDataDir(io.env)
    for (const [name, value] of Object.entries(io.env)) {
      if (name.startsWith(TOKEN_ENV_PREFIX) && value !== undefined && value.trim() !== '') {
        this.secrets.add(value.trim())
      }
    }
  }

  get service(): AuditService {
    this.opened ??= new AuditService({ dataDir: this.dataDir, tokenStore: new TokenStore({ env: this.io.env }) })
    return this.opened
  }

  /** Writes to stdout, waiting when the reader is slower than we are. */
  print(text: string): Promise<void> {
    return writeOut(this.io.stdout, text)
  }

  /** Writes a note for the human (stderr), so stdout stays clean for a pipe. */
  note(text: string): Promise<void> {
    return writeOut(this.io.stderr, text)
  }

  close(): void {
    this.opened?.close()
  }
}

import { existsSync } from 'node:fs'
import path from 'node:path'
import { AppError } from './core/errors'

// Node (tests, CLI) and Electron need different builds of better-sqlite3's addon, because their
// module ABIs differ. node_modules keeps the Node build; scripts/prepare-electron-native.mjs writes
// the Electron build here, and the app hands it to better-sqlite3 as `nativeBinding`.

/** Folder, under the app root, that holds native addons built for Electron. Keep in step with the script. */
export const ELECTRON_NATIVE_DIR = '.electron-native'

/** better-sqlite3's addon built for Electron, under `appRoot` (the folder with package.json). */
export function electronSqliteBindingPath(appRoot: string): string {
  return path.join(appRoot, ELECTRON_NATIVE_DIR, 'better_sqlite3.node')
}

/**
 * The `nativeBinding` to open the archive with under Electron (`Archive.open(file, { nativeBinding })`).
 * Throws AppError `IO` naming the command that builds it when it is missing.
 */
export function requireElectronSqliteBinding(appRoot: string): string {
  const binding = electronSqliteBindingPath(appRoot)
  if (!existsSync(binding)) {
    throw new AppError(
      'IO',
      `better-sqlite3 has not been built for Electron (${binding} is missing): run \`npm start\`, ` +
        'or `node scripts/prepare-electron-native.mjs` before `electron .`.'
    )
  }
  return binding
}

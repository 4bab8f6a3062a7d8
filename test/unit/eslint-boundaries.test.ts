import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { beforeAll, describe, expect, it } from 'vitest'

// The real eslint.config.js, run through ESLint's Node API on snippets placed (virtually) in each
// process folder: a boundary the config stops enforcing fails here.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const RULE = 'boundaries/layer-imports'

let eslint: ESLint
beforeAll(() => {
  eslint = new ESLint({ cwd: root })
})

/** Boundary messages for `code` as if it were the file `file` (repository-relative). */
async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) })
  if (result === undefined) throw new Error('ESLint returned no result')
  // A snippet that does not parse, or a path the config ignores, would pass every "allowed" case.
  expect(result.messages.filter((message) => message.fatal === true)).toEqual([])
  return result.messages.filter((message) => message.ruleId === RULE).map((message) => message.message)
}

type Case = [file: string, code: string]

const forbidden: Case[] = [
  ['src/shared/x.ts', "import fs from 'node:fs'\nexport const a = fs"],
  ['src/shared/x.ts', "import { readFileSync } from 'fs'\nexport const a = readFileSync"],
  ['src/shared/x.ts', "import { app } from 'electron'\nexport const a = app"],
  ['src/shared/x.ts', "import type { App } from 'electron'\nexport type A = App"],
  ['src/shared/x.ts', "import { createRoot } from 'react-dom/client'\nexport const a = createRoot"],
  ['src/shared/x.ts', "import { AppError } from '../main/core/errors'\nexport const a = AppError"],
  ['src/shared/x.ts', "export * from '../preload/contract-api'"],
  ['src/shared/x.ts', "export { x } from '../renderer/src/api'"],
  ['src/main/core/db/archive.ts', "import { app } from 'electron'\nexport const a = app"],
  ['src/main/core/db/archive.ts', "import type { WebContents } from 'electron'\nexport type W = WebContents"],
  ['src/main/core/db/archive.ts', "export async function f() { return import('electron') }"],
  ['src/main/core/db/archive.ts', "const electron = require('electron')\nexport const a = electron"],
  ['src/main/core/db/archive.ts', "import { x } from '../../../renderer/src/api'\nexport const a = x"],
  // src/main/index.ts, the Electron shell, seen from one level below src/main/core.
  ['src/main/core/paths.ts', "import { x } from '../index'\nexport const a = x"],
  ['src/main/core/sync/engine.ts', "import { x } from '../../window-hardening'\nexport const a = x"],
  ['src/main/index.ts', "import { x } from '../renderer/src/api'\nexport const a = x"],
  ['src/main/index.ts', "import { createContractApi } from '../preload/contract-api'\nexport const a = createContractApi"],
  ['src/main/ipc.ts', "import { useState } from 'react'\nexport const a = useState"],
  ['src/preload/index.ts', "import fs from 'node:fs'\nexport const a = fs"],
  ['src/preload/index.ts', "import { z } from 'zod'\nexport const a = z"],
  ['src/preload/index.ts', "import { AppError } from '../main/core/errors'\nexport const a = AppError"],
  ['src/preload/index.ts', "import { x } from '../renderer/src/api'\nexport const a = x"],
  ['src/renderer/src/app.tsx', "import { ipcRenderer } from 'electron'\nexport const a = ipcRenderer"],
  ['src/renderer/src/app.tsx', "import path from 'node:path'\nexport const a = path"],
  ['src/renderer/src/app.tsx', "import path from 'path'\nexport const a = path"],
  ['src/renderer/src/app.tsx', "import { defaultDataDir } from '../../main/core/paths'\nexport const a = defaultDataDir"],
  ['src/renderer/src/app.tsx', "import type { ArchiveApi } from '../../main/core/db/archive-types'\nexport type A = ArchiveApi"],
  ['src/renderer/src/stores/x.ts', "export const load = () => import('../../../main/core/service')"],
  ['src/renderer/src/app.tsx', "import { createContractApi } from '../../preload/contract-api'\nexport const a = createContractApi"]
]

const allowed: Case[] = [
  ['src/shared/x.ts', "import { z } from 'zod'\nimport { VERBS } from './event'\nexport const a = [z, VERBS]"],
  ['src/main/core/db/archive.ts', "import Database from 'better-sqlite3'\nimport fs from 'node:fs'\nexport const a = [Database, fs]"],
  ['src/main/core/db/archive.ts', "import { AppError } from '../errors'\nimport { VERBS } from '../../../shared/event'\nexport const a = [AppError, VERBS]"],
  // The same string as the forbidden '../index' above, one level deeper: src/main/core/index.
  ['src/main/core/db/archive.ts', "import { x } from '../index'\nexport const a = x"],
  ['src/main/index.ts', "import { app } from 'electron'\nimport fs from 'node:fs'\nimport { APP_NAME } from './core/paths'\nexport const a = [app, fs, APP_NAME]"],
  ['src/preload/index.ts', "import { contextBridge } from 'electron'\nimport { API_GLOBAL } from '../shared/contract'\nimport { createContractApi } from './contract-api'\nexport const a = [contextBridge, API_GLOBAL, createContractApi]"],
  ['src/renderer/src/app.tsx', "import { useState } from 'react'\nimport { createRoot } from 'react-dom/client'\nimport { VERBS } from '../../shared/event'\nimport { call } from './api'\nexport const a = [useState, createRoot, VERBS, call]"],
  ['test/unit/x.test.ts', "import { app } from 'electron'\nimport { x } from '../../src/renderer/src/api'\nexport const a = [app, x]"]
]

describe('lint boundaries between process folders', () => {
  it.each(forbidden)('%s: refuses %j', async (file, code) => {
    const errors = await boundaryErrors(file, code)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/^src\/(shared|main|main\/core|preload|renderer) must not import '/)
  })

  it.each(allowed)('%s: accepts %j', async (file, code) => {
    expect(await boundaryErrors(file, code)).toEqual([])
  })

  it('names the folder and the reason in the message', async () => {
    const [error] = await boundaryErrors('src/main/core/x.ts', "import { app } from 'electron'\nexport const a = app")
    expect(error).toBe(
      "src/main/core must not import 'electron': the core also runs in the CLI and browser mode, where there is no Electron"
    )
  })
})

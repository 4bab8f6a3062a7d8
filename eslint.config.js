import js from '@eslint/js'
import { defineConfig } from 'eslint/config'
import globals from 'globals'
import tseslint from 'typescript-eslint'
import { layerImports } from './eslint/layer-imports.js'

// Syntax-only typescript-eslint (no type-aware rules): `tsc` already checks types in `typecheck`,
// and a type-aware lint would build the program a second time on a 2-core machine.

/**
 * One block per process folder (STYLE.md "Layout and boundaries"). Entries are package names,
 * `node:*` (every Node built-in, with or without the prefix) or repository folders; the most specific
 * matching entry decides, so `allow` can carve a folder out of a forbidden one.
 */
const boundaries = [
  {
    files: ['src/shared/**'],
    layer: 'src/shared',
    reason: 'shared code runs in every process, so it stays pure TypeScript',
    forbid: ['node:*', 'electron', 'react', 'react-dom', 'src/main', 'src/preload', 'src/renderer']
  },
  {
    files: ['src/main/core/**'],
    layer: 'src/main/core',
    reason: 'the core also runs in the CLI and browser mode, where there is no Electron',
    forbid: ['electron', 'react', 'react-dom', 'src/main', 'src/preload', 'src/renderer'],
    allow: ['src/main/core']
  },
  {
    files: ['src/main/**'],
    ignores: ['src/main/core/**'],
    layer: 'src/main',
    reason: 'the main process talks to the renderer only over IPC',
    forbid: ['react', 'react-dom', 'src/preload', 'src/renderer']
  },
  {
    files: ['src/preload/**'],
    layer: 'src/preload',
    reason: 'the sandboxed preload may use electron and the names and types of src/shared, nothing else',
    forbid: ['*'],
    allow: ['electron', 'src/preload', 'src/shared']
  },
  {
    files: ['src/renderer/**'],
    layer: 'src/renderer',
    reason: 'the renderer reaches the app only through the preload API',
    forbid: ['node:*', 'electron', 'src/main', 'src/preload']
  }
].map(
  ({ files, ignores, ...options }) =>
    /** @type {import('eslint').Linter.Config} */ ({
      files,
      ...(ignores ? { ignores } : {}),
      rules: { 'boundaries/layer-imports': ['error', options] }
    })
)

export default defineConfig(
  {
    ignores: ['out/**', 'dist/**', 'coverage/**', 'test-results/**', 'bench/results/**', '.electron-native/**']
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    plugins: { boundaries: { rules: { 'layer-imports': layerImports } } },
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }]
    }
  },
  // Globals per runtime: flat config merges `globals`, so Node's must not reach the renderer or shared.
  {
    ignores: ['src/renderer/**', 'src/shared/**'],
    languageOptions: { globals: globals.node }
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: globals.browser }
  },
  {
    files: ['src/shared/**'],
    languageOptions: { globals: globals['shared-node-browser'] }
  },
  boundaries
)

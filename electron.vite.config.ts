import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'
import type { Plugin } from 'vite'

// Native addons load their binaries at run time, so they are never bundled. electron-vite already
// externalises every `dependencies` entry; naming them keeps that true if one ever moves.
const nativeExternals = ['better-sqlite3', '@napi-rs/keyring']

// index.html carries the production policy. Vite's dev server injects an inline module script (React
// Fast Refresh) and <style> tags and talks to the page over a WebSocket, so dev mode alone gets a
// looser policy; `electron-vite build` output keeps the strict one.
const DEV_CSP =
  "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data:; connect-src 'self' ws:; object-src 'none'; base-uri 'none'"

function devContentSecurityPolicy(): Plugin {
  return {
    name: 'registry-audit:dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) =>
      html.replace(/(http-equiv="Content-Security-Policy"\s+content=")[^"]*"/, `$1${DEV_CSP}"`)
  }
}

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        external: nativeExternals,
        // The core runs in its own worker thread (DESIGN.md §4), started by main from this file;
        // the core writes sync pages from a thread of its own (src/main/core/db/page-writer.ts).
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          'core-worker': resolve(__dirname, 'src/main/core-worker.ts'),
          'page-writer-worker': resolve(__dirname, 'src/main/core/db/page-writer-worker.ts')
        }
      }
    }
  },
  preload: {
    build: {
      // A sandboxed preload can require only `electron`: everything else it uses must be bundled in.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        // A sandboxed preload must be a single CommonJS file.
        output: { format: 'cjs', entryFileNames: '[name].cjs' }
      }
    }
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    build: { rollupOptions: { input: resolve(__dirname, 'src/renderer/index.html') } },
    plugins: [react(), devContentSecurityPolicy()]
  }
})

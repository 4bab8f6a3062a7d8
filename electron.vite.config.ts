import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'

// better-sqlite3 and @napi-rs/keyring load native binaries at run time, so they stay external.
const nativeExternals = ['better-sqlite3', '@napi-rs/keyring']

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        external: nativeExternals,
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          'core-worker': resolve(__dirname, 'src/main/core-worker.ts')
        }
      }
    }
  },
  preload: {
    build: {
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
    plugins: [react()]
  }
})

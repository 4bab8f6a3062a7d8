#!/usr/bin/env node
// The CLI runs from TypeScript sources through tsx, so `npx registry-audit` works right after
// `npm install`, with no build step, and always uses the Node build of better-sqlite3.
import { register } from 'tsx/esm/api'

register()
await import('../src/main/cli/main.ts')

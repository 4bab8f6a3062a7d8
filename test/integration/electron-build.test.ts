import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { builtinModules } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// What `electron-vite build` produces has to run where the Electron binary is (not here): the main
// process finds native addons in node_modules, the sandboxed preload can require only `electron`,
// and the page loads under the strict CSP. Built into a temp folder, so out/ is left alone.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
let out: string

beforeAll(() => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'electron-build-'))
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', out, '--logLevel', 'error'],
    { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] }
  )
}, 120_000)

afterAll(() => {
  fs.rmSync(out, { recursive: true, force: true })
})

const read = (file: string) => fs.readFileSync(path.join(out, file), 'utf8')

/** Bare module specifiers a bundle loads at run time (static, dynamic and require). */
function bareImports(code: string): Set<string> {
  const found = new Set<string>()
  for (const match of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s+)["']([^"']+)["']/gm)) {
    const specifier = match[1]
    if (specifier !== undefined && !specifier.startsWith('.')) found.add(specifier)
  }
  return found
}

describe('electron-vite build output', () => {
  it('main loads native addons from node_modules instead of bundling them', () => {
    const main = read('main/index.js')
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    const loadable = new Set(['electron', ...builtinModules, ...Object.keys(pkg.dependencies)])
    for (const specifier of bareImports(main)) {
      const name = specifier.startsWith('node:')
        ? specifier.slice(5)
        : specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/')
      expect(loadable, `main imports ${specifier}`).toContain(name)
    }
    // Text from inside better-sqlite3's and @napi-rs/keyring's loaders: present only if bundled.
    expect(main).not.toContain('In-memory/temporary databases cannot be readonly')
    expect(main).not.toContain('keyring.linux-x64-gnu.node')
  })

  it('every file main loads by URL was built (preload, page, worker)', () => {
    const referenced = new Set<string>()
    for (const file of fs.readdirSync(path.join(out, 'main')).filter((name) => name.endsWith('.js'))) {
      const code = read(path.join('main', file))
      for (const match of code.matchAll(/new URL\(\s*["'](\.{1,2}\/[^"']+)["']\s*,\s*import\.meta\.url\s*\)/g)) {
        if (match[1] !== undefined) referenced.add(path.relative(out, path.resolve(out, 'main', match[1])))
      }
    }
    expect(referenced).toContain(path.join('preload', 'index.cjs'))
    expect(referenced).toContain(path.join('renderer', 'index.html'))
    for (const file of referenced) expect(fs.existsSync(path.join(out, file)), `${file} is missing`).toBe(true)
  })

  it('the preload is one CommonJS file that requires only electron', () => {
    const preload = read('preload/index.cjs')
    expect([...bareImports(preload)]).toEqual(['electron'])
    expect(preload).not.toMatch(/^\s*(import|export)\s/m)
    expect(fs.readdirSync(path.join(out, 'preload'))).toEqual(['index.cjs'])
  })

  it('the page keeps its strict CSP and has no inline script', () => {
    const html = read('renderer/index.html')
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1]
    expect(csp).toBeDefined()
    const directives = new Map(csp?.split(';').map((part) => {
      const [name = '', ...values] = part.trim().split(/\s+/)
      return [name, values.join(' ')] as const
    }))
    expect(directives.get('default-src')).toBe("'none'")
    expect(directives.get('script-src')).toBe("'self'")
    expect(directives.get('style-src')).toBe("'self'")
    expect(directives.get('object-src')).toBe("'none'")
    expect(directives.get('base-uri')).toBe("'none'")
    for (const script of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      expect(script[1]).toMatch(/\bsrc="\.\/assets\//)
      expect(script[2]?.trim()).toBe('')
    }
  })
})

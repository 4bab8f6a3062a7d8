import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  BINDING_FILE,
  ELECTRON_NATIVE_DIR,
  STAMP_FILE,
  buildEnv,
  currentTarget,
  installedVersion,
  isUpToDate,
  nodeGypArgs,
  nodeGypCommand,
  prepareElectronNative,
  prebuildInstallArgs
} from '../../scripts/prepare-electron-native.mjs'
import { AppError } from '../../src/main/core/errors'
import { electronSqliteBindingPath, requireElectronSqliteBinding } from '../../src/main/electron-native'

// Electron's servers are out of reach here, so the two ways of getting the binary are driven with
// what stands in for them offline: a local prebuild tarball that the real prebuild-install unpacks,
// and a node-gyp stand-in that records how it was called. The repository's own node_modules is
// never touched: every run works on a project folder made in a temp directory.

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const requireFromBetterSqlite3 = createRequire(path.join(repoRoot, 'node_modules/better-sqlite3/package.json'))
const ELECTRON_VERSION = '45.4.1'

let tmp: string
let project: string
let quiet: (line: string) => void
let logged: string[]

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prepare-electron-native-'))
  project = path.join(tmp, 'project')
  const modules = path.join(project, 'node_modules')
  fs.mkdirSync(path.join(modules, 'better-sqlite3'), { recursive: true })
  fs.mkdirSync(path.join(modules, 'electron'), { recursive: true })
  fs.copyFileSync(
    path.join(repoRoot, 'node_modules/better-sqlite3/package.json'),
    path.join(modules, 'better-sqlite3/package.json')
  )
  // A Node build left in the package must not be what ends up in .electron-native.
  fs.mkdirSync(path.join(modules, 'better-sqlite3/build/Release'), { recursive: true })
  fs.writeFileSync(path.join(modules, 'better-sqlite3/build/Release', BINDING_FILE), 'node build')
  fs.writeFileSync(path.join(modules, 'electron/package.json'), JSON.stringify({ name: 'electron', version: ELECTRON_VERSION }))
  fs.symlinkSync(path.dirname(requireFromBetterSqlite3.resolve('prebuild-install/package.json')), path.join(modules, 'prebuild-install'))
  logged = []
  quiet = (line) => logged.push(line)
})

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true })
})

/** An environment with no way out: downloads go to a closed loopback port, caches stay in tmp. */
function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: tmp,
    npm_config_cache: path.join(tmp, 'npm-cache'),
    npm_config_better_sqlite3_binary_host: 'http://127.0.0.1:9',
    npm_config_loglevel: 'silent',
    ...extra
  }
}

/** A node-gyp stand-in: records argv, cwd and env, then writes the addon (or fails with `exit`). */
function fakeNodeGyp(exit = 0): { script: string; calls: string } {
  const calls = path.join(tmp, 'node-gyp-calls.json')
  const script = path.join(tmp, 'fake-node-gyp.cjs')
  fs.writeFileSync(
    script,
    `const fs = require('fs'), path = require('path')
fs.writeFileSync(${JSON.stringify(calls)}, JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd(), env: process.env }))
if (${exit} !== 0) process.exit(${exit})
fs.mkdirSync('build/Release', { recursive: true })
fs.writeFileSync(path.join('build/Release', ${JSON.stringify(BINDING_FILE)}), 'built by node-gyp')
`
  )
  return { script, calls }
}

/** The tarball better-sqlite3 publishes for this Electron, as prebuild-install names it. */
function localPrebuild(content: string): string {
  const nodeAbi = createRequire(requireFromBetterSqlite3.resolve('prebuild-install/package.json'))('node-abi') as {
    getAbi(target: string, runtime: string): string
  }
  const version = installedVersion(repoRoot, 'better-sqlite3')
  const abi = nodeAbi.getAbi(ELECTRON_VERSION, 'electron')
  const dir = path.join(tmp, 'prebuilds')
  const staging = path.join(tmp, 'staging')
  fs.mkdirSync(path.join(staging, 'build/Release'), { recursive: true })
  fs.mkdirSync(dir)
  fs.writeFileSync(path.join(staging, 'build/Release', BINDING_FILE), content)
  const name = `better-sqlite3-v${version}-electron-v${abi}-${process.platform}-${process.arch}.tar.gz`
  execFileSync('tar', ['-czf', path.join(dir, name), '-C', staging, 'build'])
  return dir
}

const outDir = () => path.join(project, ELECTRON_NATIVE_DIR)
const readOut = (file: string) => fs.readFileSync(path.join(outDir(), file), 'utf8')

describe('prepareElectronNative', () => {
  it('installs the prebuilt Electron binary and stamps it, leaving the Node build alone', () => {
    const prebuilds = localPrebuild('electron prebuild')
    const gyp = fakeNodeGyp()
    const env = offlineEnv({ npm_config_better_sqlite3_local_prebuilds: prebuilds, npm_config_node_gyp: gyp.script })

    expect(prepareElectronNative({ root: project, env, log: quiet })).toEqual({ status: 'built', method: 'prebuild-install' })
    expect(readOut(BINDING_FILE)).toBe('electron prebuild')
    expect(JSON.parse(readOut(STAMP_FILE))).toEqual({
      ...currentTarget(project),
      method: 'prebuild-install'
    })
    expect(fs.existsSync(gyp.calls)).toBe(false)
    expect(fs.readFileSync(path.join(project, 'node_modules/better-sqlite3/build/Release', BINDING_FILE), 'utf8')).toBe('node build')
  })

  it('skips a second run for the same versions, and rebuilds when forced', () => {
    const env = offlineEnv({ npm_config_better_sqlite3_local_prebuilds: localPrebuild('first'), npm_config_node_gyp: fakeNodeGyp().script })
    prepareElectronNative({ root: project, env, log: quiet })
    const builtAt = fs.statSync(path.join(outDir(), BINDING_FILE)).mtimeMs

    expect(prepareElectronNative({ root: project, env, log: quiet })).toEqual({ status: 'up-to-date' })
    expect(fs.statSync(path.join(outDir(), BINDING_FILE)).mtimeMs).toBe(builtAt)
    expect(logged.at(-1)).toMatch(/is up to date$/)

    expect(prepareElectronNative({ root: project, env, log: quiet, force: true })).toEqual({ status: 'built', method: 'prebuild-install' })
  })

  it('falls back to node-gyp against Electron headers, without npm settings that retarget it', () => {
    const gyp = fakeNodeGyp()
    const env = offlineEnv({ npm_config_node_gyp: gyp.script, npm_config_nodedir: '/usr', npm_config_runtime: 'node' })

    expect(prepareElectronNative({ root: project, env, log: quiet })).toEqual({ status: 'built', method: 'node-gyp' })
    expect(readOut(BINDING_FILE)).toBe('built by node-gyp')
    const call = JSON.parse(fs.readFileSync(gyp.calls, 'utf8')) as { argv: string[]; cwd: string; env: Record<string, string> }
    expect(call.argv).toEqual(nodeGypArgs(currentTarget(project), path.join(os.homedir(), '.electron-gyp')))
    expect(call.argv).toContain('--dist-url=https://electronjs.org/headers')
    expect(call.argv).toContain(`--target=${ELECTRON_VERSION}`)
    expect(call.env.npm_config_nodedir).toBeUndefined()
    expect(call.env.npm_config_runtime).toBeUndefined()
    // It built in a copy, which is gone, not in the project's node_modules.
    expect(call.cwd.startsWith(project)).toBe(false)
    expect(fs.existsSync(call.cwd)).toBe(false)
  })

  it('fails with the cause and the fix, keeping the previous build', () => {
    const env = offlineEnv({ npm_config_better_sqlite3_local_prebuilds: localPrebuild('old'), npm_config_node_gyp: fakeNodeGyp().script })
    prepareElectronNative({ root: project, env, log: quiet })
    // A new Electron version, no prebuild for it and a failing compiler.
    fs.writeFileSync(path.join(project, 'node_modules/electron/package.json'), JSON.stringify({ version: '45.5.0' }))
    const failing = offlineEnv({ npm_config_node_gyp: fakeNodeGyp(1).script })

    expect(() => prepareElectronNative({ root: project, env: failing, log: quiet })).toThrow(
      /could not get better-sqlite3 .* for Electron 45\.5\.0 .*Python 3, make and a C\+\+ compiler.*npm test and the CLI still work/
    )
    expect(readOut(BINDING_FILE)).toBe('old')
    expect(JSON.parse(readOut(STAMP_FILE)).electron).toBe(ELECTRON_VERSION)
  })

  it('says what to do when Electron is not installed', () => {
    fs.rmSync(path.join(project, 'node_modules/electron'), { recursive: true })
    expect(() => prepareElectronNative({ root: project, env: offlineEnv(), log: quiet })).toThrow(
      /electron is not installed .*run npm install first/
    )
  })
})

describe('isUpToDate', () => {
  const target = { electron: '45.4.1', betterSqlite3: '12.11.1', platform: 'linux', arch: 'x64' }
  const write = (stamp: unknown, binding = true) => {
    fs.mkdirSync(outDir(), { recursive: true })
    fs.writeFileSync(path.join(outDir(), STAMP_FILE), typeof stamp === 'string' ? stamp : JSON.stringify(stamp))
    if (binding) fs.writeFileSync(path.join(outDir(), BINDING_FILE), 'x')
  }

  it('is true only for a binary whose stamp names the same target', () => {
    expect(isUpToDate(outDir(), target)).toBe(false)
    write({ ...target, method: 'node-gyp' })
    expect(isUpToDate(outDir(), target)).toBe(true)
    for (const field of ['electron', 'betterSqlite3', 'platform', 'arch'] as const) {
      expect(isUpToDate(outDir(), { ...target, [field]: 'other' })).toBe(false)
    }
  })

  it('is false without the binary, or with a torn stamp', () => {
    write({ ...target, method: 'node-gyp' }, false)
    expect(isUpToDate(outDir(), target)).toBe(false)
    write('{"electron": "45.4', true)
    expect(isUpToDate(outDir(), target)).toBe(false)
  })
})

describe('build tool plumbing', () => {
  it('reads the installed versions of this repository', () => {
    const target = currentTarget(repoRoot)
    const versionOf = (name: string) =>
      (JSON.parse(fs.readFileSync(path.join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
    expect(target).toEqual({
      electron: versionOf('electron'),
      betterSqlite3: versionOf('better-sqlite3'),
      platform: process.platform,
      arch: process.arch
    })
  })

  it('drops npm settings that retarget a build and keeps proxy and cache settings', () => {
    const env = buildEnv({
      PATH: '/bin',
      npm_config_nodedir: '/usr',
      NPM_CONFIG_TARGET: '20.0.0',
      npm_config_runtime: 'node',
      npm_config_disturl: 'https://nodejs.org/dist',
      npm_config_build_from_source: 'true',
      npm_package_resolved: 'git+https://example.com/x.git',
      npm_config_https_proxy: 'http://proxy:3128',
      npm_config_cafile: '/etc/ssl/ca.pem',
      npm_config_cache: '/root/.npm'
    })
    expect(env).toEqual({
      PATH: '/bin',
      npm_config_https_proxy: 'http://proxy:3128',
      npm_config_cafile: '/etc/ssl/ca.pem',
      npm_config_cache: '/root/.npm'
    })
  })

  it('asks prebuild-install for the Electron runtime and version', () => {
    expect(prebuildInstallArgs({ electron: '45.4.1', betterSqlite3: '12.11.1', platform: 'darwin', arch: 'arm64' })).toEqual([
      '--runtime=electron',
      '--target=45.4.1',
      '--arch=arm64',
      '--platform=darwin'
    ])
  })

  it("finds npm's node-gyp, falling back to one on PATH", () => {
    const script = path.join(tmp, 'node-gyp.js')
    fs.writeFileSync(script, '')
    expect(nodeGypCommand({ npm_config_node_gyp: script }, '/opt/node/bin/node')).toEqual({
      command: '/opt/node/bin/node',
      args: [script]
    })
    expect(nodeGypCommand({}, path.join(tmp, 'bin', 'node'))).toEqual({ command: 'node-gyp', args: [] })
  })
})

describe('the app finds what the script writes', () => {
  it('agrees on the path', () => {
    expect(electronSqliteBindingPath(project)).toBe(path.join(project, ELECTRON_NATIVE_DIR, BINDING_FILE))
  })

  it('returns the binding once built, and says how to build it before', () => {
    expect(() => requireElectronSqliteBinding(project)).toThrow(AppError)
    expect(() => requireElectronSqliteBinding(project)).toThrow(/npm start/)
    fs.mkdirSync(outDir(), { recursive: true })
    fs.writeFileSync(path.join(outDir(), BINDING_FILE), 'x')
    expect(requireElectronSqliteBinding(project)).toBe(path.join(outDir(), BINDING_FILE))
  })
})

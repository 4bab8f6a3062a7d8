#!/usr/bin/env node
// Builds better-sqlite3's addon for the installed Electron into .electron-native/, leaving the Node
// build in node_modules/better-sqlite3/build untouched, so `npm test` and the CLI work whatever ran
// before. Electron and Node have different module ABIs, so one file cannot serve both; the app passes
// this one to better-sqlite3 as `nativeBinding` (src/main/electron-native.ts).
//
// Usage: node scripts/prepare-electron-native.mjs [--force]
// Works on a copy of the package in a temporary folder: first the prebuilt binary better-sqlite3
// publishes for Electron (prebuild-install), then a source build against Electron's headers
// (node-gyp). A stamp file records what the binary was built for, so a second run is instant.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** Folder under the project root; src/main/electron-native.ts must name the same one. */
export const ELECTRON_NATIVE_DIR = '.electron-native'
export const BINDING_FILE = 'better_sqlite3.node'
export const STAMP_FILE = 'better_sqlite3.stamp.json'
const ELECTRON_HEADERS_URL = 'https://electronjs.org/headers'

/**
 * @typedef {{ electron: string, betterSqlite3: string, platform: string, arch: string }} BuildTarget
 * @typedef {BuildTarget & { method: BuildMethod }} Stamp
 * @typedef {'prebuild-install' | 'node-gyp'} BuildMethod
 * @typedef {{ status: 'up-to-date' } | { status: 'built', method: BuildMethod }} PrepareResult
 */

/**
 * The version of a package installed under `root`/node_modules.
 * @param {string} root
 * @param {string} name
 * @returns {string}
 */
export function installedVersion(root, name) {
  const file = path.join(root, 'node_modules', name, 'package.json')
  let version
  try {
    version = JSON.parse(fs.readFileSync(file, 'utf8')).version
  } catch (error) {
    throw new Error(`${name} is not installed (${file}: ${errorMessage(error)}); run npm install first`)
  }
  if (typeof version !== 'string' || version === '') throw new Error(`${file} has no version`)
  return version
}

/**
 * What the Electron build has to match: the installed Electron and better-sqlite3, this machine.
 * @param {string} root
 * @returns {BuildTarget}
 */
export function currentTarget(root, platform = process.platform, arch = process.arch) {
  return {
    electron: installedVersion(root, 'electron'),
    betterSqlite3: installedVersion(root, 'better-sqlite3'),
    platform,
    arch
  }
}

/**
 * The stamp left by the last successful build, or undefined when there is none or it is unreadable.
 * @param {string} dir the .electron-native folder
 * @returns {Stamp | undefined}
 */
export function readStamp(dir) {
  try {
    const stamp = JSON.parse(fs.readFileSync(path.join(dir, STAMP_FILE), 'utf8'))
    return stamp !== null && typeof stamp === 'object' ? stamp : undefined
  } catch {
    return undefined // no stamp, or a torn one: either way the binary gets built again
  }
}

/**
 * True when the binary exists and its stamp names exactly `target`.
 * @param {string} dir the .electron-native folder
 * @param {BuildTarget} target
 */
export function isUpToDate(dir, target) {
  const stamp = readStamp(dir)
  return (
    stamp !== undefined &&
    fs.existsSync(path.join(dir, BINDING_FILE)) &&
    stamp.electron === target.electron &&
    stamp.betterSqlite3 === target.betterSqlite3 &&
    stamp.platform === target.platform &&
    stamp.arch === target.arch
  )
}

/**
 * The environment for the build tools. npm exports the user's config to scripts as npm_config_*,
 * and prebuild-install and node-gyp read those: a `nodedir` (set here in ~/.npmrc) would make
 * node-gyp build against Node's headers, a `target` or `runtime` would retarget the build, and an
 * npm_package_resolved of `git+…` makes prebuild-install skip the download. They are dropped;
 * proxy and CA settings stay.
 * @param {NodeJS.ProcessEnv} env
 * @returns {NodeJS.ProcessEnv}
 */
export function buildEnv(env) {
  const retargeting = new Set([
    'nodedir',
    'target',
    'runtime',
    'disturl',
    'dist_url',
    'devdir',
    'arch',
    'target_arch',
    'platform',
    'libc',
    'tarball',
    'build_from_source',
    'download'
  ])
  /** @type {NodeJS.ProcessEnv} */
  const clean = {}
  for (const [key, value] of Object.entries(env)) {
    const lower = key.toLowerCase()
    if (lower.startsWith('npm_config_') && retargeting.has(lower.slice('npm_config_'.length))) continue
    if (lower === 'npm_package_resolved' || lower === 'npm_package_from') continue
    clean[key] = value
  }
  return clean
}

/**
 * Arguments for prebuild-install, run in the package copy (it unpacks into ./build/Release).
 * @param {BuildTarget} target
 */
export function prebuildInstallArgs(target) {
  return ['--runtime=electron', `--target=${target.electron}`, `--arch=${target.arch}`, `--platform=${target.platform}`]
}

/**
 * Arguments for node-gyp, run in the package copy, as Electron's guide to native modules gives them.
 * node-gyp has no --runtime option: Electron's headers come from --dist-url, and a separate --devdir
 * keeps them apart from Node's headers of a clashing version number.
 * @param {BuildTarget} target
 * @param {string} devdir
 */
export function nodeGypArgs(target, devdir) {
  return [
    'rebuild',
    '--release',
    '--jobs=max',
    `--target=${target.electron}`,
    `--arch=${target.arch}`,
    `--dist-url=${ELECTRON_HEADERS_URL}`,
    `--devdir=${devdir}`
  ]
}

/**
 * How to start node-gyp: npm names its bundled copy in npm_config_node_gyp for scripts; outside npm
 * it sits inside npm's own folder; a node-gyp on PATH is the last resort.
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ command: string, args: string[] }}
 */
export function nodeGypCommand(env, execPath = process.execPath) {
  const candidates = [
    env.npm_config_node_gyp,
    env.npm_execpath && path.join(path.dirname(env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')
  ]
  const script = candidates.find((file) => typeof file === 'string' && file !== '' && fs.existsSync(file))
  return script === undefined ? { command: 'node-gyp', args: [] } : { command: execPath, args: [script] }
}

/**
 * Makes sure .electron-native/better_sqlite3.node matches the installed Electron and better-sqlite3.
 * @param {{ root: string, force?: boolean, log?: (line: string) => void, env?: NodeJS.ProcessEnv }} options
 * @returns {PrepareResult}
 */
export function prepareElectronNative({ root, force = false, log = console.log, env: callerEnv = process.env }) {
  const outDir = path.join(root, ELECTRON_NATIVE_DIR)
  const target = currentTarget(root)
  const label = `better-sqlite3 ${target.betterSqlite3} for Electron ${target.electron} (${target.platform}-${target.arch})`
  if (!force && isUpToDate(outDir, target)) {
    log(`prepare-electron-native: ${label} is up to date`)
    return { status: 'up-to-date' }
  }

  const packageDir = path.join(root, 'node_modules', 'better-sqlite3')
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'electron-better-sqlite3-'))
  try {
    // Without build/, whatever ends up in the copy's build/Release came from this run.
    fs.cpSync(packageDir, work, {
      recursive: true,
      filter: (source) => {
        const top = path.relative(packageDir, source).split(path.sep)[0]
        return top !== 'build' && top !== 'node_modules'
      }
    })
    const env = buildEnv(callerEnv)
    const built = path.join(work, 'build', 'Release', BINDING_FILE)

    log(`prepare-electron-native: fetching the prebuilt ${label}`)
    /** @type {BuildMethod} */
    let method = 'prebuild-install'
    const prebuildBin = createRequire(path.join(packageDir, 'package.json')).resolve('prebuild-install/bin.js')
    const prebuilt = run(process.execPath, [prebuildBin, ...prebuildInstallArgs(target)], work, env)
    if (!prebuilt || !fs.existsSync(built)) {
      method = 'node-gyp'
      log(`prepare-electron-native: no prebuilt binary; building ${label} from source (this takes a few minutes)`)
      const gyp = nodeGypCommand(env)
      const devdir = path.join(os.homedir(), '.electron-gyp')
      if (!run(gyp.command, [...gyp.args, ...nodeGypArgs(target, devdir)], work, env) || !fs.existsSync(built)) {
        throw new Error(
          `could not get ${label}: no prebuilt binary could be downloaded and building from source failed (see above). ` +
            'A source build needs Python 3, make and a C++ compiler (Debian: apt-get install -y python3 make g++; ' +
            'macOS: xcode-select --install; Windows: Visual Studio Build Tools) and access to ' +
            `${ELECTRON_HEADERS_URL}. The Node build in node_modules is untouched: npm test and the CLI still work.`
        )
      }
    }

    checkLoadsInElectron(root, built, env, log)
    install(outDir, built, { ...target, method })
    log(`prepare-electron-native: ${label} ready in ${path.join(ELECTRON_NATIVE_DIR, BINDING_FILE)} (${method})`)
    return { status: 'built', method }
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

/**
 * Opens an in-memory database with the new binary inside Electron running as Node, when Electron's
 * binary is installed, so a binary for the wrong ABI fails here and not when the app starts.
 * @param {string} root
 * @param {string} binding
 * @param {NodeJS.ProcessEnv} env
 * @param {(line: string) => void} log
 */
function checkLoadsInElectron(root, binding, env, log) {
  const electron = electronBinary(root, env)
  if (electron === undefined) {
    log("prepare-electron-native: Electron's binary is not installed yet, so the new build was not load-tested")
    return
  }
  const probe = [
    `const Database = require(${JSON.stringify(path.join(root, 'node_modules', 'better-sqlite3'))})`,
    `const db = new Database(':memory:', { nativeBinding: ${JSON.stringify(binding)} })`,
    "db.prepare('select sqlite_version()').pluck().get()",
    'db.close()'
  ].join('\n')
  const result = spawnSync(electron, ['-e', probe], {
    env: { ...env, ELECTRON_RUN_AS_NODE: '1' },
    encoding: 'utf8'
  })
  if (result.status !== 0) {
    throw new Error(`the new build does not load in Electron: ${(result.stderr || String(result.error)).trim()}`)
  }
}

/**
 * Electron's executable if it is installed, without triggering the download that requiring the
 * electron package would start.
 * @param {string} root
 * @param {NodeJS.ProcessEnv} env
 * @returns {string | undefined}
 */
function electronBinary(root, env) {
  const packageDir = path.join(root, 'node_modules', 'electron')
  let executable
  try {
    executable = fs.readFileSync(path.join(packageDir, 'path.txt'), 'utf8')
  } catch {
    return undefined
  }
  const dist = env.ELECTRON_OVERRIDE_DIST_PATH || path.join(packageDir, 'dist')
  const file = path.join(dist, executable)
  return fs.existsSync(file) ? file : undefined
}

/**
 * Moves the binary into place and writes its stamp last, each by rename, so an interrupted run
 * leaves either the old pair or a binary without a matching stamp, which the next run rebuilds.
 * @param {string} outDir
 * @param {string} built
 * @param {Stamp} stamp
 */
function install(outDir, built, stamp) {
  fs.mkdirSync(outDir, { recursive: true })
  const binding = path.join(outDir, BINDING_FILE)
  const stampFile = path.join(outDir, STAMP_FILE)
  fs.rmSync(stampFile, { force: true })
  fs.copyFileSync(built, `${binding}.tmp`)
  fs.renameSync(`${binding}.tmp`, binding)
  fs.writeFileSync(`${stampFile}.tmp`, `${JSON.stringify(stamp, null, 2)}\n`)
  fs.renameSync(`${stampFile}.tmp`, stampFile)
}

/**
 * Runs a build tool with its output shown; true when it exited 0.
 * @param {string} command
 * @param {string[]} args
 * @param {string} cwd
 * @param {NodeJS.ProcessEnv} env
 */
function run(command, args, cwd, env) {
  const result = spawnSync(command, args, { cwd, env, stdio: 'inherit', shell: process.platform === 'win32' && command === 'node-gyp' })
  if (result.error) console.error(`prepare-electron-native: could not run ${command}: ${result.error.message}`)
  return result.status === 0
}

/** @param {unknown} error */
function errorMessage(error) {
  return error instanceof Error ? error.message : String(error)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  try {
    prepareElectronNative({ root, force: process.argv.includes('--force') })
  } catch (error) {
    console.error(`prepare-electron-native: ${errorMessage(error)}`)
    process.exitCode = 1
  }
}

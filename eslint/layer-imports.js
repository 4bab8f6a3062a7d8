// The process boundaries of STYLE.md "Layout and boundaries" as one lint rule.
//
// `no-restricted-imports` matches the import string only, so it cannot tell `../index` written in
// src/main/core/db (src/main/core/index) from the same string in src/main/core (src/main/index, the
// Electron shell). This rule resolves relative specifiers against the importing file first and then
// matches the repository path they land on, and it also sees `import()`, `require()` and
// `import x = require()`, which `no-restricted-imports` does not.
import { builtinModules } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const builtins = new Set(builtinModules)

/**
 * @typedef {{ layer: string, reason: string, forbid?: string[], allow?: string[] }} LayerOptions
 */

/**
 * The key an import is matched on: `node:<name>` for Node built-ins (with or without the prefix),
 * the repository-relative path for relative specifiers, the specifier itself for packages.
 * @param {string} specifier
 * @param {string} fromFile absolute path of the importing file
 */
function importKey(specifier, fromFile) {
  if (specifier.startsWith('node:')) return specifier
  if (builtins.has(specifier) || builtins.has(specifier.split('/', 1)[0] ?? '')) return `node:${specifier}`
  if (specifier.startsWith('.') || path.isAbsolute(specifier)) {
    const target = path.resolve(path.dirname(fromFile), specifier)
    return path.relative(repoRoot, target).split(path.sep).join('/')
  }
  return specifier
}

/**
 * How specifically `entry` matches `key`, or -1. `*` at the end makes a prefix (`node:*`, `*`);
 * otherwise an entry matches itself and anything below it (`react-dom` matches `react-dom/client`,
 * `src/main` matches `src/main/cli/main`).
 * @param {string} entry
 * @param {string} key
 */
function specificity(entry, key) {
  if (entry.endsWith('*')) {
    const prefix = entry.slice(0, -1)
    return key.startsWith(prefix) ? prefix.length : -1
  }
  return key === entry || key.startsWith(`${entry}/`) ? entry.length : -1
}

/**
 * True when the most specific matching entry is a `forbid` one (an `allow` wins a tie).
 * @param {string} key
 * @param {Pick<LayerOptions, 'forbid' | 'allow'>} options
 */
function isForbidden(key, { forbid = [], allow = [] }) {
  const best = (/** @type {string[]} */ entries) => Math.max(-1, ...entries.map((entry) => specificity(entry, key)))
  const forbidden = best(forbid)
  return forbidden >= 0 && forbidden > best(allow)
}

/** @type {import('eslint').Rule.RuleModule} */
export const layerImports = {
  meta: {
    type: 'problem',
    docs: { description: 'Keep each process folder to the imports its runtime allows' },
    schema: [
      {
        type: 'object',
        properties: {
          layer: { type: 'string' },
          reason: { type: 'string' },
          forbid: { type: 'array', items: { type: 'string' } },
          allow: { type: 'array', items: { type: 'string' } }
        },
        required: ['layer', 'reason', 'forbid'],
        additionalProperties: false
      }
    ],
    messages: {
      forbidden: "{{layer}} must not import '{{specifier}}': {{reason}}"
    }
  },
  create(context) {
    const options = /** @type {LayerOptions} */ (context.options[0])
    const check = (/** @type {import('estree').Node | null | undefined} */ node) => {
      if (!node || node.type !== 'Literal' || typeof node.value !== 'string') return
      if (isForbidden(importKey(node.value, context.filename), options)) {
        context.report({
          node,
          messageId: 'forbidden',
          data: { layer: options.layer, specifier: node.value, reason: options.reason }
        })
      }
    }
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      // `import x = require('…')`, a TypeScript node the estree types do not know.
      TSExternalModuleReference: (/** @type {{ expression: import('estree').Node }} */ node) => check(node.expression),
      CallExpression(node) {
        const [argument] = node.arguments
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && argument?.type !== 'SpreadElement') {
          check(argument)
        }
      }
    }
  }
}

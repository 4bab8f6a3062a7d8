import { createReadStream, existsSync, statSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import path from 'node:path'

/**
 * Serves the built renderer (`out/renderer`, from `electron-vite build`) read-only: files under
 * the folder only, no directory listings, and the page's CSP sent as a header too (a header can
 * say `frame-ancestors`, which the <meta> policy in index.html cannot).
 */

/** index.html's policy plus frame-ancestors; connect-src 'self' covers fetch and EventSource. */
export const RENDERER_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8'
}

/** Whether the folder holds a built renderer. */
export function hasBuiltRenderer(rendererDir: string): boolean {
  return existsSync(path.join(rendererDir, 'index.html'))
}

/**
 * Resolves a request path to a file inside `rendererDir`, or undefined. `/` is index.html;
 * encoded dots and slashes, NUL and anything that resolves outside the folder are refused.
 */
export function resolveRendererFile(rendererDir: string, urlPath: string): string | undefined {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return undefined
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '')
  const root = path.resolve(rendererDir)
  const file = path.resolve(root, relative)
  if (file !== root && !file.startsWith(root + path.sep)) return undefined
  try {
    return statSync(file).isFile() ? file : undefined
  } catch {
    return undefined
  }
}

/** Streams the file with its type; HTML gets the CSP header. */
export function sendRendererFile(response: ServerResponse, file: string, headOnly: boolean): void {
  const extension = path.extname(file).toLowerCase()
  const type = MIME_TYPES[extension] ?? 'application/octet-stream'
  response.statusCode = 200
  response.setHeader('Content-Type', type)
  response.setHeader('Content-Length', statSync(file).size)
  // Built file names carry a content hash except index.html; revalidating everything is simplest
  // and costs nothing on loopback.
  response.setHeader('Cache-Control', 'no-cache')
  if (extension === '.html') response.setHeader('Content-Security-Policy', RENDERER_CSP)
  if (headOnly) {
    response.end()
    return
  }
  createReadStream(file)
    .on('error', () => response.destroy())
    .pipe(response)
}

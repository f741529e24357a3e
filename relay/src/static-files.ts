import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { extname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sendText } from '#server'
import type { Stats } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2'
}

/** Hashed file names under this prefix never change content, so browsers may keep them forever. */
const IMMUTABLE_PREFIX = '/_app/immutable/'

/** The demo pair committed in the repository (demo-models/). */
export const DEMO_MODELS_DIR = fileURLToPath(new URL('../../demo-models/', import.meta.url))

/** URL prefix of the model files. */
export const MODELS_PREFIX = '/models/'

/** A model file name: no folders, no leading dot, `.gguf` only. */
const MODEL_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.gguf$/

/**
 * Cross-origin isolation, so pages get `SharedArrayBuffer` and wllama runs
 * multi-threaded. Everything the app loads comes from this origin, which
 * `require-corp` allows without further headers.
 */
export const CROSS_ORIGIN_ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp'
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shoal: app not built</title></head>
<body><h1>The Shoal app is not built</h1>
<p>This relay serves the PWA from its app folder, which has no <code>index.html</code>.
Run <code>npm run build</code>, or start the relay with <code>--app-dir</code> pointing at a build.</p>
</body></html>
`

/**
 * The file under `root` that a decoded URL path names, or undefined when the
 * path tries to leave `root` (`..` segments, backslashes, NUL bytes).
 */
export function resolveAppPath (root: string, pathname: string): string | undefined {
  if (pathname.includes('\0') || pathname.includes('\\')) {
    return undefined
  }
  if (pathname.split('/').some((segment) => segment === '..')) {
    return undefined
  }
  const base = resolve(root)
  const file = resolve(base, `.${pathname}`)
  return file === base || file.startsWith(base + sep) ? file : undefined
}

/**
 * Serves the built PWA: files as they are, and index.html for paths without
 * an extension (client-side routes, deep links). index.html, the service
 * worker and the manifest must be revalidated on every load or an update
 * never reaches installed apps; hashed assets are immutable.
 */
export async function serveApp (root: string, pathname: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const index = join(root, 'index.html')
  const indexStats = await fileStats(index)
  if (indexStats == null) {
    response.writeHead(503, { ...CROSS_ORIGIN_ISOLATION_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Retry-After': '30' })
    response.end(request.method === 'HEAD' ? undefined : NOT_BUILT_PAGE)
    return
  }
  const requested = resolveAppPath(root, pathname)
  if (requested == null) {
    sendText(response, 403, 'forbidden path\n')
    return
  }
  let file = requested
  let stats = await fileStats(file)
  if (stats == null) {
    // A folder may hold a prerendered page.
    stats = await fileStats(join(requested, 'index.html'))
    file = join(requested, 'index.html')
  }
  if (stats == null) {
    if (extname(pathname) !== '') {
      sendText(response, 404, 'not found\n', { 'Cache-Control': 'no-cache' })
      return
    }
    file = index
    stats = indexStats
  }
  sendFile(file, stats, pathname.startsWith(IMMUTABLE_PREFIX), request, response)
}

function sendFile (file: string, stats: Stats, immutable: boolean, request: IncomingMessage, response: ServerResponse): void {
  const etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`
  const headers = {
    ...CROSS_ORIGIN_ISOLATION_HEADERS,
    'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    ETag: etag
  }
  if (request.headers['if-none-match'] === etag) {
    response.writeHead(304, headers)
    response.end()
    return
  }
  response.writeHead(200, { ...headers, 'Content-Length': stats.size })
  if (request.method === 'HEAD') {
    response.end()
    return
  }
  const stream = createReadStream(file)
  stream.on('error', () => { response.destroy() })
  response.on('close', () => { stream.destroy() })
  stream.pipe(response)
}

/**
 * Serves one GGUF file (read-only) from the first of `roots` that holds it,
 * named by `name` (the path after `/models/`): no folders, no traversal,
 * nothing but `*.gguf`. Supports a single byte range (`Range: bytes=a-b`), so
 * loaders can fetch in parts.
 */
export async function serveModel (roots: readonly string[], name: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const found = MODEL_FILE_NAME.test(name) ? await firstModelFile(roots, name) : undefined
  if (found == null) {
    sendText(response, 404, 'not found\n', { 'Cache-Control': 'no-cache' })
    return
  }
  const { file, stats } = found
  const etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`
  const headers = {
    'Content-Type': 'application/octet-stream',
    'Cache-Control': 'no-cache',
    'Accept-Ranges': 'bytes',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
    ETag: etag
  }
  if (request.headers['if-none-match'] === etag) {
    response.writeHead(304, headers)
    response.end()
    return
  }
  const range = parseByteRange(request.headers.range, stats.size)
  if (range === 'unsatisfiable') {
    response.writeHead(416, { ...headers, 'Content-Range': `bytes */${stats.size}` })
    response.end()
    return
  }
  const { start, end } = range ?? { start: 0, end: stats.size - 1 }
  const length = Math.max(0, end - start + 1)
  response.writeHead(range == null ? 200 : 206, {
    ...headers,
    'Content-Length': length,
    ...(range == null ? {} : { 'Content-Range': `bytes ${start}-${end}/${stats.size}` })
  })
  if (request.method === 'HEAD' || length === 0) {
    response.end()
    return
  }
  const stream = createReadStream(file, { start, end })
  stream.on('error', () => { response.destroy() })
  response.on('close', () => { stream.destroy() })
  stream.pipe(response)
}

async function firstModelFile (roots: readonly string[], name: string): Promise<{ file: string, stats: Stats } | undefined> {
  for (const root of roots) {
    const file = resolveAppPath(root, `/${name}`)
    const stats = file == null ? undefined : await fileStats(file)
    if (file != null && stats != null) {
      return { file, stats }
    }
  }
  return undefined
}

/**
 * One range of a `Range` header (`bytes=a-b`, `bytes=a-`, `bytes=-n`);
 * undefined for no header or one we ignore (several ranges, other units),
 * which then gets the whole file.
 */
export function parseByteRange (header: string | undefined, size: number): { start: number, end: number } | 'unsatisfiable' | undefined {
  const match = header == null ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (match == null) {
    return undefined
  }
  const [, first = '', last = ''] = match
  if (first === '' && last === '') {
    return undefined
  }
  if (first === '') {
    const suffix = Number(last)
    return suffix === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(first)
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1)
  return start >= size || end < start ? 'unsatisfiable' : { start, end }
}

async function fileStats (path: string): Promise<Stats | undefined> {
  try {
    const stats = await stat(path)
    return stats.isFile() ? stats : undefined
  } catch {
    return undefined
  }
}

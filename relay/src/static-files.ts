import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { extname, join, resolve, sep } from 'node:path'
import { sendText } from '../../src/lib/server/index.ts'
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
    response.writeHead(503, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Retry-After': '30' })
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

async function fileStats (path: string): Promise<Stats | undefined> {
  try {
    const stats = await stat(path)
    return stats.isFile() ? stats : undefined
  } catch {
    return undefined
  }
}

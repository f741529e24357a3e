/**
 * Model weights in Cache Storage, under {@link MODEL_CACHE_NAME}: a cache of
 * its own, so the service worker's precache (the app shell) never holds them
 * and `cleanupOutdatedCaches()` never drops them on an app update.
 * WebLLM keeps its own caches (`webllm/model`, `webllm/wasm`, `webllm/config`).
 */
import { MODEL_CACHE_NAME } from '$lib/inference'

export interface CachedEntry {
  url: string
  sizeBytes: number
  /** Which cache holds it. */
  cache: string
}

/** WebLLM's own Cache Storage names (see its `cache_util`). */
export const WEBLLM_CACHE_NAMES = ['webllm/model', 'webllm/wasm', 'webllm/config'] as const

/** Everything in `cacheName`, with sizes. */
export async function listCache (cacheName: string): Promise<CachedEntry[]> {
  if (!(await caches.has(cacheName))) return []
  const cache = await caches.open(cacheName)
  const entries: CachedEntry[] = []
  for (const request of await cache.keys()) {
    const response = await cache.match(request)
    if (response === undefined) continue
    const declared = Number(response.headers.get('content-length'))
    const sizeBytes = Number.isFinite(declared) && declared > 0 ? declared : (await response.blob()).size
    entries.push({ url: request.url, sizeBytes, cache: cacheName })
  }
  return entries
}

export interface DownloadProgress {
  loaded: number
  /** 0 when the server sent no length. */
  total: number
}

/**
 * Downloads `url` into the model cache, reporting progress per chunk.
 * Nothing is stored unless the whole file arrived.
 */
export async function downloadToCache (url: string, options: { onProgress?: (progress: DownloadProgress) => void, signal?: AbortSignal } = {}): Promise<CachedEntry> {
  const response = await fetch(url, { signal: options.signal, cache: 'no-store' })
  if (!response.ok || response.body === null) {
    throw new Error(`${url} answered HTTP ${response.status}${response.status === 404 ? ' (the server does not serve this model)' : ''}`)
  }
  const declared = Number(response.headers.get('content-length'))
  const total = Number.isFinite(declared) && declared > 0 ? declared : 0
  const chunks: Uint8Array<ArrayBuffer>[] = []
  let loaded = 0
  const reader = response.body.getReader()
  options.onProgress?.({ loaded, total })
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    loaded += value.byteLength
    options.onProgress?.({ loaded, total })
  }
  if (total > 0 && loaded !== total) throw new Error(`${url}: got ${loaded} of ${total} bytes`)
  const blob = new Blob(chunks, { type: response.headers.get('content-type') ?? 'application/octet-stream' })
  const cache = await caches.open(MODEL_CACHE_NAME)
  await cache.put(url, new Response(blob, {
    headers: { 'content-type': blob.type, 'content-length': String(blob.size), 'x-shoal-cached-at': new Date().toISOString() }
  }))
  return { url, sizeBytes: blob.size, cache: MODEL_CACHE_NAME }
}

export async function deleteFromCache (entry: Pick<CachedEntry, 'url' | 'cache'>): Promise<void> {
  const cache = await caches.open(entry.cache)
  await cache.delete(entry.url)
}

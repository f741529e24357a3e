import { readGgufHeader, tokenizerFingerprint } from '#gguf'
// The catalog itself, not the inference door: drafting is also compiled for Node (tsconfig.node.json), where WebLLM's types do not resolve.
import { MODEL_CACHE_NAME, modelCacheKey } from '../inference/model-catalog.ts'
import type { ByteSource } from '#gguf'

/** Bytes fetched per HTTP range request while reading a header (headers are small; weights are never read). */
const BLOCK_BYTES = 1024 * 1024

/**
 * The tokenizer fingerprint of the GGUF model at `url` (same algorithm as
 * gpu-node's), read from the page's model cache when the model is there,
 * else from the header alone with HTTP range requests.
 */
export async function modelTokenizerFingerprint (url: string, signal?: AbortSignal): Promise<string> {
  const cached = await cachedModel(url)
  const source = cached == null ? rangeSource(url, signal) : blobSource(cached)
  const header = await readGgufHeader(await source)
  return tokenizerFingerprint(header.metadata)
}

async function cachedModel (url: string): Promise<Blob | undefined> {
  if (typeof caches === 'undefined') {
    return undefined
  }
  const cache = await caches.open(MODEL_CACHE_NAME)
  const response = await cache.match(modelCacheKey({ url }, location.origin))
  return response == null ? undefined : await response.blob()
}

function blobSource (blob: Blob): ByteSource {
  return {
    size: blob.size,
    read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer())
  }
}

/** Reads the file in 1 MiB blocks, each fetched once. */
async function rangeSource (url: string, signal?: AbortSignal): Promise<ByteSource> {
  const blocks = new Map<number, Promise<Uint8Array>>()
  let size = Number.POSITIVE_INFINITY
  const block = async (index: number): Promise<Uint8Array> => {
    let pending = blocks.get(index)
    if (pending == null) {
      pending = (async () => {
        const start = index * BLOCK_BYTES
        const response = await fetch(url, { headers: { range: `bytes=${start}-${start + BLOCK_BYTES - 1}` }, signal })
        if (response.status !== 206 && response.status !== 200) {
          throw new Error(`cannot read ${url}: HTTP ${response.status}`)
        }
        const total = /\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1]
        if (total != null) {
          size = Number(total)
        }
        const bytes = new Uint8Array(await response.arrayBuffer())
        // A server that ignores ranges sends the whole file: keep just this block.
        return response.status === 200 ? bytes.slice(start, start + BLOCK_BYTES) : bytes
      })()
      blocks.set(index, pending)
    }
    return pending
  }
  await block(0)
  return {
    get size () { return size },
    read: async (offset, length) => {
      const out = new Uint8Array(length)
      let filled = 0
      while (filled < length) {
        const position = offset + filled
        const bytes = await block(Math.floor(position / BLOCK_BYTES))
        const within = position % BLOCK_BYTES
        const piece = bytes.subarray(within, Math.min(bytes.length, within + length - filled))
        if (piece.length === 0) {
          break
        }
        out.set(piece, filled)
        filled += piece.length
      }
      return out.subarray(0, filled)
    }
  }
}

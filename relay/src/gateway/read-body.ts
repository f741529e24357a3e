import type { IncomingMessage } from 'node:http'

/** Bytes of an oversized body read and thrown away so the client sees its 413; past this its connection is cut. */
const MAX_DISCARDED_BYTES = 16 * 1024 * 1024

/**
 * Reads a request body of at most `maxBytes`. The gateway holds the whole
 * body (it is small: a conversation) so it can send it again to the next
 * verifier when the first refuses.
 *
 * @returns the body, or 'too-large' once the client has finished sending it (or been cut off)
 */
export async function readBody (request: IncomingMessage, maxBytes: number): Promise<Uint8Array | 'too-large'> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.byteLength
    if (size > MAX_DISCARDED_BYTES) {
      request.destroy()
      return 'too-large'
    }
    if (size <= maxBytes) {
      chunks.push(chunk)
    }
  }
  return size > maxBytes ? 'too-large' : Buffer.concat(chunks)
}

/**
 * The model a request names (OpenAI's `model`, Ollama's `model` or older
 * `name`), for routing; undefined when the body is not JSON or names none,
 * which the verifier then answers as it would directly.
 */
export function requestedModel (body: Uint8Array): string | undefined {
  if (body.byteLength === 0) {
    return undefined
  }
  try {
    const json: unknown = JSON.parse(Buffer.from(body).toString('utf8'))
    if (json !== null && typeof json === 'object') {
      const { model, name } = json as { model?: unknown, name?: unknown }
      return typeof model === 'string' ? model : typeof name === 'string' ? name : undefined
    }
  } catch {
    // Not JSON: the verifier says so.
  }
  return undefined
}

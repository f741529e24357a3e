import { BODY_READ_TIMEOUT_MS, MAX_BODY_BYTES, MAX_DISCARDED_BODY_BYTES } from './constants.ts'
import { ApiError, ClientGoneError, invalidRequest } from './errors.ts'
import type { IncomingMessage } from 'node:http'

export interface ReadJsonBodyOptions {
  /**
   * Whether the body must be labelled `application/json` (or `+json`). Ollama
   * reads JSON whatever the label, and its documented `curl -d` examples send
   * `application/x-www-form-urlencoded`, so `/api/*` does not insist.
   */
  requireJsonContentType: boolean
  /**
   * Largest body accepted, in bytes.
   *
   * @default MAX_BODY_BYTES
   */
  maxBytes?: number
  /**
   * Longest wait for the whole body, in ms.
   *
   * @default BODY_READ_TIMEOUT_MS
   */
  timeoutMs?: number
}

/**
 * Reads and parses a request's JSON body, bounded in size and time.
 *
 * @throws {ApiError} 415 for a body that is not labelled JSON (when required)
 * or is compressed, 413 when over the limit, 408 when too slow, 400 when it is
 * empty or not JSON
 * @throws {ClientGoneError} when the connection closes first
 */
export async function readJsonBody (request: IncomingMessage, options: ReadJsonBodyOptions): Promise<unknown> {
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES
  checkContentType(request, options.requireJsonContentType)

  const declared = Number(request.headers['content-length'] ?? Number.NaN)
  if (declared > MAX_DISCARDED_BODY_BYTES) {
    // Not worth reading just to answer politely: answer and hang up.
    throw tooLarge(maxBytes, { Connection: 'close' })
  }
  const body = await readBody(request, maxBytes, options.timeoutMs ?? BODY_READ_TIMEOUT_MS)
  const text = body.toString('utf8')
  if (text.trim() === '') {
    throw invalidRequest('the request body is empty; send a JSON object')
  }
  try {
    return JSON.parse(text)
  } catch (err) {
    throw invalidRequest(`the request body is not valid JSON (${err instanceof Error ? err.message : String(err)})`, { code: 'invalid_json' })
  }
}

function checkContentType (request: IncomingMessage, requireJson: boolean): void {
  const encoding = request.headers['content-encoding']
  if (encoding != null && encoding.trim().toLowerCase() !== 'identity') {
    throw new ApiError(415, `Content-Encoding "${encoding}" is not supported; send the body uncompressed`, { type: 'invalid_request_error', code: 'unsupported_media_type' })
  }
  if (!requireJson) {
    return
  }
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  if (mediaType !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(mediaType)) {
    throw new ApiError(415, `expected Content-Type: application/json, got ${mediaType === '' ? 'none' : `"${mediaType}"`}`, { type: 'invalid_request_error', code: 'unsupported_media_type' })
  }
}

function tooLarge (maxBytes: number, headers: Record<string, string> = {}): ApiError {
  return new ApiError(413, `the request body is larger than ${maxBytes} bytes`, { type: 'invalid_request_error', code: 'request_too_large', headers })
}

/**
 * Collects the body. An oversized one is still read to its end (up to
 * `MAX_DISCARDED_BODY_BYTES`, kept nowhere) so the client, still uploading,
 * gets to read the 413 rather than a reset connection.
 */
async function readBody (request: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let received = 0
    const settle = (result: { body: Buffer } | { error: Error }): void => {
      clearTimeout(timer)
      request.off('data', onData)
      request.off('end', onEnd)
      request.off('error', onError)
      request.off('close', onClose)
      if ('body' in result) {
        resolve(result.body)
      } else {
        reject(result.error)
      }
    }
    const onData = (chunk: Buffer): void => {
      received += chunk.length
      if (received <= maxBytes) {
        chunks.push(chunk)
      } else if (received > MAX_DISCARDED_BODY_BYTES) {
        request.pause()
        settle({ error: tooLarge(maxBytes, { Connection: 'close' }) })
      } else {
        chunks.length = 0
      }
    }
    const onEnd = (): void => {
      settle(received > maxBytes ? { error: tooLarge(maxBytes) } : { body: Buffer.concat(chunks) })
    }
    // A request stream fails only when its connection does.
    const onError = (): void => { settle({ error: new ClientGoneError() }) }
    const onClose = (): void => { settle({ error: new ClientGoneError() }) }
    const timer = setTimeout(() => {
      request.pause()
      settle({ error: new ApiError(408, `the request body did not arrive within ${timeoutMs} ms`, { type: 'invalid_request_error', code: 'request_timeout', headers: { Connection: 'close' } }) })
    }, timeoutMs)
    request.on('data', onData)
    request.on('end', onEnd)
    request.on('error', onError)
    request.on('close', onClose)
  })
}

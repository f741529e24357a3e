import { z } from 'zod'
import { MalformedMessageError, MessageTooLargeError } from './errors.ts'
import { MAX_HTTP_TUNNEL_FRAME_BYTES, MAX_HTTP_TUNNEL_HEAD_BYTES } from './limits.ts'

/*
 * One HTTP exchange on one `/shoal/http/1.0.0` stream, in length-prefixed
 * frames. The gateway writes the request's head (JSON), its body as `data`
 * frames and an `end` frame; the verifier answers with the response's head,
 * `data` frames as its HTTP API writes them (an SSE chunk is forwarded when
 * it is written, not when the answer ends) and `end`. The `end` frame tells a
 * whole body from one cut short by a verifier that went away: the stream
 * closing alone does not.
 */

/**
 * The gateway's ask, on a streamed chat completion, for each chunk's tokens
 * (`shoal_tokens`), which it keeps to continue the answer on another verifier
 * if this one goes away, and strips before the client sees the chunk.
 */
export const STREAM_TOKENS_HEADER = 'x-shoal-stream-tokens'

/** The request headers that matter to the HTTP APIs; the rest stay at the gateway. */
export const TUNNELLED_REQUEST_HEADERS = ['content-type', 'authorization', 'accept', STREAM_TOKENS_HEADER] as const

/** The response headers forwarded to the client. */
export const TUNNELLED_RESPONSE_HEADERS = ['content-type', 'cache-control', 'retry-after', 'www-authenticate', 'allow', 'x-accel-buffering'] as const

const headerValue = z.string().max(MAX_HTTP_TUNNEL_HEAD_BYTES)

export const HttpTunnelRequestHead = z.object({
  method: z.enum(['GET', 'HEAD', 'POST']),
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: z.string().min(1).max(2048).regex(/^\/[^\s]*$/, 'must be an absolute path'),
  headers: z.partialRecord(z.enum(TUNNELLED_REQUEST_HEADERS), headerValue),
  /**
   * Who asks, as the gateway saw them (its client's address): the verifier's
   * per-client limits then count each client of the gateway on its own.
   */
  client: z.string().min(1).max(128)
}).strict()
export type HttpTunnelRequestHead = z.infer<typeof HttpTunnelRequestHead>

export const HttpTunnelResponseHead = z.object({
  status: z.number().int().min(100).max(599),
  headers: z.partialRecord(z.enum(TUNNELLED_RESPONSE_HEADERS), headerValue)
}).strict()
export type HttpTunnelResponseHead = z.infer<typeof HttpTunnelResponseHead>

/** A body frame: some bytes of the body, or its end. */
export type HttpTunnelFrame = { type: 'data', bytes: Uint8Array } | { type: 'end' }

const DATA = 0
const END = 1

export function encodeHttpTunnelHead (head: HttpTunnelRequestHead | HttpTunnelResponseHead): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify(head))
  if (bytes.byteLength > MAX_HTTP_TUNNEL_HEAD_BYTES) {
    throw new MessageTooLargeError(`the HTTP head is ${bytes.byteLength} bytes, more than ${MAX_HTTP_TUNNEL_HEAD_BYTES}`)
  }
  return bytes
}

/**
 * Decodes a request head read from the mesh.
 *
 * @throws {MalformedMessageError} when it is not a valid head
 */
export function decodeHttpTunnelRequestHead (bytes: Uint8Array): HttpTunnelRequestHead {
  return decodeHead(bytes, HttpTunnelRequestHead, 'request')
}

/**
 * Decodes a response head read from the mesh.
 *
 * @throws {MalformedMessageError} when it is not a valid head
 */
export function decodeHttpTunnelResponseHead (bytes: Uint8Array): HttpTunnelResponseHead {
  return decodeHead(bytes, HttpTunnelResponseHead, 'response')
}

function decodeHead<T> (bytes: Uint8Array, schema: z.ZodType<T>, what: string): T {
  if (bytes.byteLength > MAX_HTTP_TUNNEL_HEAD_BYTES) {
    throw new MessageTooLargeError(`the HTTP ${what} head is ${bytes.byteLength} bytes, more than ${MAX_HTTP_TUNNEL_HEAD_BYTES}`)
  }
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (err) {
    throw new MalformedMessageError(`the HTTP ${what} head is not JSON: ${(err as Error).message}`)
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new MalformedMessageError(`the HTTP ${what} head is invalid: ${issue === undefined ? 'unknown problem' : `${issue.path.join('.') || 'head'} ${issue.message}`}`)
  }
  return parsed.data
}

/** A data frame; `bytes` must be at most {@link MAX_HTTP_TUNNEL_FRAME_BYTES} - 1 (see {@link splitBody}). */
export function encodeHttpTunnelData (bytes: Uint8Array): Uint8Array {
  const frame = new Uint8Array(bytes.byteLength + 1)
  frame[0] = DATA
  frame.set(bytes, 1)
  return frame
}

export function encodeHttpTunnelEnd (): Uint8Array {
  return Uint8Array.of(END)
}

/**
 * Decodes a body frame.
 *
 * @throws {MalformedMessageError} when it is neither `data` nor `end`
 */
export function decodeHttpTunnelFrame (frame: Uint8Array): HttpTunnelFrame {
  if (frame[0] === DATA) {
    return { type: 'data', bytes: frame.subarray(1) }
  }
  if (frame[0] === END && frame.byteLength === 1) {
    return { type: 'end' }
  }
  throw new MalformedMessageError('an HTTP tunnel frame is neither data nor end')
}

/** The most body bytes one data frame carries. */
export const MAX_HTTP_TUNNEL_DATA_BYTES = MAX_HTTP_TUNNEL_FRAME_BYTES - 1

/** `bytes` in pieces that each fit one data frame. */
export function splitBody (bytes: Uint8Array): Uint8Array[] {
  const pieces: Uint8Array[] = []
  for (let offset = 0; offset < bytes.byteLength; offset += MAX_HTTP_TUNNEL_DATA_BYTES) {
    pieces.push(bytes.subarray(offset, offset + MAX_HTTP_TUNNEL_DATA_BYTES))
  }
  return pieces
}

import { Agent, request as httpRequest } from 'node:http'
import { lpStream } from '@libp2p/utils'
import {
  CHAT_WRITE_TIMEOUT_MS,
  HTTP_TUNNEL_PROTOCOL,
  HTTP_TUNNEL_REQUEST_TIMEOUT_MS,
  MAX_HTTP_TUNNEL_BODY_BYTES,
  MAX_HTTP_TUNNEL_FRAME_BYTES,
  MAX_HTTP_TUNNEL_STREAMS,
  TUNNELLED_RESPONSE_HEADERS,
  decodeHttpTunnelFrame,
  decodeHttpTunnelRequestHead,
  encodeHttpTunnelData,
  encodeHttpTunnelEnd,
  encodeHttpTunnelHead,
  splitBody
} from '#protocol'
import { errorMessage } from '#server'
import { TUNNEL_CLIENT_HEADER } from './http/api-context.ts'
import type { HttpTunnelRequestHead, HttpTunnelResponseHead } from '#protocol'
import type { Log, Metric, Startable } from '#server'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'
import type { IncomingMessage } from 'node:http'

export interface HttpTunnelInit {
  /** Where the API server listens: its `--api-host` (loopback for a wildcard one). */
  apiHost: string
  /** The secret the API server believes the tunnel's client header by (its `tunnelToken`). */
  token: string
}

export interface HttpTunnelComponents {
  node: Pick<Libp2p, 'handle' | 'unhandle'>
  /** The API server, started before the tunnel. */
  api: { readonly port: number }
  log: Log
}

export interface HttpTunnel extends Startable {
  metrics: () => Metric[]
}

/** Counters for `/metrics`. */
interface TunnelStats {
  open: number
  served: number
  /** Exchanges that ended early: the gateway left (its client disconnected) or the stream broke. */
  cut: number
}

/**
 * Serves `/shoal/http/1.0.0` (see protocol/http-tunnel.ts) by forwarding each
 * exchange to this process's own HTTP API on loopback, so every route
 * (OpenAI, Ollama, embeddings, tools) works through a relay's gateway exactly
 * as it does on the API port, limits and errors included. The response streams
 * back as the API writes it; each frame waits for the stream to take it, so a
 * slow client slows generation. The stream closing early destroys the
 * loopback request, and the API sees its client gone and stops generating.
 */
export function createHttpTunnel (init: HttpTunnelInit): (components: HttpTunnelComponents) => HttpTunnel {
  return (components) => {
    const stats: TunnelStats = { open: 0, served: 0, cut: 0 }
    const shutdown = new AbortController()
    const host = loopbackFor(init.apiHost)
    // Loopback connections kept open between exchanges: a request then costs no TCP handshake.
    const agent = new Agent({ keepAlive: true })
    return {
      metrics: () => [
        { name: 'shoal_gpu_node_http_tunnel_open', help: 'HTTP exchanges from a relay\'s gateway in flight.', type: 'gauge', value: stats.open },
        { name: 'shoal_gpu_node_http_tunnel_served_total', help: 'HTTP exchanges from a relay\'s gateway answered to the end.', type: 'counter', value: stats.served },
        { name: 'shoal_gpu_node_http_tunnel_cut_total', help: 'HTTP exchanges from a relay\'s gateway that ended early (client gone or stream broken).', type: 'counter', value: stats.cut }
      ],
      start: async () => {
        await components.node.handle(HTTP_TUNNEL_PROTOCOL, (stream, connection) => {
          stats.open++
          serveExchange(stream, connection, { host, port: components.api.port, agent, token: init.token, signal: shutdown.signal })
            .then(() => { stats.served++ }, (err: unknown) => {
              stats.cut++
              stream.abort(err instanceof Error ? err : new Error(String(err)))
            })
            .finally(() => { stats.open-- })
        }, { maxInboundStreams: MAX_HTTP_TUNNEL_STREAMS })
      },
      stop: async () => {
        await components.node.unhandle(HTTP_TUNNEL_PROTOCOL)
        shutdown.abort()
        agent.destroy()
      }
    }
  }
}

interface ExchangeOptions {
  host: string
  port: number
  agent: Agent
  token: string
  signal: AbortSignal
}

/** A bad request from the gateway: answered with this status, as the API would. */
class TunnelRequestError extends Error {
  constructor (readonly status: number, message: string) {
    super(message)
  }
}

/**
 * One exchange: reads the request, sends it to the API, streams the answer.
 *
 * @throws when the stream breaks or the gateway leaves (the caller aborts the stream)
 */
async function serveExchange (stream: Stream, connection: Pick<Connection, 'remotePeer'>, options: ExchangeOptions): Promise<void> {
  const messages = lpStream(stream, { maxDataLength: MAX_HTTP_TUNNEL_FRAME_BYTES })
  let request: { head: HttpTunnelRequestHead, body: Uint8Array[] }
  try {
    request = await readRequest(messages, AbortSignal.any([options.signal, AbortSignal.timeout(HTTP_TUNNEL_REQUEST_TIMEOUT_MS)]))
  } catch (err) {
    const status = err instanceof TunnelRequestError ? err.status : 400
    const body = new TextEncoder().encode(JSON.stringify({ error: { message: `bad tunnelled request: ${errorMessage(err)}`, type: 'invalid_request_error' } }))
    await writeResponse(messages, { status, headers: { 'content-type': 'application/json; charset=utf-8' } }, [body])
    await stream.close()
    return
  }
  const gone = new AbortController()
  const onClose = (): void => { gone.abort(new Error('the gateway closed the tunnel stream')) }
  stream.addEventListener('close', onClose, { once: true })
  try {
    const response = await sendToApi(request, connection.remotePeer.toString(), options, AbortSignal.any([gone.signal, options.signal]))
    await writeResponse(messages, responseHead(response), response)
    await stream.close()
  } finally {
    stream.removeEventListener('close', onClose)
  }
}

async function readRequest (messages: LengthPrefixedStream<Stream>, signal: AbortSignal): Promise<{ head: HttpTunnelRequestHead, body: Uint8Array[] }> {
  const head = decodeHttpTunnelRequestHead((await messages.read({ signal })).subarray())
  const body: Uint8Array[] = []
  let size = 0
  while (true) {
    const frame = decodeHttpTunnelFrame((await messages.read({ signal })).subarray())
    if (frame.type === 'end') {
      return { head, body }
    }
    size += frame.bytes.byteLength
    if (size > MAX_HTTP_TUNNEL_BODY_BYTES) {
      throw new TunnelRequestError(413, `the request body is over ${MAX_HTTP_TUNNEL_BODY_BYTES} bytes`)
    }
    body.push(frame.bytes)
  }
}

/** The request, made to the API server on loopback; resolves with its response once the head is in. */
async function sendToApi (request: { head: HttpTunnelRequestHead, body: Uint8Array[] }, gatewayPeer: string, options: ExchangeOptions, signal: AbortSignal): Promise<IncomingMessage> {
  const { head, body } = request
  const length = body.reduce((total, piece) => total + piece.byteLength, 0)
  return new Promise((resolve, reject) => {
    const local = httpRequest({
      host: options.host,
      port: options.port,
      agent: options.agent,
      method: head.method,
      path: head.path,
      signal,
      headers: {
        ...head.headers,
        'content-length': length,
        [TUNNEL_CLIENT_HEADER]: `${options.token} gateway:${gatewayPeer}:${head.client}`
      }
    }, resolve)
    local.on('error', reject)
    for (const piece of body) {
      local.write(piece)
    }
    local.end()
  })
}

function responseHead (response: IncomingMessage): HttpTunnelResponseHead {
  const headers: HttpTunnelResponseHead['headers'] = {}
  for (const name of TUNNELLED_RESPONSE_HEADERS) {
    const value = response.headers[name]
    if (typeof value === 'string') {
      headers[name] = value
    }
  }
  return { status: response.statusCode ?? 502, headers }
}

/**
 * Writes the head, the body as it comes and the end frame. Each write waits
 * for the stream to take it (backpressure); one the gateway does not take in
 * time fails, and so does a body cut short (no end frame is sent for it).
 */
async function writeResponse (messages: LengthPrefixedStream<Stream>, head: HttpTunnelResponseHead, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
  const write = async (frame: Uint8Array): Promise<void> => {
    await messages.write(frame, { signal: AbortSignal.timeout(CHAT_WRITE_TIMEOUT_MS) })
  }
  await write(encodeHttpTunnelHead(head))
  for await (const chunk of body) {
    for (const piece of splitBody(chunk)) {
      await write(encodeHttpTunnelData(piece))
    }
  }
  await write(encodeHttpTunnelEnd())
}

/** The API server's own address from this process: a wildcard bind is reached on loopback. */
function loopbackFor (apiHost: string): string {
  if (apiHost === '0.0.0.0' || apiHost === '') {
    return '127.0.0.1'
  }
  if (apiHost === '::') {
    return '::1'
  }
  return apiHost
}

import { isIP } from 'node:net'
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http'

/** Writes `body` as JSON. */
export function sendJson (response: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers
  })
  response.end(text)
}

/**
 * Writes an error in the shape the HTTP APIs share,
 * `{"error":{"message","type"}}` (OpenAI's), so clients parse one form.
 */
export function sendJsonError (response: ServerResponse, status: number, message: string, type: string, headers: OutgoingHttpHeaders = {}): void {
  sendJson(response, status, { error: { message, type } }, headers)
}

/** Writes plain text. */
export function sendText (response: ServerResponse, status: number, text: string, headers: OutgoingHttpHeaders = {}): void {
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers
  })
  response.end(text)
}

/**
 * The request's path, decoded, or undefined when the URL is malformed. Parsing
 * against a fixed base ignores the client's Host header, which it controls.
 */
export function requestPath (request: IncomingMessage): string | undefined {
  try {
    return decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname)
  } catch {
    return undefined
  }
}

/**
 * Starts `server` on host:port and resolves with the port it got (port 0
 * picks a free one). Rejects on EADDRINUSE and the like, or when `signal` aborts.
 */
export async function listen (server: Server, port: number, host: string, options: { signal?: AbortSignal } = {}): Promise<number> {
  options.signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(new Error(`cannot listen on ${host}:${port}: ${err.message}`))
    }
    server.once('error', onError)
    server.listen({ port, host, signal: options.signal }, () => {
      server.off('error', onError)
      resolve()
    })
  })
  const address = server.address()
  if (address == null || typeof address === 'string') {
    throw new Error(`server on ${host}:${port} reports no TCP address`)
  }
  return address.port
}

/** Stops accepting requests and drops open keep-alive connections. */
export async function closeServer (server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => { resolve() }))
  server.closeAllConnections()
  await closed
}

/** `http://host:port` with IPv6 literals bracketed. */
export function httpUrl (host: string, port: number): string {
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`
}

import { connect } from 'node:net'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'

export interface ProxyTarget {
  host: string
  port: number
}

/**
 * Forwards WebSocket upgrades from the public HTTP port to the internal
 * libp2p WebSocket listener at the TCP level: the request line, headers and
 * any bytes already read are replayed, then both sockets are piped. Working
 * below HTTP lets libp2p's own WebSocket server do the handshake, so the
 * relay needs no WebSocket code of its own.
 */
export class WebSocketProxy {
  readonly #sockets = new Set<Duplex>()
  #target: ProxyTarget | undefined
  #total = 0

  /** Set once the libp2p listener is up; upgrades before that get a 503. */
  set target (target: ProxyTarget | undefined) {
    this.#target = target
  }

  /** Sockets open right now, both sides counted. */
  get openSockets (): number {
    return this.#sockets.size
  }

  /** Upgrades forwarded since start. */
  get totalForwarded (): number {
    return this.#total
  }

  /** The HTTP server's `upgrade` handler. */
  handleUpgrade (request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => { socket.destroy() })
    const target = this.#target
    if (request.headers.upgrade?.toLowerCase() !== 'websocket') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    if (target == null) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    this.#total++
    const upstream = connect({ host: target.host, port: target.port })
    this.#track(socket)
    this.#track(upstream)
    const closeBoth = (): void => {
      socket.destroy()
      upstream.destroy()
    }
    socket.on('error', closeBoth).on('close', closeBoth)
    upstream.on('error', closeBoth).on('close', closeBoth)
    upstream.setNoDelay(true)
    upstream.once('connect', () => {
      upstream.write(requestHead(request))
      if (head.byteLength > 0) {
        upstream.write(head)
      }
      socket.pipe(upstream).pipe(socket)
    })
  }

  /** Drops every forwarded connection (on shutdown). */
  closeAll (): void {
    for (const socket of this.#sockets) {
      socket.destroy()
    }
  }

  #track (socket: Duplex): void {
    this.#sockets.add(socket)
    socket.once('close', () => this.#sockets.delete(socket))
  }
}

/** The request line and headers exactly as the client sent them (rawHeaders keeps case and order). */
function requestHead (request: IncomingMessage): string {
  const lines = [`${request.method ?? 'GET'} ${request.url ?? '/'} HTTP/${request.httpVersion}`]
  for (let index = 0; index + 1 < request.rawHeaders.length; index += 2) {
    lines.push(`${request.rawHeaders[index]}: ${request.rawHeaders[index + 1]}`)
  }
  return `${lines.join('\r\n')}\r\n\r\n`
}

import { connect } from 'node:net'
import type { RelayNode } from './relay-node.ts'
import type { Startable } from '#server'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'

export interface WebSocketProxyComponents {
  /** Where upgrades go: the relay node's internal listener, once it has started. */
  relay: Pick<RelayNode, 'internal'>
}

/**
 * Forwards WebSocket upgrades from the public HTTP port to the internal
 * libp2p WebSocket listener at the TCP level: the request line, headers and
 * any bytes already read are replayed, then both sockets are piped. Working
 * below HTTP lets libp2p's own WebSocket server do the handshake, so the
 * relay needs no WebSocket code of its own.
 */
export class WebSocketProxy implements Startable {
  readonly #relay: WebSocketProxyComponents['relay']
  readonly #sockets = new Set<Duplex>()
  #forwarding = false
  #total = 0

  constructor (components: WebSocketProxyComponents) {
    this.#relay = components.relay
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
    // Until started (the relay node is up) and once stopped, upgrades get a 503.
    const target = this.#forwarding ? this.#relay.internal : undefined
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

  start (): void {
    this.#forwarding = true
  }

  /** Refuses further upgrades and drops every forwarded connection. */
  stop (): void {
    this.#forwarding = false
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

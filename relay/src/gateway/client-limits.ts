import type { IncomingMessage } from 'node:http'

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

/**
 * Who a gateway request comes from: its address, or, from loopback (a TLS
 * proxy on this host), the address that proxy appended to `X-Forwarded-For`.
 * Only the last entry is the proxy's own; earlier ones the client wrote.
 */
export function clientAddress (request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? 'unknown'
  const forwarded = request.headers['x-forwarded-for']
  if (LOOPBACK.has(address) && typeof forwarded === 'string') {
    const last = forwarded.split(',').at(-1)?.trim()
    if (last !== undefined && last !== '') {
      return last
    }
  }
  return address
}

/**
 * Counts each client's API requests in flight at the gateway, so that one
 * client cannot hold every verifier's sequences through the relay.
 */
export class ClientLimits {
  readonly #inFlight = new Map<string, number>()
  #refused = 0

  constructor (readonly maxConcurrent: number) {}

  /** Requests refused for being over the limit, since start. */
  get refused (): number {
    return this.#refused
  }

  /** Requests in flight now, all clients together. */
  get inFlight (): number {
    let total = 0
    for (const count of this.#inFlight.values()) {
      total += count
    }
    return total
  }

  /**
   * Takes one of the client's slots.
   *
   * @returns the release (call it once, when the response ends), or undefined when the client is at its limit
   */
  acquire (client: string): (() => void) | undefined {
    const count = this.#inFlight.get(client) ?? 0
    if (this.maxConcurrent > 0 && count >= this.maxConcurrent) {
      this.#refused++
      return undefined
    }
    this.#inFlight.set(client, count + 1)
    let released = false
    return () => {
      if (released) {
        return
      }
      released = true
      const left = (this.#inFlight.get(client) ?? 1) - 1
      if (left <= 0) {
        this.#inFlight.delete(client)
      } else {
        this.#inFlight.set(client, left)
      }
    }
  }
}

import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import type { Log } from './log.ts'

/**
 * Keeps one client from holding a server's sockets. A server created with
 * {@link GUARDED_SERVER_OPTIONS} gives a request's headers
 * {@link HEADERS_TIMEOUT_MS} to arrive and the whole request
 * {@link REQUEST_TIMEOUT_MS}, checked every second: a slow-loris client that
 * dribbles bytes gets 408 and its socket is freed. {@link guardConnections}
 * then lets one address hold at most `maxPerAddress` sockets at once; a
 * socket past that is closed as it opens, so others keep theirs. An upgraded
 * socket (a libp2p WebSocket) counts until it closes.
 *
 * Loopback (127.0.0.1, ::1) is not counted: a TLS proxy on the same host
 * brings every client from there.
 *
 * @example
 * ```ts
 * const server = createServer(GUARDED_SERVER_OPTIONS, handler)
 * const guard = guardConnections(server, { maxPerAddress: 256, log })
 * guard.refused // sockets closed as they opened
 * ```
 */

/** Time for a request's headers to arrive: what a slow-loris client is given. */
export const HEADERS_TIMEOUT_MS = 10_000
/** Time for a whole request (headers and body; not the response) to arrive. */
export const REQUEST_TIMEOUT_MS = 60_000
/** For `createServer`: Node checks these timeouts only every 30 s by default, which gives a slow client 40 s, not 10. */
export const GUARDED_SERVER_OPTIONS = {
  headersTimeout: HEADERS_TIMEOUT_MS,
  requestTimeout: REQUEST_TIMEOUT_MS,
  connectionsCheckingInterval: 1_000
} as const

/** How often one address's refusals are logged, at most. */
const REFUSAL_LOG_INTERVAL_MS = 60_000

export interface ConnectionGuardInit {
  /** Most sockets one address may hold at once; 0 for no limit. */
  maxPerAddress: number
  log: Log
}

export interface ConnectionGuard {
  /** Sockets closed as they opened because their address held its limit. */
  readonly refused: number
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

export function guardConnections (server: Server, init: ConnectionGuardInit): ConnectionGuard {
  const open = new Map<string, number>()
  const lastLogged = new Map<string, number>()
  let refused = 0
  if (init.maxPerAddress > 0) {
    server.on('connection', (socket: Socket) => {
      const address = socket.remoteAddress
      if (address === undefined || LOOPBACK.has(address)) return
      const count = open.get(address) ?? 0
      if (count >= init.maxPerAddress) {
        refused++
        socket.destroy()
        const now = Date.now()
        if (now - (lastLogged.get(address) ?? 0) >= REFUSAL_LOG_INTERVAL_MS) {
          lastLogged.set(address, now)
          init.log.warn(`${address} holds ${count} connections, its limit: closing its new ones`)
        }
        return
      }
      open.set(address, count + 1)
      socket.once('close', () => {
        const left = (open.get(address) ?? 1) - 1
        if (left <= 0) {
          open.delete(address)
          lastLogged.delete(address)
        } else {
          open.set(address, left)
        }
      })
    })
  }
  return { get refused () { return refused } }
}

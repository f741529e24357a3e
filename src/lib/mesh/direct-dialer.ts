import type { Connection, PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { backoffDelay, sleep } from '#mesh-common'
import { connectionKind } from './connection-kind.ts'
import type { BrowserNode } from './create-browser-node.ts'

export interface DirectDialOptions {
  signal: AbortSignal
  /** @default 4 */
  attempts?: number
  /** Deadline for one dial attempt. @default 10000 */
  attemptTimeoutMs?: number
}

/**
 * Opens a direct WebRTC connection to a peer through the relay it announced.
 *
 * A failed WebRTC dial can leave a half-dead `/webrtc` connection behind, and
 * the transport signals over any existing connection to the peer, so a plain
 * retry would reuse the dead one. Each retry first closes those.
 */
export async function dialDirect (node: BrowserNode, peerId: PeerId, addresses: string[], options: DirectDialOptions): Promise<Connection> {
  const attempts = options.attempts ?? 4
  let lastError: unknown = new Error(`no WebRTC address announced for ${peerId}`)
  for (let attempt = 0; attempt < attempts; attempt++) {
    const existing = node.getConnections(peerId).find((connection) => connectionKind(connection) === 'webrtc' && connection.status === 'open')
    if (existing !== undefined) {
      return existing
    }
    for (const address of addresses) {
      try {
        const connection = await node.dial(multiaddr(address), {
          signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.attemptTimeoutMs ?? 10_000)]),
          // A relayed connection to the peer may exist already: we want a direct one.
          force: true
        })
        if (connectionKind(connection) === 'webrtc') {
          return connection
        }
        lastError = new Error(`dial to ${peerId} gave a ${connectionKind(connection)} connection, not WebRTC`)
      } catch (err) {
        options.signal.throwIfAborted()
        lastError = err
      }
    }
    await closeStaleWebRTCConnections(node, peerId)
    await sleep(backoffDelay(attempt, { initialMs: 250, maxMs: 4_000 }), options.signal)
  }
  throw lastError
}

async function closeStaleWebRTCConnections (node: BrowserNode, peerId: PeerId): Promise<void> {
  const stale = node.getConnections(peerId).filter((connection) => connectionKind(connection) === 'webrtc')
  await Promise.all(stale.map(async (connection) => {
    connection.abort(new Error('closing a WebRTC connection left by a failed dial'))
  }))
}

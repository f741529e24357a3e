import { multiaddr } from '@multiformats/multiaddr'
import { relayMultiaddrForOrigin } from '#protocol'
import { backoffDelay, sleep } from '#mesh-common'
import { errorMessage, fetchRelayBootstrap } from '#server'
import type { Log, Metric, Startable } from '#server'
import type { PeerId } from '@libp2p/interface'
import type { RelayNode } from './relay-node.ts'

/** Deadline for one dial, bootstrap fetch included. */
const DIAL_TIMEOUT_MS = 10_000

/** Tag that keeps the connection manager from pruning a link to another relay. */
const PEER_RELAY_TAG = 'shoal-peer-relay'

export interface PeerRelaysInit {
  /** The other relays of this mesh, as http(s) origins (`--peer-relays`). */
  origins: readonly string[]
}

export interface PeerRelaysComponents {
  relay: RelayNode
  log: Log
}

export interface PeerRelays extends Startable {
  /** The origins named, for the bootstrap JSON. */
  readonly origins: readonly string[]
  /** How many of them this relay is connected to now. */
  connected: () => number
  metrics: () => Metric[]
}

/**
 * Links this relay to the other relays of its mesh: it keeps a libp2p
 * connection to each (redialling with backoff, however long one is gone),
 * so gossip crosses relays: relays subscribe to the announcement topic, and
 * gossipsub forwards what one relay's peers publish to the other's. The
 * bootstrap JSON names these origins, and pages and verifiers keep a second
 * reservation on one of them.
 */
export function createPeerRelays (init: PeerRelaysInit): (components: PeerRelaysComponents) => PeerRelays {
  return ({ relay, log }) => {
    const controller = new AbortController()
    const linked = new Map<string, PeerId>()
    let relinks = 0
    let running: Array<Promise<void>> = []

    const isConnected = (peer: PeerId | undefined): boolean => peer !== undefined && (relay.libp2p?.getConnections(peer).some((connection) => connection.status === 'open') ?? false)

    async function keepLinked (origin: string, signal: AbortSignal): Promise<void> {
      let attempt = 0
      let reportedFailure = false
      while (!signal.aborted) {
        const node = relay.libp2p
        try {
          if (node === undefined) {
            throw new Error('the relay node is not running')
          }
          const dialSignal = AbortSignal.any([signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)])
          const bootstrap = await fetchRelayBootstrap(new URL(origin), { signal: dialSignal })
          if (bootstrap.relayPeerId === relay.peerId) {
            log.warn(`--peer-relays names this relay itself (${origin}); not linking to it`)
            return
          }
          const connection = await node.dial(multiaddr(relayMultiaddrForOrigin(origin, bootstrap)), { signal: dialSignal })
          const peer = connection.remotePeer
          await node.peerStore.merge(peer, { tags: { [PEER_RELAY_TAG]: { value: 100 } } })
          linked.set(origin, peer)
          log.info(`Linked to relay ${origin} (peer ${peer.toString()}): gossip crosses between us`)
          attempt = 0
          reportedFailure = false
          await untilDisconnected(peer, signal)
          if (signal.aborted) {
            return
          }
          relinks++
          log.warn(`lost the link to relay ${origin}; relinking`)
        } catch (err) {
          if (signal.aborted) {
            return
          }
          if (!reportedFailure) {
            log.warn(`relay ${origin} unreachable (${errorMessage(err)}); retrying with backoff`)
            reportedFailure = true
          }
        }
        await sleep(backoffDelay(attempt++), signal).catch(() => {})
      }
    }

    async function untilDisconnected (peer: PeerId, signal: AbortSignal): Promise<void> {
      const node = relay.libp2p
      if (node === undefined || !isConnected(peer)) {
        return
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          node.removeEventListener('peer:disconnect', onDisconnect)
          signal.removeEventListener('abort', done)
          resolve()
        }
        const onDisconnect = (event: CustomEvent<PeerId>): void => {
          if (event.detail.equals(peer)) {
            done()
          }
        }
        node.addEventListener('peer:disconnect', onDisconnect)
        signal.addEventListener('abort', done, { once: true })
      })
    }

    const connected = (): number => [...linked.values()].filter(isConnected).length
    return {
      origins: init.origins,
      connected,
      metrics: () => [
        { name: 'shoal_relay_peer_relays', help: 'Other relays of this mesh named by --peer-relays.', type: 'gauge', value: init.origins.length },
        { name: 'shoal_relay_peer_relays_connected', help: 'Of those, relays this relay is linked to now.', type: 'gauge', value: connected() },
        { name: 'shoal_relay_peer_relay_relinks_total', help: 'Times a link to another relay was lost after being made.', type: 'counter', value: relinks }
      ],
      start: () => {
        running = init.origins.map(async (origin) => keepLinked(origin, controller.signal))
      },
      stop: async () => {
        controller.abort()
        await Promise.all(running)
      }
    }
  }
}

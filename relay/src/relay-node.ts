import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { getNetConfig } from '@libp2p/utils'
import { webSockets } from '@libp2p/websockets'
import { createShoalNode, joinAnnounceTopic } from '#server'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import type { ShoalServices } from '#server'

export type RelayLibp2p = Libp2p<ShoalServices & { circuitRelay: CircuitRelayService }>

export interface RelayNodeInit {
  privateKey: PrivateKey
  /** Public WebSocket multiaddrs (the HTTP port), announced instead of the internal listener. */
  announce: string[]
  /**
   * Most reservations held at once.
   *
   * @default 1024
   */
  maxReservations?: number
  /**
   * Most connections before pruning.
   *
   * @default 4096
   */
  maxConnections?: number
}

export interface RelayNode {
  node: RelayLibp2p
  /** Where the internal WebSocket listener accepts the connections the HTTP port forwards. */
  internal: { host: string, port: number }
}

/**
 * Starts the relay's libp2p node: a circuit-relay-v2 server and gossipsub hub
 * behind a WebSocket listener on 127.0.0.1 at a free port. Peers reach it
 * through the public HTTP port, which forwards WebSocket upgrades here.
 */
export async function startRelayNode (init: RelayNodeInit): Promise<RelayNode> {
  const maxConnections = init.maxConnections ?? 4096
  const node = await createShoalNode<{ circuitRelay: CircuitRelayService }>({
    privateKey: init.privateKey,
    transports: [webSockets()],
    listen: ['/ip4/127.0.0.1/tcp/0/ws'],
    announce: init.announce,
    connectionManager: {
      maxConnections,
      // Every connection arrives through the HTTP proxy, so from 127.0.0.1:
      // per-host limits would throttle the whole world as one host.
      inboundConnectionThreshold: maxConnections,
      maxIncomingPendingConnections: 256
    },
    services: {
      circuitRelay: circuitRelayServer({
        reservations: { maxReservations: init.maxReservations ?? 1024 }
      })
    }
  })

  let internal: RelayNode['internal'] | undefined
  node.addEventListener('transport:listening', (event) => {
    for (const address of event.detail.getAddrs()) {
      const config = getNetConfig(address)
      if (config.port != null) {
        internal = { host: config.host, port: config.port }
      }
    }
  })
  await node.start()
  if (internal == null) {
    await node.stop()
    throw new Error('the relay\'s WebSocket listener reported no address')
  }
  joinAnnounceTopic(node.services.pubsub)
  return { node, internal }
}

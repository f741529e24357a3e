import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { getNetConfig } from '@libp2p/utils'
import { webSockets } from '@libp2p/websockets'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { MAX_CIRCUITS_PER_RESERVATION } from '#protocol'
import { ByteBudget, createShoalNode, GossipPolice, joinAnnounceTopic, StreamBudget, streamBudgetService } from '#server'
import { RELAY_BYTE_RATES, RELAY_STREAM_RATES } from './stream-rates.ts'
import { liftCircuitLimitsFor } from './unlimited-circuits.ts'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { Libp2p, PrivateKey, Startable as Libp2pStartable } from '@libp2p/interface'
import type { Log, ShoalServices, Startable } from '#server'

export type RelayLibp2p = Libp2p<ShoalServices & { circuitRelay: CircuitRelayService, streamBudget: Libp2pStartable, byteBudget: Libp2pStartable }>

export interface RelayNodeInit {
  privateKey: PrivateKey
  /**
   * The public WebSocket multiaddrs (the HTTP port), announced instead of
   * the internal listener. Asked for when the node starts: with `--port 0`
   * the HTTP port is only known once the HTTP server has bound it.
   */
  announce: () => string[]
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
  /**
   * Peers (verifiers the operator trusts) whose circuits carry no
   * circuit-relay limits; others' are cut at 128 KiB or 2 minutes.
   *
   * @default none
   */
  unlimitedCircuitsFor?: readonly string[]
  /** Where dropping a peer that floods gossip is reported. */
  log: Pick<Log, 'warn'>
}

/** Where the internal WebSocket listener accepts the connections the HTTP port forwards. */
export interface InternalAddress {
  host: string
  port: number
}

export interface RelayNode extends Startable {
  /** The relay's peer id (from its key, so known before it starts). */
  readonly peerId: string
  /** The libp2p node; undefined until started. */
  readonly libp2p: RelayLibp2p | undefined
  /** The internal listener; undefined until started. */
  readonly internal: InternalAddress | undefined
  /** The addresses announced, as the node started with them. */
  readonly announced: readonly string[]
  /** Hangs up on peers whose announcements keep being rejected; undefined until started. */
  readonly police: GossipPolice | undefined
  /** Per-peer budgets of new streams, per protocol (see `stream-rates.ts`). */
  readonly streams: StreamBudget
  /** Per-peer budgets of bytes read, per protocol (see `stream-rates.ts`). */
  readonly bytes: ByteBudget
}

/**
 * The relay's libp2p node as a service: a circuit-relay-v2 server and
 * gossipsub hub behind a WebSocket listener on 127.0.0.1 at a free port.
 * Peers reach it through the public HTTP port, which forwards WebSocket
 * upgrades here (see `websocket-proxy.ts`).
 */
export function createRelayNode (init: RelayNodeInit): RelayNode {
  let libp2p: RelayLibp2p | undefined
  let internal: InternalAddress | undefined
  let announced: string[] = []
  let police: GossipPolice | undefined
  const streams = new StreamBudget(RELAY_STREAM_RATES)
  const bytes = new ByteBudget(RELAY_BYTE_RATES)
  return {
    peerId: peerIdFromPrivateKey(init.privateKey).toString(),
    get libp2p () { return libp2p },
    get internal () { return internal },
    get announced () { return announced },
    get police () { return police },
    streams,
    bytes,
    start: async () => {
      announced = init.announce()
      const node = await createNode(init, announced, streams, bytes)
      liftCircuitLimitsFor(node.services.circuitRelay, new Set(init.unlimitedCircuitsFor))
      let listening: InternalAddress | undefined
      node.addEventListener('transport:listening', (event) => {
        for (const address of event.detail.getAddrs()) {
          const config = getNetConfig(address)
          if (config.port != null) {
            listening = { host: config.host, port: config.port }
          }
        }
      })
      await node.start()
      if (listening == null) {
        await node.stop()
        throw new Error('the relay\'s WebSocket listener reported no address')
      }
      police = new GossipPolice(node, init.log)
      joinAnnounceTopic(node.services.pubsub, police)
      libp2p = node
      internal = listening
    },
    stop: async () => {
      internal = undefined
      await libp2p?.stop()
    }
  }
}

async function createNode (init: RelayNodeInit, announce: string[], streams: StreamBudget, bytes: ByteBudget): Promise<RelayLibp2p> {
  const maxConnections = init.maxConnections ?? 4096
  return createShoalNode<{ circuitRelay: CircuitRelayService, streamBudget: Libp2pStartable, byteBudget: Libp2pStartable }>({
    privateKey: init.privateKey,
    transports: [webSockets()],
    listen: ['/ip4/127.0.0.1/tcp/0/ws'],
    announce,
    connectionManager: {
      maxConnections,
      // Every connection arrives through the HTTP proxy, so from 127.0.0.1:
      // per-host limits would throttle the whole world as one host.
      inboundConnectionThreshold: maxConnections,
      maxIncomingPendingConnections: 256
    },
    services: {
      circuitRelay: circuitRelayServer({
        // circuit-relay-v2 opens at most 300 circuits (stop streams) to one reserving peer by default, so a verifier
        // behind this relay could hold no more pages than that; verifiers accept as many (gpu-node.ts).
        maxOutboundStopStreams: MAX_CIRCUITS_PER_RESERVATION,
        reservations: { maxReservations: init.maxReservations ?? 1024 }
      }),
      // The circuit relay, identify, ping and gossipsub register their own handlers: wrapped once all have.
      streamBudget: streamBudgetService(streams, Object.keys(RELAY_STREAM_RATES)),
      // Each wraps whatever handler it finds, so the two compose in either order.
      byteBudget: streamBudgetService(bytes, Object.keys(RELAY_BYTE_RATES))
    }
  })
}

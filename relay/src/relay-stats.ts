import { z } from 'zod'
import { ANNOUNCE_TOPIC } from '#protocol'
import { processMetrics } from '#server'
import type { PeerRelays } from './peer-relays.ts'
import type { RelayLibp2p } from './relay-node.ts'
import type { WebSocketProxy } from './websocket-proxy.ts'
import type { ByteBudget, GossipPolice, Metric, StreamBudget } from '#server'

/** The body of `GET /health`; clients (tests, monitors) parse it with this schema. */
export const RelayHealth = z.object({
  status: z.literal('ok'),
  peerId: z.string().min(1),
  connections: z.number().int().nonnegative(),
  peers: z.number().int().nonnegative(),
  reservations: z.number().int().nonnegative(),
  /** Other relays of this mesh (`--peer-relays`): how many are named, and linked now. */
  peerRelays: z.object({ named: z.number().int().nonnegative(), connected: z.number().int().nonnegative() }),
  uptimeSeconds: z.number().int().nonnegative()
})
export type RelayHealth = z.infer<typeof RelayHealth>

export interface RelayStatsInit {
  node: RelayLibp2p
  proxy: WebSocketProxy
  peerRelays: PeerRelays
  /** Hangs up on peers that flood or garble gossip. */
  police?: GossipPolice
  /** Resets streams a peer opens faster than their protocol allows. */
  streams?: StreamBudget
  /** Slows peers that send more bytes than their protocol allows. */
  bytes?: ByteBudget
  maxReservations: number
  startedAt: number
  /** Requests answered so far, by the HTTP server. */
  httpRequests: () => number
}

export function relayHealth (init: RelayStatsInit, now: number = Date.now()): RelayHealth {
  return {
    status: 'ok',
    peerId: init.node.peerId.toString(),
    connections: init.node.getConnections().length,
    peers: init.node.getPeers().length,
    reservations: init.node.services.circuitRelay.reservations.size,
    peerRelays: { named: init.peerRelays.origins.length, connected: init.peerRelays.connected() },
    uptimeSeconds: Math.floor((now - init.startedAt) / 1000)
  }
}

export function relayMetrics (init: RelayStatsInit, now: number = Date.now()): Metric[] {
  const health = relayHealth(init, now)
  return [
    { name: 'shoal_relay_connections', help: 'Open libp2p connections.', type: 'gauge', value: health.connections },
    { name: 'shoal_relay_peers', help: 'Peers with at least one open connection.', type: 'gauge', value: health.peers },
    { name: 'shoal_relay_reservations', help: 'Circuit-relay reservations held (peers listening through this relay).', type: 'gauge', value: health.reservations },
    { name: 'shoal_relay_max_reservations', help: 'Configured reservation limit.', type: 'gauge', value: init.maxReservations },
    { name: 'shoal_relay_announce_subscribers', help: 'Peers subscribed to the announce topic.', type: 'gauge', value: init.node.services.pubsub.getSubscribers(ANNOUNCE_TOPIC).length },
    { name: 'shoal_relay_proxied_sockets', help: 'Sockets open in the WebSocket proxy (both sides counted).', type: 'gauge', value: init.proxy.openSockets },
    { name: 'shoal_relay_websocket_upgrades_total', help: 'WebSocket upgrades forwarded to libp2p.', type: 'counter', value: init.proxy.totalForwarded },
    { name: 'shoal_relay_http_requests_total', help: 'HTTP requests answered.', type: 'counter', value: init.httpRequests() },
    ...init.peerRelays.metrics(),
    ...init.police?.metrics('shoal_relay') ?? [],
    ...init.streams?.metrics('shoal_relay') ?? [],
    ...init.bytes?.metrics('shoal_relay') ?? [],
    ...processMetrics('shoal_relay', init.startedAt, now)
  ]
}

import type { StreamRate } from '#server'

/** circuit-relay-v2's hop protocol: reservations, and circuits to the peers holding them. */
export const HOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/hop'
export const IDENTIFY_PROTOCOL = '/ipfs/id/1.0.0'
export const IDENTIFY_PUSH_PROTOCOL = '/ipfs/id/push/1.0.0'
export const PING_PROTOCOL = '/ipfs/ping/1.0.0'
export const GOSSIPSUB_PROTOCOLS = ['/meshsub/1.0.0', '/meshsub/1.1.0', '/meshsub/1.2.0', '/floodsub/1.0.0'] as const

const gossipsub: StreamRate = { perSecond: 1, burst: 8 }

/**
 * How fast one peer may open each protocol's streams at the relay. A
 * verifier opens one hop stream per reservation refresh (minutes apart) and
 * a page one per circuit it dials, a verifier each; the burst lets a page
 * that starts with a full list of verifiers dial them all at once.
 * Identify runs once per connection, with a push when a peer's addresses
 * change (on each reservation); ping when a connection's monitor asks
 * (seconds apart); gossipsub keeps one stream per connection and reopens
 * it only when it dies. Counted per peer id, so per peer and not per host:
 * every connection comes through the HTTP port's proxy from 127.0.0.1.
 */
export const RELAY_STREAM_RATES: Readonly<Record<string, StreamRate>> = {
  [HOP_PROTOCOL]: { perSecond: 5, burst: 30 },
  [IDENTIFY_PROTOCOL]: { perSecond: 2, burst: 10 },
  [IDENTIFY_PUSH_PROTOCOL]: { perSecond: 2, burst: 10 },
  [PING_PROTOCOL]: { perSecond: 2, burst: 10 },
  ...Object.fromEntries(GOSSIPSUB_PROTOCOLS.map((protocol) => [protocol, gossipsub]))
}

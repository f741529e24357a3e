import type { ByteRate, StreamRate } from '#server'

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

const MIB = 1024 * 1024

/**
 * How many bytes one peer may send on each protocol's streams at the relay;
 * over it its reads pause (backpressure through the muxer's window), so
 * nothing is lost, only slowed. A hop stream carries a circuit (the
 * dialer's side of it): signalling for a WebRTC upgrade is a few KiB, and a
 * whole answer over a trusted verifier's unlimited circuit is well under
 * 4 MiB/s of tokens. Gossip is announcements (at most 4 KiB each, a few
 * per second per peer, even counting what a hub passes on): 1 MiB/s is a
 * hundred times that.
 */
export const RELAY_BYTE_RATES: Readonly<Record<string, ByteRate>> = {
  [HOP_PROTOCOL]: { perSecond: 4 * MIB, burst: 4 * MIB, overBudget: 'throttle' },
  ...Object.fromEntries(GOSSIPSUB_PROTOCOLS.map((protocol) => [protocol, { perSecond: MIB, burst: MIB, overBudget: 'throttle' } satisfies ByteRate]))
}

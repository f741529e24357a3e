import { ping } from '@libp2p/ping'

/**
 * Outbound ping streams a page may hold on one connection: its own
 * round-trip probe (mesh-node.svelte.ts) and libp2p's connection monitor.
 * With @libp2p/ping's default of one, a probe still waiting on a busy peer
 * makes the monitor's heartbeat fail to open its stream, and the monitor
 * then aborts the whole connection: an answer streaming on it ends
 * "interrupted" while the verifier saw nothing wrong. Peers accept two
 * inbound pings (the default), so two fit.
 */
export const PAGE_PING_OUTBOUND_STREAMS = 2

/** The page's ping service (also on the relay's limited circuits, where the probe runs first). */
export function pagePing (): ReturnType<typeof ping> {
  return ping({ runOnLimitedConnection: true, maxOutboundStreams: PAGE_PING_OUTBOUND_STREAMS })
}

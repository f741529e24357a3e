import { PeerRole } from '#protocol'
import type { ConnectionKind } from '../mesh/connection-kind.ts'
import type { KnownPeer } from '../mesh/peer-table.ts'

/** What {@link pickVerifier} looks at; the mesh's `PeerView` has all of it. */
export type VerifierCandidate = Pick<KnownPeer, 'peerId' | 'role' | 'queueDepth' | 'capacity'> & {
  connection: ConnectionKind | 'none'
  rttMs?: number
}

const CONNECTION_RANK: Record<ConnectionKind | 'none', number> = { webrtc: 0, websocket: 1, other: 2, relayed: 3, none: 4 }

/**
 * Chooses the verifier to send a chat to, among the peers the mesh heard
 * announce themselves: verifiers with capacity, not in `exclude` (peer ids,
 * e.g. those that just failed or said BUSY). Ranked by, in order:
 *
 * 1. an empty queue (a queue costs seconds; the route costs milliseconds);
 * 2. the connection: direct WebRTC, then WebSocket, then relayed (limited to
 *    128 KiB and 2 minutes by the relay), then not connected at all;
 * 3. load: queue depth per unit of capacity;
 * 4. round-trip time.
 *
 * @returns the chosen peer, or undefined when no verifier qualifies
 */
export function pickVerifier<Peer extends VerifierCandidate> (peers: readonly Peer[], exclude: readonly string[] = []): Peer | undefined {
  const excluded = new Set(exclude)
  const candidates = peers.filter((peer) => peer.role === PeerRole.VERIFIER && peer.capacity > 0 && !excluded.has(peer.peerId))
  return candidates.sort(compareVerifiers)[0]
}

function compareVerifiers (a: VerifierCandidate, b: VerifierCandidate): number {
  return Number(a.queueDepth > 0) - Number(b.queueDepth > 0) ||
    CONNECTION_RANK[a.connection] - CONNECTION_RANK[b.connection] ||
    a.queueDepth / a.capacity - b.queueDepth / b.capacity ||
    // Two unknown round trips give Infinity - Infinity = NaN, which `|| 0` turns into "equal".
    (a.rttMs ?? Number.POSITIVE_INFINITY) - (b.rttMs ?? Number.POSITIVE_INFINITY) || 0
}

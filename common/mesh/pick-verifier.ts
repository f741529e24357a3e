import { PeerRole } from '#protocol'

/** How the chooser reaches a peer, best first: the page's connection kinds, or none yet. */
export type CandidateConnection = 'webrtc' | 'websocket' | 'other' | 'relayed' | 'none'

/**
 * What {@link pickVerifier} looks at, from the peer's latest announcement:
 * the page's `PeerView` and the relay gateway's verifier list both have it.
 */
export interface VerifierCandidate {
  peerId: string
  role: PeerRole
  queueDepth: number
  capacity: number
  model?: string
  /** Requests it runs now. */
  running?: number
  /** Most requests that may wait at it; 0 when not announced. */
  queueSize?: number
  /** Conversations it holds warm, as hashes (see protocol/warm-prefix.ts). */
  warmPrefixes?: string[]
  /** Local clock when its last announcement arrived. */
  lastSeenMs?: number
  connection: CandidateConnection
  rttMs?: number
}

/** What the request being routed says about itself. */
export interface RoutingHint {
  /** The model that wrote the conversation so far: its next turn stays with it while a verifier runs it. */
  model?: string
  /** The conversation's warm-prefix hash (see protocol/warm-prefix.ts): a verifier announcing it holds its KV cache. */
  warmPrefix?: string
  /**
   * The verifier that wrote the conversation's last answer, and when (local
   * clock) that answer completed. Until that verifier announces again it
   * cannot yet have said it holds the conversation warm, and it most likely
   * does: the next turn, sent seconds later, goes back to it.
   */
  answeredBy?: { peerId: string, atMs: number }
  /**
   * Draws the two candidates compared (power of two choices); without it,
   * the best of all is taken (what the page shows as "would go to").
   */
  random?: () => number
}

const CONNECTION_RANK: Record<CandidateConnection, number> = { webrtc: 0, websocket: 1, other: 2, relayed: 3, none: 4 }

/**
 * Chooses the verifier to send a chat to, among the peers the mesh heard
 * announce themselves: verifiers with capacity, not in `exclude` (peer ids,
 * e.g. those that just failed or said BUSY), and never one whose queue it
 * announced full. Then, in order:
 *
 * 1. the conversation's model, while any verifier runs it;
 * 2. the verifier holding the conversation warm (its KV cache), unless it
 *    would queue the request: its next turn then costs one new turn's
 *    evaluation, not the whole conversation's;
 * 3. the shortest expected wait: a free sequence (a queue costs seconds; the
 *    route milliseconds), then the connection (direct WebRTC, WebSocket,
 *    relayed: limited to 128 KiB and 2 minutes, none), then load (running
 *    and queued per sequence), then round trip. With `hint.random`, between
 *    two candidates drawn at random (power of two choices): pages that heard
 *    the same announcements then spread over the good verifiers instead of
 *    all crowding the one that looked best a second ago.
 *
 * @returns the chosen peer, or undefined when no verifier qualifies
 */
export function pickVerifier<Peer extends VerifierCandidate> (peers: readonly Peer[], exclude: readonly string[] = [], hint: RoutingHint = {}): Peer | undefined {
  const excluded = new Set(exclude)
  const open = peers.filter((peer) => peer.role === PeerRole.VERIFIER && peer.capacity > 0 && !excluded.has(peer.peerId) && !announcedFull(peer))
  const sameModel = hint.model === undefined ? [] : open.filter((peer) => peer.model === hint.model)
  const candidates = sameModel.length > 0 ? sameModel : open
  const warm = candidates.find((peer) => holdsWarm(peer, hint) && !wouldQueue(peer, hint))
  if (warm !== undefined) {
    return warm
  }
  if (hint.random !== undefined && candidates.length > 2) {
    const first = Math.floor(hint.random() * candidates.length)
    // A second, different one: drawn among the others.
    const second = (first + 1 + Math.floor(hint.random() * (candidates.length - 1))) % candidates.length
    const pair = [candidates[first], candidates[second]].filter((peer): peer is Peer => peer !== undefined)
    return pair.sort(compareExpectedWait)[0]
  }
  return [...candidates].sort(compareExpectedWait)[0]
}

/** Its queue is as long as it said it may get: it would refuse BUSY. */
function announcedFull (peer: VerifierCandidate): boolean {
  return (peer.queueSize ?? 0) > 0 && peer.queueDepth >= (peer.queueSize ?? 0)
}

/** It announced the conversation's hash, or wrote its last answer and has not announced since. */
function holdsWarm (peer: VerifierCandidate, hint: RoutingHint): boolean {
  if (hint.warmPrefix !== undefined && peer.warmPrefixes?.includes(hint.warmPrefix) === true) {
    return true
  }
  return notAnnouncedSinceAnswering(peer, hint)
}

function notAnnouncedSinceAnswering (peer: VerifierCandidate, hint: RoutingHint): boolean {
  return hint.answeredBy?.peerId === peer.peerId && peer.lastSeenMs !== undefined && peer.lastSeenMs < hint.answeredBy.atMs
}

/**
 * Every sequence is taken (or others already wait): a request sent now
 * waits for one. An announcement from before the conversation's last answer
 * completed still counts that answer as running.
 */
function wouldQueue (peer: VerifierCandidate, hint: RoutingHint = {}): boolean {
  const running = (peer.running ?? 0) - (notAnnouncedSinceAnswering(peer, hint) ? 1 : 0)
  return peer.queueDepth > 0 || running >= peer.capacity
}

function compareExpectedWait (a: VerifierCandidate, b: VerifierCandidate): number {
  return Number(wouldQueue(a)) - Number(wouldQueue(b)) ||
    CONNECTION_RANK[a.connection] - CONNECTION_RANK[b.connection] ||
    load(a) - load(b) ||
    // Two unknown round trips give Infinity - Infinity = NaN, which `|| 0` turns into "equal".
    (a.rttMs ?? Number.POSITIVE_INFINITY) - (b.rttMs ?? Number.POSITIVE_INFINITY) || 0
}

/** Requests running and waiting, per sequence. */
function load (peer: VerifierCandidate): number {
  return ((peer.running ?? 0) + peer.queueDepth) / peer.capacity
}

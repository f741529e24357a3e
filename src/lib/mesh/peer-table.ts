import { PEER_EXPIRY_MS, PeerRole } from '#protocol'
import type { Announcement } from '#protocol'

/** What the mesh knows about one peer, from its latest announcement. */
export interface KnownPeer {
  peerId: string
  role: PeerRole
  agent: string
  model: string
  tokenizerFingerprint: string
  queueDepth: number
  capacity: number
  addresses: string[]
  /** A browser contributing drafts. */
  drafting: boolean
  /** Tokens a verifier's model context holds; 0 when not announced. */
  contextLength: number
  /** Requests a verifier runs now. */
  running: number
  /** Most requests that may wait at a verifier; 0 when not announced. */
  queueSize: number
  /** Conversations a verifier holds warm, as hashes (see protocol/warm-prefix.ts). */
  warmPrefixes: string[]
  /** Sender's clock when it sent the last announcement. */
  sentAtMs: number
  /** Local clock when the last announcement arrived. */
  lastSeenMs: number
}

/** Peers heard on gossip, forgetting those that fall silent. */
export class PeerTable {
  readonly #peers = new Map<string, KnownPeer>()
  readonly #expiryMs: number

  constructor (expiryMs: number = PEER_EXPIRY_MS) {
    this.#expiryMs = expiryMs
  }

  /** Records an announcement; returns true when the peer is new. */
  update (peerId: string, announcement: Announcement, nowMs: number): boolean {
    const isNew = !this.#peers.has(peerId)
    this.#peers.set(peerId, {
      peerId,
      role: announcement.role,
      agent: announcement.agent,
      model: announcement.model,
      tokenizerFingerprint: announcement.tokenizerFingerprint,
      queueDepth: announcement.queueDepth,
      capacity: announcement.capacity,
      addresses: announcement.addresses,
      drafting: announcement.drafting,
      contextLength: announcement.contextLength,
      running: announcement.running,
      queueSize: announcement.queueSize,
      warmPrefixes: announcement.warmPrefixes,
      sentAtMs: Number(announcement.sentAtMs),
      lastSeenMs: nowMs
    })
    return isNew
  }

  /** Drops peers not heard from within the expiry; returns their ids. */
  expire (nowMs: number): string[] {
    const expired: string[] = []
    for (const [peerId, peer] of this.#peers) {
      if (nowMs - peer.lastSeenMs > this.#expiryMs) {
        this.#peers.delete(peerId)
        expired.push(peerId)
      }
    }
    return expired
  }

  get (peerId: string): KnownPeer | undefined {
    return this.#peers.get(peerId)
  }

  list (): KnownPeer[] {
    return [...this.#peers.values()]
  }
}

/**
 * Whether this page should open the direct connection to `peer`. Pages dial
 * verifiers (which never dial pages); between two pages the one with the
 * lower peer id dials, so they never dial each other at the same time.
 */
export function shouldDial (selfPeerId: string, peer: Pick<KnownPeer, 'peerId' | 'role'>): boolean {
  if (peer.peerId === selfPeerId) {
    return false
  }
  if (peer.role === PeerRole.VERIFIER) {
    return true
  }
  return peer.role === PeerRole.BROWSER && selfPeerId < peer.peerId
}

/** The announced addresses that reach the peer over WebRTC signalled through a relay. */
export function webRTCDialAddresses (peer: Pick<KnownPeer, 'peerId' | 'addresses'>): string[] {
  return peer.addresses.filter((address) =>
    address.includes('/p2p-circuit/webrtc') && address.endsWith(`/p2p/${peer.peerId}`))
}

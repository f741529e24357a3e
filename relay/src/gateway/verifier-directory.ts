import { ANNOUNCE_TOPIC, PEER_EXPIRY_MS, PeerRole, decodeAnnouncement } from '#protocol'
import type { VerifierCandidate } from '#mesh-common'
import type { Message } from '@libp2p/gossipsub'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { RelayLibp2p } from '../relay-node.ts'

/** A verifier the relay heard announce itself, as the gateway routes to it. */
export interface HeardVerifier extends VerifierCandidate {
  model: string
  /** An answer's tokens mean the same only at a verifier with the same tokenizer. */
  tokenizerFingerprint: string
  /** Its connection to this relay (its reservation's), which the gateway opens tunnel streams on. */
  peer: PeerId
}

interface Entry {
  peer: PeerId
  model: string
  tokenizerFingerprint: string
  queueDepth: number
  capacity: number
  running: number
  queueSize: number
  warmPrefixes: string[]
  lastSeenMs: number
}

/**
 * The verifiers the relay hears on gossip (it is the gossip hub, so it hears
 * them all), forgetting those silent for `PEER_EXPIRY_MS` as pages do. Only
 * those with a connection to this relay are offered: the gateway reaches a
 * verifier behind NAT over the connection that keeps its reservation here.
 */
export class VerifierDirectory {
  readonly #entries = new Map<string, Entry>()
  readonly #expiryMs: number
  #node: RelayLibp2p | undefined

  constructor (expiryMs: number = PEER_EXPIRY_MS) {
    this.#expiryMs = expiryMs
  }

  /** Starts listening on the relay's gossip. */
  attach (node: RelayLibp2p): void {
    this.#node = node
    node.services.pubsub.addEventListener('message', (event) => { this.#onGossip(event.detail) })
  }

  /** Verifiers heard lately with a connection to this relay. */
  list (nowMs: number = Date.now()): HeardVerifier[] {
    const node = this.#node
    if (node === undefined) {
      return []
    }
    const verifiers: HeardVerifier[] = []
    for (const [peerId, entry] of this.#entries) {
      if (nowMs - entry.lastSeenMs > this.#expiryMs) {
        this.#entries.delete(peerId)
        continue
      }
      if (!isConnected(node, entry.peer)) {
        continue
      }
      verifiers.push({ ...entry, peerId, role: PeerRole.VERIFIER, connection: 'websocket' })
    }
    return verifiers
  }

  #onGossip (message: Message): void {
    if (message.topic !== ANNOUNCE_TOPIC || message.type !== 'signed') {
      return
    }
    let announcement
    try {
      announcement = decodeAnnouncement(message.data)
    } catch {
      // The topic validator already refused what does not decode; a stale one aged in transit.
      return
    }
    if (announcement.role !== PeerRole.VERIFIER) {
      return
    }
    this.#entries.set(message.from.toString(), {
      peer: message.from,
      model: announcement.model,
      tokenizerFingerprint: announcement.tokenizerFingerprint,
      queueDepth: announcement.queueDepth,
      capacity: announcement.capacity,
      running: announcement.running,
      queueSize: announcement.queueSize,
      warmPrefixes: announcement.warmPrefixes,
      lastSeenMs: Date.now()
    })
  }
}

function isConnected (node: Libp2p, peer: PeerId): boolean {
  return node.getConnections(peer).some((connection) => connection.status === 'open' && connection.limits == null)
}

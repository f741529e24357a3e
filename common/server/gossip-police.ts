import { errorMessage } from './log.ts'
import type { Log } from './log.ts'
import type { Metric } from './prometheus.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'

/**
 * Rejected announcements from one peer, within STRIKE_WINDOW_MS, that get it
 * hung up on. Gossipsub's score has graylisted it by then (see
 * ANNOUNCE_TOPIC_SCORE in protocol/gossip.ts): this also frees its sockets.
 */
export const STRIKES_TO_DROP = 3
const STRIKE_WINDOW_MS = 60_000

/** Peers tracked at once, so a flood of fresh ids costs bounded memory. */
const MAX_TRACKED_PEERS = 4_096

/**
 * Hangs up on peers whose announcements the topic validator keeps rejecting
 * (garbage, or a flood past MAX_ANNOUNCEMENTS_PER_WINDOW). Gossipsub keeps a
 * departed peer's score for an hour, so the same id coming back is ignored
 * at once; a fresh id starts again from nothing, and is dropped as fast.
 */
export class GossipPolice {
  readonly #node: Pick<Libp2p, 'hangUp'>
  readonly #log: Pick<Log, 'warn'>
  readonly #strikes = new Map<string, { firstAt: number, count: number }>()
  #dropped = 0

  constructor (node: Pick<Libp2p, 'hangUp'>, log: Pick<Log, 'warn'>) {
    this.#node = node
    this.#log = log
  }

  /** Peers hung up on so far. */
  get dropped (): number {
    return this.#dropped
  }

  /** The topic validator rejected a message `peer` sent. */
  readonly strike = (peer: PeerId, reason: 'malformed' | 'flood', now: number = Date.now()): void => {
    const key = peer.toString()
    let strikes = this.#strikes.get(key)
    if (strikes === undefined || now - strikes.firstAt > STRIKE_WINDOW_MS) {
      strikes = { firstAt: now, count: 0 }
      this.#strikes.delete(key)
      this.#strikes.set(key, strikes)
      while (this.#strikes.size > MAX_TRACKED_PEERS) {
        const oldest = this.#strikes.keys().next().value
        if (oldest === undefined) break
        this.#strikes.delete(oldest)
      }
    }
    strikes.count++
    if (strikes.count < STRIKES_TO_DROP) {
      return
    }
    if (strikes.count === STRIKES_TO_DROP) {
      this.#dropped++
      this.#log.warn(`dropped ${key}: ${STRIKES_TO_DROP} of its announcements rejected (${reason === 'flood' ? 'more than the per-author budget' : 'malformed'})`)
    }
    // Again for each strike after: a peer that came back within the window is still flooding.
    this.#node.hangUp(peer).catch((err: unknown) => { this.#log.warn(`hanging up on ${key} failed: ${errorMessage(err)}`) })
  }

  metrics (prefix: string): Metric[] {
    return [
      { name: `${prefix}_gossip_peers_dropped_total`, help: 'Peers hung up on because the announce topic kept rejecting their messages (malformed, or a flood).', type: 'counter', value: this.#dropped }
    ]
  }
}

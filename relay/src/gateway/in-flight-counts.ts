import type { VerifierCandidate } from '#mesh-common'

/**
 * The requests the gateway has sent to each verifier and not yet seen
 * answered. A verifier announces its load every few seconds, so a burst of
 * requests arriving together would all see the same idle announcement and
 * crowd the verifier that looked best; counting its own in-flight requests
 * lets the gateway spread the burst before the announcements catch up.
 */
export class InFlightCounts {
  readonly #counts = new Map<string, number>()

  /** Counts one request to `peerId`; the returned function ends it (once, however often called). */
  begin (peerId: string): () => void {
    this.#counts.set(peerId, this.count(peerId) + 1)
    let ended = false
    return () => {
      if (ended) {
        return
      }
      ended = true
      const left = this.count(peerId) - 1
      if (left > 0) {
        this.#counts.set(peerId, left)
      } else {
        this.#counts.delete(peerId)
      }
    }
  }

  count (peerId: string): number {
    return this.#counts.get(peerId) ?? 0
  }

  /**
   * The verifiers as routing should see them: each one's announced running
   * requests raised to those this gateway has in flight there. Not added:
   * an announcement made after a request arrived already counts it, and
   * announcements lag, so the larger is the best lower bound of its load.
   */
  withOwnLoad<Verifier extends VerifierCandidate> (verifiers: readonly Verifier[]): Verifier[] {
    return verifiers.map((verifier) => {
      const own = this.count(verifier.peerId)
      return own > (verifier.running ?? 0) ? { ...verifier, running: own } : verifier
    })
  }
}

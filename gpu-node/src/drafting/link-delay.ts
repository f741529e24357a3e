/**
 * An emulated WAN between drafters and this verifier: every message of the
 * draft protocol, in both directions, is held for half the round trip before
 * it is handled (drafter → verifier) or written (verifier → drafter).
 *
 * Why here: the test machines' kernel has no `sch_netem`, so `tc netem`
 * cannot delay the private network's link. The delay is a pure latency, not
 * a bandwidth limit: each message is stamped when it arrives (or is queued)
 * and released at that time plus the delay, so messages stay pipelined and
 * in order. The verifier's token loop never waits on a drafter, so a delay
 * only makes fewer drafts arrive in time. Off by default; for benchmarks.
 *
 * @example
 * ```ts
 * const line = new DelayLine<Uint8Array>(10, (bytes) => { queue.push(bytes) })
 * line.push(bytes)   // delivered 10 ms from now, after everything pushed before it
 * line.flush()       // delivers what is still held, at once (the connection is closing)
 * ```
 */

/** How outputs that used the emulation say so, e.g. `link-delay 20 ms round trip`. */
export function linkDelayLabel (roundTripMs: number): string {
  return `link-delay ${roundTripMs} ms round trip (each direction ${roundTripMs / 2} ms), emulated in gpu-node's draft streams`
}

/**
 * A FIFO that releases each item `delayMs` after it was pushed. With a
 * delay of 0 it delivers at once, synchronously, so code that uses it
 * behaves as if it were not there.
 */
export class DelayLine<T> {
  readonly #delayMs: number
  readonly #deliver: (item: T) => void
  readonly #now: () => number
  readonly #held: Array<{ at: number, item: T }> = []
  #timer: ReturnType<typeof setTimeout> | undefined
  #closed = false

  /** @throws {RangeError} when `delayMs` is not a finite number ≥ 0 */
  constructor (delayMs: number, deliver: (item: T) => void, options: { now?: () => number } = {}) {
    if (!Number.isFinite(delayMs) || delayMs < 0) {
      throw new RangeError(`a link delay must be a number of milliseconds ≥ 0, not ${delayMs}`)
    }
    this.#delayMs = delayMs
    this.#deliver = deliver
    this.#now = options.now ?? (() => performance.now())
  }

  /** Items held now (in flight on the emulated link). */
  get held (): number {
    return this.#held.length
  }

  push (item: T): void {
    if (this.#closed) {
      return
    }
    if (this.#delayMs === 0) {
      this.#deliver(item)
      return
    }
    this.#held.push({ at: this.#now() + this.#delayMs, item })
    this.#schedule()
  }

  /** Delivers everything held, at once, in order (e.g. the last messages before a close). */
  flush (): void {
    this.#cancelTimer()
    while (this.#held.length > 0) {
      const next = this.#held.shift()
      if (next !== undefined) {
        this.#deliver(next.item)
      }
    }
  }

  /** Drops what is held; later pushes are ignored. */
  close (): void {
    this.#closed = true
    this.#cancelTimer()
    this.#held.length = 0
  }

  #schedule (): void {
    if (this.#timer !== undefined) {
      return
    }
    const first = this.#held[0]
    if (first === undefined) {
      return
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#release()
    }, Math.max(0, first.at - this.#now()))
  }

  #release (): void {
    // Every item is delayed by the same amount, so the head is always the next due: release the due prefix.
    const now = this.#now()
    while (this.#held.length > 0 && (this.#held[0]?.at ?? Infinity) <= now) {
      const next = this.#held.shift()
      if (next !== undefined) {
        this.#deliver(next.item)
      }
    }
    this.#schedule()
  }

  #cancelTimer (): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
  }
}

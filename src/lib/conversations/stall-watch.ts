/**
 * Notices an answer that has stopped streaming long before the chat
 * protocol's own deadline would. A verifier killed outright (power, SIGKILL)
 * closes nothing: the browser learns that the WebRTC peer is gone only after
 * 10-15 s, and the chat's silence deadline is a minute, since a verifier
 * may send nothing for 15 s. An answer whose text was flowing and then
 * stops for many times its longest gap so far is as good as gone, *if*
 * another verifier can go on with it: handing over costs nothing but the
 * work done twice (the continuation is exact, see answer-so-far.ts), while
 * giving up on the only verifier there is would lose the answer. So a stall
 * is reported only when `onStall` says the answer could move; otherwise the
 * watch asks again after another stall's length.
 */

export interface StallWatchInit {
  /**
   * Shortest silence counted as a stall, in ms: above the jitter of a slow
   * link and a verifier's pause for another chat's prompt.
   *
   * @default 3000
   */
  minimumMs?: number
  /**
   * A stall is also this many times the longest gap between two deltas so far.
   *
   * @default 10
   */
  gapFactor?: number
  /** Called on each stall: return true when the answer moved on (the watch then stops), false to keep waiting. */
  onStall: (silentMs: number) => boolean
}

export class StallWatch {
  readonly #minimumMs: number
  readonly #gapFactor: number
  readonly #onStall: (silentMs: number) => boolean
  #lastAt: number | undefined
  #longestGapMs = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  #stopped = false

  constructor (init: StallWatchInit) {
    this.#minimumMs = init.minimumMs ?? 3_000
    this.#gapFactor = init.gapFactor ?? 10
    this.#onStall = init.onStall
  }

  /** The silence that counts as a stall now. */
  get stallMs (): number {
    return Math.max(this.#minimumMs, this.#gapFactor * this.#longestGapMs)
  }

  /** Text arrived: the watch (re)starts from now. */
  text (now: number = performance.now()): void {
    if (this.#stopped) {
      return
    }
    if (this.#lastAt !== undefined) {
      this.#longestGapMs = Math.max(this.#longestGapMs, now - this.#lastAt)
    }
    this.#lastAt = now
    this.#arm(this.stallMs)
  }

  /** The answer ended, or moved on: no more stalls. */
  stop (): void {
    this.#stopped = true
    clearTimeout(this.#timer)
  }

  #arm (ms: number): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      const silentMs = performance.now() - (this.#lastAt ?? 0)
      if (this.#onStall(silentMs)) {
        this.stop()
      } else if (!this.#stopped) {
        this.#arm(this.stallMs)
      }
    }, ms)
  }
}

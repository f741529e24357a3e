/**
 * Gathers the next step of every running answer into one batched decode.
 *
 * Why: a verifier's decode costs about the same for one sequence as for
 * eight (a GPU reads the weights once per pass; the pass-cost emulation pads
 * each decode the same way), so what sets the pace at many chats is how many
 * decodes there are, not how many tokens they hold. node-llama-cpp decodes
 * whatever has been queued when it dispatches, and keeps decoding what
 * arrives while a decode runs, so an answer that is a little late (it erased
 * rejected drafts, wrote a verdict, streamed its text) falls into a decode of
 * its own and every other answer waits for that one too. Drafting makes
 * answers late more often, so without a barrier it multiplied decodes instead
 * of filling them.
 *
 * Each answer's token loop joins the barrier and awaits `ready()` before each
 * step. The barrier lets the waiting steps go together once every member has
 * arrived; or once no step has arrived or come back from its decode for
 * `gapMs` (the others are not coming soon), at the latest `deadlineMs` after
 * the last round came back, so one slow answer costs the others a few
 * milliseconds, not a pass. The gap, not only the deadline, is what lets a
 * busy CPU through: there steps come back one by one as node-llama-cpp
 * samples each sequence's tokens, and none of them is late. A member that
 * misses a round waits for the next; it does not start a decode of its own
 * while a round is in flight.
 *
 * @example
 * ```ts
 * const barrier = new DecodeBarrier({ gapMs: 8, deadlineMs: 24 })
 * const member = barrier.join()
 * try {
 *   while (answering) {
 *     await member.ready()        // every running answer's step goes out at once
 *     await sequence.controlledEvaluate(step)
 *     member.stepped()            // back from the decode: the others' wait may count from here
 *   }
 * } finally {
 *   member.leave()
 * }
 * ```
 */

export interface DecodeBarrierOptions {
  /** How long no step may arrive before the steps that did go without the others, in ms. */
  gapMs: number
  /**
   * The longest the arrived steps wait for the others, in ms, counted from
   * when the round in flight came back (or from the first arrival, when none
   * is in flight).
   */
  deadlineMs: number
}

export interface DecodeBarrierStats {
  /** Times waiting steps were let go together. */
  rounds: number
  /** Steps let go in those rounds. */
  steps: number
  /** Rounds let go by the gap or the deadline, some member not having arrived. */
  deadlineRounds: number
}

export interface DecodeBarrierMember {
  /** Resolves when this member's next step should be evaluated. */
  ready: () => Promise<void>
  /**
   * This member's step came back from its decode. Until then it is in the
   * round in flight (node-llama-cpp samples the sequences of a decode one
   * after another, and holds the context meanwhile, so a member that then
   * erases rejected drafts from its KV cache can only do so once every
   * member of the round is back): each one coming back restarts the gap.
   */
  stepped: () => void
  /** This member runs no more steps (its answer ended): the others stop waiting for it. */
  leave: () => void
}

interface Member {
  release?: () => void
}

export class DecodeBarrier {
  readonly stats: DecodeBarrierStats = { rounds: 0, steps: 0, deadlineRounds: 0 }
  readonly #gapMs: number
  readonly #deadlineMs: number
  readonly #members = new Set<Member>()
  /** Members that arrived, in arrival order. */
  readonly #waiting = new Set<Member>()
  /** Members let go in the last round that have not come back (stepped, arrived again or left). */
  readonly #inFlight = new Set<Member>()
  /** Whether a member of the round in flight came back: its decode is over. */
  #roundBack = false
  #deadline: ReturnType<typeof setTimeout> | undefined
  /** When the arrived steps began waiting for the others (`performance.now()`). */
  #waitingSince: number | undefined
  #releaseScheduled = false

  constructor (options: DecodeBarrierOptions) {
    for (const [name, value] of Object.entries(options)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new RangeError(`a decode barrier's ${name} must be a finite number of ms >= 0, not ${String(value)}`)
      }
    }
    this.#gapMs = options.gapMs
    this.#deadlineMs = options.deadlineMs
  }

  /** Members now (answers in their token loop). */
  get size (): number {
    return this.#members.size
  }

  join (): DecodeBarrierMember {
    const member: Member = {}
    this.#members.add(member)
    return {
      ready: async () => { await this.#arrive(member) },
      stepped: () => {
        this.#cameBack(member)
        if (this.#waiting.size > 0) {
          this.#check()
        }
      },
      leave: () => { this.#leave(member) }
    }
  }

  async #arrive (member: Member): Promise<void> {
    if (!this.#members.has(member)) {
      throw new Error('a member that left the decode barrier cannot step through it')
    }
    if (this.#waiting.has(member)) {
      throw new Error('a member is already waiting at the decode barrier')
    }
    this.#cameBack(member)
    const released = new Promise<void>((resolve) => { member.release = resolve })
    this.#waiting.add(member)
    this.#check()
    await released
  }

  #leave (member: Member): void {
    if (!this.#members.delete(member)) {
      return
    }
    this.#cameBack(member)
    if (this.#waiting.delete(member)) {
      member.release?.()
    }
    this.#check()
  }

  #cameBack (member: Member): void {
    if (this.#inFlight.delete(member)) {
      this.#roundBack = true
    }
  }

  #check (): void {
    if (this.#waiting.size === 0) {
      this.#clearDeadline()
      return
    }
    if (this.#waiting.size === this.#members.size) {
      this.#clearDeadline()
      if (this.#members.size === 1) {
        // Alone: nothing to gather, so its step goes out at once.
        this.#release(false)
      } else if (!this.#releaseScheduled) {
        // One event-loop turn later: the decode that just ended finishes its bookkeeping and gives
        // up the context, so the released steps are queued together and decoded as one batch.
        this.#releaseScheduled = true
        setImmediate(() => {
          this.#releaseScheduled = false
          if (this.#waiting.size > 0) {
            this.#release(false)
          }
        })
      }
      return
    }
    // While the last round's decode runs, an early step waits for it to come back: starting a
    // decode of its own now would make the whole round wait for that one.
    if (this.#inFlight.size > 0 && !this.#roundBack) {
      return
    }
    // Each arrival, step back from its decode, or leave restarts the gap, up to the deadline.
    const now = performance.now()
    this.#waitingSince ??= now
    this.#clearDeadline()
    this.#deadline = setTimeout(() => {
      this.#deadline = undefined
      // Timers run before the event loop's I/O: on a busy machine a step that finished while this
      // process waited for the CPU is still in the queue. It gets one turn to arrive (and restart
      // the gap) before the others go without it.
      setImmediate(() => {
        if (this.#deadline === undefined && !this.#releaseScheduled && this.#waiting.size > 0) {
          this.#release(true)
        }
      })
    }, Math.max(0, Math.min(this.#gapMs, this.#waitingSince + this.#deadlineMs - now)))
  }

  #release (byDeadline: boolean): void {
    this.#clearDeadline()
    this.#waitingSince = undefined
    const released = [...this.#waiting]
    this.#waiting.clear()
    this.#inFlight.clear()
    this.#roundBack = false
    this.stats.rounds++
    this.stats.steps += released.length
    if (byDeadline) {
      this.stats.deadlineRounds++
    }
    for (const member of released) {
      this.#inFlight.add(member)
      const release = member.release
      member.release = undefined
      release?.()
    }
  }

  #clearDeadline (): void {
    if (this.#deadline !== undefined) {
      clearTimeout(this.#deadline)
      this.#deadline = undefined
    }
  }
}

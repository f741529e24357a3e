/**
 * The drafts one drafter has sent for one job, as the verifier sees them: a
 * chain of proposed tokens continuing the verified ones.
 *
 * A drafter drafts ahead without waiting for verdicts, so its messages can
 * be behind the verifier: drafts for positions already verified, or the
 * rest of a chain the verifier already rejected. Each time the drafter
 * rewinds it starts a new epoch; within an epoch its batches continue one
 * chain. So: a batch of an older epoch is stale; a newer epoch replaces the
 * chain; a chain that contradicts a verified token is dead until the next
 * epoch. Only a live chain that starts exactly at the first unverified
 * position is ever offered to the verifier.
 */
/** What comparing drafts with verified tokens showed. */
export interface ChainCheck {
  /** Drafts equal to the verified token at their position. */
  matched: number
  /** A draft differed from the verified token at its position (the chain is dead). */
  contradicted: boolean
}

const NOTHING_CHECKED: ChainCheck = { matched: 0, contradicted: false }

export class DraftChain {
  #epoch = -1
  #dead = false
  /** Position of `#tokens[0]`; everything before it is verified. */
  #start = 0
  #tokens: number[] = []

  /**
   * Adds a batch. `verified` is the job's whole token sequence so far
   * (context and verified tokens). Drafts for positions already verified are
   * compared there and then (see {@link check}).
   */
  offer (batch: { epoch: number, position: number, tokens: readonly number[] }, verified: readonly number[]): ChainCheck {
    if (batch.epoch < this.#epoch || (batch.epoch === this.#epoch && this.#dead)) {
      return NOTHING_CHECKED
    }
    if (batch.epoch > this.#epoch) {
      // A drafter's new chain starts from tokens it was told were verified, never beyond them.
      if (batch.position > verified.length) {
        return NOTHING_CHECKED
      }
      this.#epoch = batch.epoch
      this.#dead = false
      this.#start = batch.position
      this.#tokens = [...batch.tokens]
    } else {
      if (batch.position !== this.#start + this.#tokens.length) {
        return NOTHING_CHECKED
      }
      this.#tokens.push(...batch.tokens)
    }
    return this.check(verified)
  }

  /**
   * Drops the drafts that are now verified. Says how many matched the
   * verified tokens and whether one contradicted them: evidence about the
   * drafter even though no pass evaluated them. A contradicted chain dies.
   */
  check (verified: readonly number[]): ChainCheck {
    let matched = 0
    while (matched < this.#tokens.length && this.#start + matched < verified.length) {
      if (this.#tokens[matched] !== verified[this.#start + matched]) {
        this.#dead = true
        this.#tokens = []
        return { matched, contradicted: true }
      }
      matched++
    }
    this.#start += matched
    this.#tokens.splice(0, matched)
    return { matched, contradicted: false }
  }

  /** Up to `max` drafts for the positions right after `verifiedLength`; none when the chain does not start there. */
  take (verifiedLength: number, max: number): number[] {
    if (this.#dead || this.#start !== verifiedLength) {
      return []
    }
    return this.#tokens.slice(0, max)
  }

  /** Drafts held past the verified tokens. */
  get length (): number {
    return this.#dead ? 0 : this.#tokens.length
  }
}

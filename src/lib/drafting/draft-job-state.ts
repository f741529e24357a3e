/**
 * One job as the drafter sees it: the verified tokens (`verified`: the
 * context, then every token a verdict confirmed) and the drafter's own chain
 * of drafts past them. Pure bookkeeping, no model: the drafter decides what
 * to run from it.
 */
export class DraftJobState {
  readonly jobId: number
  readonly verified: number[]
  /** Drafts past `verified`, in order. */
  chain: number[] = []
  /** Starts again at each rewind, so the verifier can tell the new chain from the old one's stragglers. */
  epoch = 0
  /** Drafts wanted past the last verified token. */
  lookahead: number
  /** The chain ended with an end-of-generation token: nothing to draft past it. */
  finished = false
  /** Drafted tokens the verifier accepted in this job. */
  accepted = 0

  constructor (jobId: number, context: readonly number[], lookahead: number) {
    this.jobId = jobId
    this.verified = [...context]
    this.lookahead = lookahead
  }

  /** Everything the drafter believes so far: verified tokens, then its drafts. */
  get tokens (): number[] {
    return [...this.verified, ...this.chain]
  }

  /** Drafts still wanted now. */
  get wanted (): number {
    return this.finished ? 0 : Math.max(0, this.lookahead - this.chain.length)
  }

  /**
   * Applies a verdict. When the verified tokens are a prefix of the chain,
   * the rest of the chain stands; otherwise the chain is dropped and a new
   * epoch starts from the verified tokens.
   *
   * @returns false when the verdict does not continue this job (out of order)
   */
  applyVerdict (verdict: { position: number, accepted: number, tokens: readonly number[], lookahead: number }): boolean {
    if (verdict.position !== this.verified.length) {
      return false
    }
    let matching = 0
    while (matching < verdict.tokens.length && matching < this.chain.length && this.chain[matching] === verdict.tokens[matching]) {
      matching++
    }
    this.verified.push(...verdict.tokens)
    this.accepted += verdict.accepted
    this.lookahead = verdict.lookahead
    if (matching === verdict.tokens.length) {
      this.chain.splice(0, matching)
    } else {
      this.chain = []
      this.epoch++
      this.finished = false
    }
    return true
  }
}

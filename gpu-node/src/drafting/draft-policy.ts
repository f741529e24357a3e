/**
 * How many drafts to verify in the next pass, and whether a drafter pays
 * for itself at all.
 *
 * A pass over 1 + k tokens costs some multiple of a one-token pass
 * (measured per k: {@link PassCostModel}). With a per-token acceptance
 * probability α, it yields on average `(1 − α^(k+1)) / (1 − α)` tokens. The
 * policy picks the k that maximises tokens per unit of cost; when that is 0,
 * drafts do not pay.
 */

/** Largest number of drafts verified in one pass. */
export const MAX_DRAFTS_PER_PASS = 16

/** Drafts compared before a drafter can be judged not to pay. */
const MIN_TRIALS = 16

/** Prior belief about a new drafter: as if 2 of 3 drafts had been accepted. */
const PRIOR_ACCEPTED = 2
const PRIOR_TRIALS = 3

/** What one more token in a pass is assumed to cost before any pass is measured. */
const PRIOR_RELATIVE_COST = 0.25

/** Recent drafts weigh more: each comparison keeps this share of the older evidence. */
const DECAY = 0.97

/** Passes of one width that count as a measurement of its cost. */
const MIN_COST_SAMPLES = 3

/** Each pass keeps this share of the older passes' weight in its width's mean. */
const COST_KEEP = 0.95

/**
 * What a pass with k drafts costs relative to a pass with none, measured
 * per k (a decayed mean of pass times), since the curve is not a line: on
 * llama.cpp's CPU backend two tokens can cost twice one while nine cost
 * about three times. Widths not measured yet are assumed to cost
 * `1 + 0.25·k`, so the policy tries them. Shared by all jobs: it is a
 * property of the model and the hardware.
 */
export class PassCostModel {
  readonly #meanMs: number[] = []
  readonly #weight: number[] = []

  record (drafts: number, ms: number): void {
    if (!Number.isFinite(ms) || ms <= 0 || drafts < 0) {
      return
    }
    const k = Math.min(drafts, MAX_DRAFTS_PER_PASS)
    const weight = (this.#weight[k] ?? 0) * COST_KEEP
    this.#meanMs[k] = ((this.#meanMs[k] ?? 0) * weight + ms) / (weight + 1)
    this.#weight[k] = weight + 1
  }

  /** Cost of a pass with `k` drafts, as a multiple of a pass with none. */
  relativeCost (k: number): number {
    if (k === 0) {
      return 1
    }
    const base = this.#measured(0)
    const wide = this.#measured(k)
    if (base === undefined || wide === undefined) {
      return 1 + PRIOR_RELATIVE_COST * k
    }
    return Math.max(1, wide / base)
  }

  #measured (k: number): number | undefined {
    return (this.#weight[k] ?? 0) >= MIN_COST_SAMPLES ? this.#meanMs[k] : undefined
  }
}

export class DraftPolicy {
  #accepted = PRIOR_ACCEPTED
  #trials = PRIOR_TRIALS
  #observedTrials = 0
  readonly #cost: PassCostModel

  constructor (cost: PassCostModel) {
    this.#cost = cost
  }

  /** Per-token acceptance probability estimated so far. */
  get acceptance (): number {
    return this.#accepted / this.#trials
  }

  /** Drafts compared with the verifier's tokens so far (in passes or after the fact). */
  get comparedDrafts (): number {
    return this.#observedTrials
  }

  /** Drafts worth verifying in the next pass (0: none pay). */
  get draftsPerPass (): number {
    return bestDraftCount(this.acceptance, (k) => this.#cost.relativeCost(k))
  }

  /**
   * After enough compared drafts, no number of them pays. (Before that, a
   * short run of misses is not held against a drafter that is right half
   * the time.)
   */
  get notPaying (): boolean {
    return this.#observedTrials >= MIN_TRIALS && this.draftsPerPass === 0
  }

  /**
   * One pass's outcome: of `offered` drafts, the first `accepted` matched.
   * Each accepted draft is one success; the first rejected one, one failure;
   * drafts after a rejection were never compared.
   */
  record (offered: number, accepted: number): void {
    const trials = accepted + (accepted < offered ? 1 : 0)
    for (let index = 0; index < trials; index++) {
      this.#accepted = this.#accepted * DECAY + (index < accepted ? 1 : 0)
      this.#trials = this.#trials * DECAY + 1
    }
    this.#observedTrials += trials
  }
}

/** The k in 0..MAX_DRAFTS_PER_PASS with the most expected tokens per unit of pass cost. */
export function bestDraftCount (acceptance: number, relativeCost: (k: number) => number): number {
  let best = 0
  let bestValue = 1
  for (let k = 1; k <= MAX_DRAFTS_PER_PASS; k++) {
    const expectedTokens = acceptance >= 1 ? k + 1 : (1 - acceptance ** (k + 1)) / (1 - acceptance)
    const value = expectedTokens / relativeCost(k)
    if (value > bestValue * 1.0001) {
      best = k
      bestValue = value
    }
  }
  return best
}

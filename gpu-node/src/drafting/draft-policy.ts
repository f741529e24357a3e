/**
 * How many drafts to verify in the next pass, and whether a drafter pays
 * for itself at all.
 *
 * A pass over 1 + k tokens costs about `1 + c·k` single-token passes (c, the
 * cost of one more token in a pass, is measured: {@link PassCostModel}).
 * With a per-token acceptance probability α, it yields on average
 * `(1 − α^(k+1)) / (1 − α)` tokens. The policy picks the k that maximises
 * tokens per unit of cost; when that is 0, drafts do not pay.
 */

/** Largest number of drafts verified in one pass. */
export const MAX_DRAFTS_PER_PASS = 16

/** Prior belief about a new drafter: as if 2 of 3 drafts had been accepted. */
const PRIOR_ACCEPTED = 2
const PRIOR_TRIALS = 3

/** What one more token in a pass is assumed to cost before any pass is measured. */
const PRIOR_RELATIVE_COST = 0.25

/** Recent drafts weigh more: each comparison keeps this share of the older evidence. */
const DECAY = 0.97

/**
 * The verifier's estimate of what one more token in a pass costs, relative
 * to a pass of one token: a least-squares fit of pass time against drafts
 * per pass, with recent passes weighing more. Shared by all jobs, since it
 * is a property of the model and the hardware.
 */
export class PassCostModel {
  // Decayed sums for the fit ms = base + slope·drafts; empty until the first pass.
  #n = 0
  #sumX = 0
  #sumY = 0
  #sumXX = 0
  #sumXY = 0

  record (drafts: number, ms: number): void {
    if (!Number.isFinite(ms) || ms <= 0) {
      return
    }
    if (this.#n === 0) {
      // A prior of c = 0.25 at the scale of the first pass: two passes of 0 and two of 4 drafts.
      const base = ms / (1 + PRIOR_RELATIVE_COST * drafts)
      this.#add(0, base, 2)
      this.#add(4, base * (1 + 4 * PRIOR_RELATIVE_COST), 2)
    }
    const keep = 0.99
    this.#n *= keep
    this.#sumX *= keep
    this.#sumY *= keep
    this.#sumXX *= keep
    this.#sumXY *= keep
    this.#add(drafts, ms, 1)
  }

  #add (x: number, y: number, weight: number): void {
    this.#n += weight
    this.#sumX += weight * x
    this.#sumY += weight * y
    this.#sumXX += weight * x * x
    this.#sumXY += weight * x * y
  }

  /** c: one more token's cost as a share of a one-token pass, kept within [0.02, 1]. */
  get relativeCost (): number {
    const denominator = this.#n * this.#sumXX - this.#sumX * this.#sumX
    if (denominator <= 1e-9) {
      return PRIOR_RELATIVE_COST
    }
    const slope = (this.#n * this.#sumXY - this.#sumX * this.#sumY) / denominator
    const base = (this.#sumY - slope * this.#sumX) / this.#n
    if (!(base > 0)) {
      return PRIOR_RELATIVE_COST
    }
    return Math.min(1, Math.max(0.02, slope / base))
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

  /** Drafts worth verifying in the next pass (0: none pay). */
  get draftsPerPass (): number {
    return bestDraftCount(this.acceptance, this.#cost.relativeCost)
  }

  /**
   * The evidence says no number of drafts pays. (The prior alone always
   * allows some, so a drafter gets a few passes to show what it can do.)
   */
  get notPaying (): boolean {
    return this.#observedTrials > 0 && this.draftsPerPass === 0
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
export function bestDraftCount (acceptance: number, relativeCost: number): number {
  let best = 0
  let bestValue = 1
  for (let k = 1; k <= MAX_DRAFTS_PER_PASS; k++) {
    const expectedTokens = acceptance >= 1 ? k + 1 : (1 - acceptance ** (k + 1)) / (1 - acceptance)
    const value = expectedTokens / (1 + relativeCost * k)
    if (value > bestValue * 1.0001) {
      best = k
      bestValue = value
    }
  }
  return best
}

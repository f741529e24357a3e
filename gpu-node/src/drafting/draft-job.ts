import { MAX_DRAFT_LOOKAHEAD } from '#protocol'
import { DraftChain } from './draft-chain.ts'
import { DraftPolicy } from './draft-policy.ts'
import type { PassCostModel } from './draft-policy.ts'
import type { ChainCheck } from './draft-chain.ts'
import type { DraftJobCloseReason, DraftToDrafterMessage, Receipt, ReceiptDrafterShare } from '#protocol'
import type { DraftSource } from '../verifier/types.ts'

/** How one job went, for the drafter's reputation, metrics and (later) receipts. */
export interface DraftJobOutcome {
  reason: DraftJobCloseReason
  /** Drafts the verifier evaluated. */
  offered: number
  /** Of those, equal to the verifier's own choice. */
  accepted: number
  /** Tokens the drafter sent. */
  drafted: number
  /** Estimated share of its drafts equal to the verifier's tokens (late ones included). */
  acceptance: number
  /** Drafts that estimate rests on; 0 says nothing was learnt. */
  compared: number
  /** Positions verified while the job was open. */
  positions: number
  /** Of those, positions for which a draft had arrived when the pass began ("drafts on time"), right or wrong. */
  onTime: number
  /** Passes in which a draft was rejected: with `accepted`, the per-token acceptance α = accepted / (accepted + rejections). */
  rejections: number
}

export interface DraftJobInit {
  jobId: number
  /** The drafter's peer id, named in the answer's receipts. */
  drafter: string
  /** Whether the drafter is still connected. */
  reachable: () => boolean
  /** The answer's prompt: sent to the drafter, so only for chats that allow drafters. */
  context: readonly number[]
  cost: PassCostModel
  send: (message: DraftToDrafterMessage) => void
  onClose: (outcome: DraftJobOutcome) => void
  /** A job whose drafter has sent nothing usable for this long is closed as stalled. */
  stallMs: number
  now?: () => number
}

/**
 * One answer's drafting, on the verifier: the {@link DraftSource} the token
 * loop reads (never waiting), fed by the drafter's batches, answering each
 * pass with a verdict. It closes itself when the drafter's drafts do not
 * pay, stop coming, or break the rules; the answer goes on without them.
 */
export class DraftJob implements DraftSource {
  readonly jobId: number
  readonly #verified: number[]
  readonly #chain = new DraftChain()
  readonly #policy: DraftPolicy
  readonly #init: DraftJobInit
  readonly #now: () => number
  #lastUsefulAt: number
  #passes = 0
  #offered = 0
  #accepted = 0
  #drafted = 0
  #closed = false
  /** Drafts ready at the first unverified position when the current pass began (before the policy's cap). */
  #ready = 0
  #positions = 0
  #onTime = 0
  #rejections = 0

  constructor (init: DraftJobInit) {
    this.jobId = init.jobId
    this.#init = init
    this.#verified = [...init.context]
    this.#policy = new DraftPolicy(init.cost)
    this.#now = init.now ?? (() => performance.now())
    this.#lastUsefulAt = this.#now()
    init.send({ type: 'open', jobId: this.jobId, context: this.#verified, lookahead: this.#lookahead() })
  }

  get closed (): boolean {
    return this.#closed
  }

  take (max: number): number[] {
    if (this.#closed) {
      return []
    }
    if (this.#now() - this.#lastUsefulAt > this.#init.stallMs) {
      this.#close('DRAFTER_STALLED')
      return []
    }
    this.#ready = this.#chain.take(this.#verified.length, Number.MAX_SAFE_INTEGER).length
    return this.#chain.take(this.#verified.length, Math.min(max, this.#policy.draftsPerPass))
  }

  settle (step: { offered: number, accepted: number, tokens: number[], stepMs: number }): void {
    if (this.#closed) {
      return
    }
    const position = this.#verified.length
    this.#positions += step.tokens.length
    this.#onTime += Math.min(this.#ready, step.tokens.length)
    this.#ready = 0
    this.#verified.push(...step.tokens)
    const checked = this.#chain.check(this.#verified)
    // The first pass evaluates the whole prompt: its time says nothing about drafts.
    if (this.#passes > 0) {
      this.#init.cost.record(step.offered, step.stepMs)
    }
    this.#passes++
    if (step.offered > 0) {
      this.#policy.record(step.offered, step.accepted)
      this.#offered += step.offered
      this.#accepted += step.accepted
      this.#rejections += step.accepted < step.offered ? 1 : 0
    }
    if (step.accepted === step.offered) {
      // Every evaluated draft matched, so the verifier's own token was also compared with the
      // draft after them (when the chain had one): evidence the pass itself did not count.
      this.#learn({ matched: checked.matched - step.offered, contradicted: checked.contradicted })
    }
    this.#init.send({ type: 'verdict', jobId: this.jobId, position, accepted: step.accepted, tokens: step.tokens, lookahead: this.#lookahead() })
    if (this.#policy.notPaying) {
      this.#close('NOT_PAYING')
    }
  }

  /** A batch from the drafter (already decoded and bounded by the protocol). */
  offer (batch: { epoch: number, position: number, tokens: number[], probabilities: number[] }): void {
    if (this.#closed) {
      return
    }
    this.#drafted += batch.tokens.length
    this.#learn(this.#chain.offer(batch, this.#verified))
    if (this.#policy.notPaying) {
      this.#close('NOT_PAYING')
      return
    }
    if (this.#chain.length > 0) {
      this.#lastUsefulAt = this.#now()
    }
  }

  /**
   * Drafts compared with verified tokens outside a pass (they arrived too
   * late, or lay past the ones evaluated) still say how often the drafter is
   * right: a wrong one counts against it like a rejected draft, so a drafter
   * whose drafts are wrong is dropped even if none was ever evaluated.
   */
  #learn (checked: ChainCheck): void {
    if (checked.matched === 0 && !checked.contradicted) {
      return
    }
    this.#policy.record(checked.matched + (checked.contradicted ? 1 : 0), checked.matched)
  }

  share (): ReceiptDrafterShare {
    return { peerId: this.#init.drafter, draftedTokens: this.#drafted, acceptedTokens: this.#accepted }
  }

  reachable (): boolean {
    return this.#init.reachable()
  }

  deliver (receipt: Receipt): void {
    this.#init.send({ type: 'receipt', receipt })
  }

  close (reason: 'done' | 'misbehaved'): void {
    this.#close(reason === 'done' ? 'ANSWER_DONE' : 'DRAFTER_MISBEHAVED')
  }

  /**
   * The drafter says it cannot work on this job (`DraftJobFailed`, e.g. a
   * context too long for it): closed as `DRAFTER_FAILED`, which costs it a
   * strike in the pool, as stalling does. The answer goes on without drafts.
   */
  fail (): void {
    this.#close('DRAFTER_FAILED')
  }

  /** Ends the job without telling the drafter (it is gone). */
  abandon (): void {
    if (!this.#closed) {
      this.#closed = true
      this.#init.onClose(this.#outcome('DRAFTER_STALLED'))
    }
  }

  #close (reason: DraftJobCloseReason): void {
    if (this.#closed) {
      return
    }
    this.#closed = true
    this.#init.send({ type: 'close', jobId: this.jobId, reason })
    this.#init.onClose(this.#outcome(reason))
  }

  #outcome (reason: DraftJobCloseReason): DraftJobOutcome {
    return { reason, offered: this.#offered, accepted: this.#accepted, drafted: this.#drafted, acceptance: this.#policy.acceptance, compared: this.#policy.comparedDrafts, positions: this.#positions, onTime: this.#onTime, rejections: this.#rejections }
  }

  /** Drafts wanted past the last verified token: twice a pass's worth, so the next pass finds them ready. */
  #lookahead (): number {
    return Math.min(MAX_DRAFT_LOOKAHEAD, Math.max(4, 2 * this.#policy.draftsPerPass + 2))
  }
}

import { ReceiptError, decodeReceiptBody, shortPeer, verifyReceipt } from '#protocol'
import type { PriorityTier, SignedReceipt } from '#protocol'
import type { ReceiptLedger } from './receipt-ledger.ts'

/** How far back accepted drafts count toward priority. */
export const CREDIT_WINDOW_MS = 24 * 60 * 60 * 1000

/** How far ahead of this verifier's clock another verifier's may run: a receipt dated later is refused. */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000

/** What a request's asker has earned: its tier, and accepted draft tokens in the window. */
export interface Credit {
  tier: PriorityTier
  acceptedTokens: number
}

/** One presented receipt's fate. */
export interface PresentedOutcome {
  id?: string
  /** Why it was not counted now; absent when it was. */
  refused?: string
  /** It was counted when first presented (a page presents its receipts with every chat), so it counts already. */
  replayed?: true
}

/**
 * Priority credit: accepted draft tokens over a recent window, from this
 * verifier's own ledger plus `drafted` receipts the asker presents from
 * verifiers it trusts. A presented receipt counts once, and only if its
 * signature verifies, its issuer is trusted, its subject is the presenter
 * and it is recent. A new identity has nothing, so making one gains nothing.
 */
export class ContributorCredit {
  readonly #ledger: ReceiptLedger
  readonly #self: string
  readonly #trusted: ReadonlySet<string>
  readonly #windowMs: number
  readonly #now: () => number

  constructor (init: { ledger: ReceiptLedger, self: string, trusted: Iterable<string>, windowMs?: number, now?: () => number }) {
    this.#ledger = init.ledger
    this.#self = init.self
    this.#trusted = new Set(init.trusted)
    this.#windowMs = init.windowMs ?? CREDIT_WINDOW_MS
    this.#now = init.now ?? Date.now
  }

  /**
   * Checks and counts receipts `presenter` presents; says why each refused
   * one was. What can be read from the body (issuer, kind, date) is checked
   * before the signature, so receipts that could never count cost no
   * signature check.
   */
  async present (presenter: string, receipts: readonly SignedReceipt[]): Promise<PresentedOutcome[]> {
    const outcomes: PresentedOutcome[] = []
    for (const signed of receipts) {
      try {
        const fields = decodeReceiptBody(signed.body)
        const refused = this.#refusal(fields.issuer, fields.kind, fields.issuedAt)
        if (refused !== undefined) {
          outcomes.push({ id: fields.id, refused })
          continue
        }
        const receipt = await verifyReceipt(signed, { subject: presenter })
        if (this.#ledger.countPresented(receipt)) {
          outcomes.push({ id: receipt.id })
        } else {
          outcomes.push({ id: receipt.id, refused: `receipt ${receipt.id.slice(0, 8)} was counted before (replayed)`, replayed: true })
        }
      } catch (err) {
        outcomes.push({ refused: err instanceof ReceiptError ? err.message : String(err) })
      }
    }
    return outcomes
  }

  /** The asker's standing now. */
  creditOf (subject: string): Credit {
    const acceptedTokens = this.#ledger.acceptedTokensSince(subject, this.#now() - this.#windowMs)
    return { tier: acceptedTokens > 0 ? 'contributor' : 'consumer', acceptedTokens }
  }

  #refusal (issuer: string, kind: string, issuedAt: number): string | undefined {
    if (issuer === this.#self) {
      return 'issued by this verifier, whose own ledger already counts it'
    }
    if (!this.#trusted.has(issuer)) {
      return `issued by ${shortPeer(issuer)}, which this verifier does not trust`
    }
    if (kind !== 'drafted') {
      return 'only drafted receipts earn priority'
    }
    if (issuedAt < this.#now() - this.#windowMs) {
      return 'older than the priority window'
    }
    if (issuedAt > this.#now() + MAX_CLOCK_SKEW_MS) {
      return 'dated in the future'
    }
    return undefined
  }
}

import { newReceiptId, sha256Hex, signReceipt } from '#protocol'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Receipt, ReceiptFields } from '#protocol'
import type { ReceiptLedger } from './receipt-ledger.ts'
import type { PrivateKey } from '@libp2p/interface'

/**
 * What the verifier did for one answer: the facts its receipts state. The
 * subject is who asked (a peer id, or `http:<address>`); `drafters` are
 * the drafters that worked on it.
 */
export type AnswerRecord = Pick<ReceiptFields, 'subject' | 'model' | 'promptHash' | 'outputHash' | 'promptTokens' | 'completionTokens' | 'queuedMs' | 'firstTokenMs' | 'totalMs' | 'passes' | 'drafters'>

/** The receipts for one answer: `served` to the asker (unless it was cancelled), `drafted` to each drafter that drafted. */
export interface AnswerReceipts {
  served?: Receipt
  drafted: Receipt[]
}

/**
 * Signs receipts with the verifier's libp2p key and keeps them in its
 * ledger. Each subject's receipts form a chain (sequence 1, 2, ... each
 * naming the one before), continued from the ledger after a restart; issuing
 * is one at a time so two answers ending together cannot take one place.
 */
export class ReceiptIssuer {
  readonly peerId: string
  readonly #privateKey: PrivateKey
  readonly #ledger: ReceiptLedger
  readonly #now: () => number
  readonly #emulation: string | undefined
  #last: Promise<unknown> = Promise.resolve()

  /**
   * `emulation` labels every receipt whose timings came from emulated
   * hardware (see verifier/pass-cost-emulation.ts), so no one mistakes them
   * for measured ones.
   */
  constructor (init: { privateKey: PrivateKey, ledger: ReceiptLedger, now?: () => number, emulation?: string }) {
    this.#privateKey = init.privateKey
    this.#emulation = init.emulation
    this.#ledger = init.ledger
    this.#now = init.now ?? Date.now
    this.peerId = peerIdFromPrivateKey(init.privateKey).toString()
  }

  /**
   * Signs and records the receipts for an answer. A cancelled answer earns
   * its drafters their receipts but the asker none: an asker that stopped
   * reading would never see it, and its chain would show a gap for nothing.
   */
  async issue (answer: AnswerRecord, options: { cancelled?: boolean, reachable?: readonly string[] } = {}): Promise<AnswerReceipts> {
    const issuing = this.#last.then(async () => this.#issue(answer, options.cancelled === true, new Set(options.reachable ?? answer.drafters.map((share) => share.peerId))))
    this.#last = issuing.catch(() => undefined)
    return issuing
  }

  async #issue (answer: AnswerRecord, cancelled: boolean, reachable: ReadonlySet<string>): Promise<AnswerReceipts> {
    const { subject, drafters, ...facts } = answer
    const servedId = newReceiptId()
    const common = {
      ...facts,
      issuer: this.peerId,
      answerId: await sha256Hex(`${this.peerId}/${servedId}`),
      issuedAt: this.#now(),
      ...(this.#emulation === undefined ? {} : { emulation: this.#emulation })
    }
    const served = cancelled ? undefined : await this.#sign({ ...common, kind: 'served', id: servedId, subject, drafters })
    const drafted: Receipt[] = []
    // A drafter that is gone would never get its receipt, and its chain would show a gap for it.
    for (const share of drafters.filter((share) => share.draftedTokens > 0 && reachable.has(share.peerId))) {
      drafted.push(await this.#sign({ ...common, kind: 'drafted', id: newReceiptId(), subject: share.peerId, drafters: [share], promptHash: '', outputHash: '' }))
    }
    return { served, drafted }
  }

  async #sign (fields: Omit<ReceiptFields, 'sequence' | 'previousId'>): Promise<Receipt> {
    const latest = this.#ledger.latest(this.peerId, fields.subject)
    // Never dated before the receipt it follows, even if this machine's clock stepped back.
    const issuedAt = Math.max(fields.issuedAt, latest?.issuedAt ?? 0)
    const receipt = await signReceipt({ ...fields, issuedAt, sequence: (latest?.sequence ?? 0) + 1, previousId: latest?.id ?? '' }, this.#privateKey)
    this.#ledger.record(receipt)
    return receipt
  }
}

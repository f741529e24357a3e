import { MAX_PRESENTED_RECEIPTS, MAX_RESENT_RECEIPTS, ReceiptError, chainGaps, promptHash, readReceiptFile, receiptFile, sha256Hex, verifyReceipt } from '#protocol'
import type { Receipt, ReceiptGapRequest, ReceiptKind, SignedReceipt } from '#protocol'
import { askForPersistentStorage, listStoredReceipts, recentDraftedReceipts, storeReceiptInChain, storeReceipts } from '../storage/index.ts'
import { announceReceiptsChanged } from './receipts-changed.ts'

/**
 * The browser's receipts: nothing is kept unverified. Arrivals are checked
 * against who sent them and the chain they extend, imports against their
 * signatures; the IndexedDB side is `$lib/storage`.
 *
 * @example
 * ```ts
 * const outcome = await keepArrivedReceipt(done.receipt, { kind: 'served', issuer: verifierId, subject: ownPeerId, answerText })
 * if ('rejected' in outcome) console.warn(outcome.rejected)
 * const presented = await presentableReceipts(verifierId, ownPeerId)  // for the next chat's priority
 * ```
 */

/** How far back drafted receipts are worth presenting to a verifier. */
const PRESENTABLE_FOR_MS = 24 * 60 * 60 * 1000

export type KeepOutcome = { kept: Receipt } | { rejected: string }

export interface ExpectedReceipt {
  /**
   * `served` in a chat's `done`, `drafted` on a draft stream; undefined for
   * either, as the receipts an issuer sends again to heal a chain.
   */
  kind: ReceiptKind | undefined
  /** The verifier that sent it. */
  issuer: string
  /** This page's peer id. */
  subject: string
  /** The chat a served receipt is for, as sent. */
  prompt?: ReadonlyArray<{ role: string, content: string }>
  /** The answer a served receipt is for, as received. */
  answerText?: string
}

/**
 * Keeps a receipt that arrived from a verifier: its signature must verify,
 * it must be of the kind, from and for whom the caller expects, a served
 * receipt must name the answer received, and it must fit its place in its
 * chain (receipts may arrive out of order; a gap is allowed, a taken place
 * or a broken link is not). A receipt already kept is kept again without
 * complaint; another receipt under its id is not.
 */
export async function keepArrivedReceipt (signed: SignedReceipt, expect: ExpectedReceipt): Promise<KeepOutcome> {
  let receipt: Receipt
  try {
    receipt = await verifyReceipt(signed, { issuer: expect.issuer, subject: expect.subject })
  } catch (err) {
    if (err instanceof ReceiptError) return { rejected: err.message }
    throw err
  }
  if (expect.kind !== undefined && receipt.kind !== expect.kind) {
    return { rejected: `a ${receipt.kind} receipt arrived where a ${expect.kind} one belongs` }
  }
  if (receipt.kind === 'served' && expect.answerText !== undefined && receipt.outputHash !== await sha256Hex(expect.answerText)) {
    return { rejected: 'the receipt is for a different answer' }
  }
  if (receipt.kind === 'served' && expect.prompt !== undefined && receipt.promptHash !== await promptHash(expect.prompt)) {
    return { rejected: 'the receipt is for a different question' }
  }
  const stored = await storeReceiptInChain(receipt)
  if ('rejected' in stored) {
    return stored
  }
  if (stored.added) {
    announceReceiptsChanged()
  }
  if (stored.first) {
    // Receipts are worth keeping once there are any.
    void askForPersistentStorage()
  }
  return { kept: stored.kept }
}

/**
 * What this page holds of its chain from `issuer`: the newest sequence and
 * the holes below it, to ask the issuer to send the rest again.
 */
export async function receiptGaps (issuer: string, subject: string): Promise<ReceiptGapRequest> {
  const held = (await listStoredReceipts()).filter((receipt) => receipt.issuer === issuer && receipt.subject === subject)
  return chainGaps(held.map((receipt) => receipt.sequence), MAX_RESENT_RECEIPTS)
}

/** Every kept receipt, newest first (by its issuer's clock). */
export async function listReceipts (): Promise<Receipt[]> {
  return listStoredReceipts()
}

export interface ImportOutcome {
  imported: number
  /** Receipts that were already here (or twice in the file). */
  duplicates: number
  /** In file order. */
  rejected: Array<{ index: number, id?: string, reason: string }>
}

/**
 * Keeps every receipt of an export file whose signature verifies, for
 * whichever subject: a person may merge the exports of several of their
 * browsers. Chains are not checked here (a file holds them in any order);
 * the Receipts page shows their integrity.
 *
 * @throws {ReceiptError} when the text is not a receipt file at all
 */
export async function importReceiptFile (text: string): Promise<ImportOutcome> {
  const { receipts, rejected } = await readReceiptFile(text)
  // The file's entries are the verified receipts and the rejected ones, each list in file order.
  const rejectedIndexes = new Set(rejected.map((entry) => entry.index))
  const fileIndex = Array.from({ length: receipts.length + rejected.length }, (_, index) => index).filter((index) => !rejectedIndexes.has(index))
  const stored = await storeReceipts(receipts)
  if (stored.imported > 0) {
    announceReceiptsChanged()
    if (stored.first) void askForPersistentStorage()
  }
  const refused = stored.reusedIds.map(({ position, id, reason }) => ({ index: fileIndex[position] ?? position, id, reason }))
  return { imported: stored.imported, duplicates: stored.duplicates, rejected: [...rejected, ...refused].sort((left, right) => left.index - right.index) }
}

/** Every kept receipt as an export file's JSON text (oldest first). */
export async function exportReceiptFile (now = new Date()): Promise<string> {
  const receipts = (await listReceipts()).reverse()
  return JSON.stringify(receiptFile(receipts, now), null, 2)
}

/**
 * What a chat may present to a busy verifier to ask for priority: the
 * newest drafted receipts earned by `subject` in the last day, from other
 * verifiers (a verifier knows what was drafted for itself).
 */
export async function presentableReceipts (verifierPeerId: string, subject: string, now = Date.now()): Promise<SignedReceipt[]> {
  return recentDraftedReceipts({ subject, exceptIssuer: verifierPeerId, sinceMs: now - PRESENTABLE_FOR_MS, max: MAX_PRESENTED_RECEIPTS })
}

import { equals } from 'uint8arrays'
import { MAX_PRESENTED_RECEIPTS, ReceiptError, chainPlaceProblem, promptHash, readReceiptFile, receiptFile, sha256Hex, shortPeer, verifyReceipt } from '#protocol'
import type { Receipt, ReceiptKind, SignedReceipt } from '#protocol'
import { parseStored } from '../storage/chat-records.ts'
import { openDatabase } from '../storage/database.ts'
import { receiptRecord, receiptRecordSchema } from '../storage/receipt-records.ts'
import type { ReceiptRecord } from '../storage/receipt-records.ts'
import { announceReceiptsChanged } from './receipts-changed.ts'

/**
 * The browser's receipts in IndexedDB. Nothing is stored unverified:
 * arrivals are checked against who sent them and the chain they extend,
 * imports against their signatures. Every read is schema-parsed.
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
  /** `served` in a chat's `done`, `drafted` on a draft stream. */
  kind: ReceiptKind
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
 * chain (see `chainPlaceProblem`: receipts may arrive out of order; a gap is
 * allowed, a taken place or a broken link is not). A receipt already kept
 * is kept again without complaint; another receipt under its id is not.
 */
export async function keepArrivedReceipt (signed: SignedReceipt, expect: ExpectedReceipt): Promise<KeepOutcome> {
  let receipt: Receipt
  try {
    receipt = await verifyReceipt(signed, { issuer: expect.issuer, subject: expect.subject })
  } catch (err) {
    if (err instanceof ReceiptError) return { rejected: err.message }
    throw err
  }
  if (receipt.kind !== expect.kind) {
    return { rejected: `a ${receipt.kind} receipt arrived where a ${expect.kind} one belongs` }
  }
  if (receipt.kind === 'served' && expect.answerText !== undefined && receipt.outputHash !== await sha256Hex(expect.answerText)) {
    return { rejected: 'the receipt is for a different answer' }
  }
  if (receipt.kind === 'served' && expect.prompt !== undefined && receipt.promptHash !== await promptHash(expect.prompt)) {
    return { rejected: 'the receipt is for a different question' }
  }
  const database = await openDatabase()
  // One transaction for the look-up and the write, so two receipts of one chain arriving together are checked in turn.
  const transaction = database.transaction('receipts', 'readwrite')
  const store = transaction.objectStore('receipts')
  const chain = store.index('by-chain')
  const [existing, before, after, storedCount] = await Promise.all([
    store.get([receipt.issuer, receipt.id]),
    chain.openCursor(chainRange(receipt.issuer, receipt.subject, 0, receipt.sequence), 'prev'),
    chain.openCursor(chainRange(receipt.issuer, receipt.subject, receipt.sequence, Number.MAX_SAFE_INTEGER)),
    store.count()
  ])
  const already = readRecord(existing)
  if (already !== undefined) {
    await transaction.done
    return sameReceipt(already, receipt) ? { kept: receipt } : { rejected: reusedIdProblem(receipt) }
  }
  const problem = chainPlaceProblem(receipt, { before: readRecord(before?.value), after: readRecord(after?.value) })
  if (problem !== undefined) {
    await transaction.done
    return { rejected: problem }
  }
  await Promise.all([store.put(receiptRecord(receipt)), transaction.done])
  announceReceiptsChanged()
  if (storedCount === 0) {
    void askForPersistentStorage()
  }
  return { kept: receipt }
}

/** Every kept receipt, newest first (by its issuer's clock). */
export async function listReceipts (): Promise<Receipt[]> {
  const database = await openDatabase()
  const stored: unknown[] = await database.getAllFromIndex('receipts', 'by-issued')
  return readRecords(stored).reverse()
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
  const database = await openDatabase()
  const transaction = database.transaction('receipts', 'readwrite')
  const store = transaction.objectStore('receipts')
  const wasEmpty = await store.count() === 0
  let imported = 0
  let duplicates = 0
  const refused: ImportOutcome['rejected'] = []
  for (const [index, receipt] of receipts.entries()) {
    // An unreadable record under this key is replaced by the verified receipt.
    const already = readRecord(await store.get([receipt.issuer, receipt.id]))
    if (already === undefined) {
      await store.put(receiptRecord(receipt))
      imported++
    } else if (sameReceipt(already, receipt)) {
      duplicates++
    } else {
      refused.push({ index: fileIndex[index] ?? index, id: receipt.id, reason: reusedIdProblem(receipt) })
    }
  }
  await transaction.done
  if (imported > 0) {
    announceReceiptsChanged()
    if (wasEmpty) void askForPersistentStorage()
  }
  return { imported, duplicates, rejected: [...rejected, ...refused].sort((left, right) => left.index - right.index) }
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
  const database = await openDatabase()
  const presentable: SignedReceipt[] = []
  const recentDrafted = IDBKeyRange.bound(['drafted', now - PRESENTABLE_FOR_MS], ['drafted', Number.MAX_SAFE_INTEGER])
  let cursor = await database.transaction('receipts').store.index('by-kind-issued').openCursor(recentDrafted, 'prev')
  while (cursor !== null && presentable.length < MAX_PRESENTED_RECEIPTS) {
    const record = readRecord(cursor.value)
    if (record !== undefined && record.kind === 'drafted' && record.subject === subject && record.issuer !== verifierPeerId) {
      presentable.push({ body: record.body, signature: record.signature })
    }
    cursor = await cursor.continue()
  }
  return presentable
}

/** Whether the browser has promised not to clear this site's storage under pressure. */
export async function isStoragePersistent (): Promise<boolean> {
  return await navigator.storage?.persisted() ?? false
}

/**
 * Asks the browser to keep this site's storage (receipts are worth keeping
 * once there are any). It may say no, or ask the person (so the first
 * receipt does not wait for the answer); either way the receipts are kept
 * for as long as the browser keeps them.
 */
export async function askForPersistentStorage (): Promise<boolean> {
  try {
    return await navigator.storage?.persist() ?? false
  } catch {
    return false
  }
}

/** The same signed body, not merely the same id: an issuer that signs two receipts under one id is misbehaving. */
function sameReceipt (stored: ReceiptRecord, receipt: Receipt): boolean {
  return equals(stored.body, receipt.body)
}

function reusedIdProblem (receipt: Receipt): string {
  return `a different receipt from ${shortPeer(receipt.issuer)} with the id ${receipt.id.slice(0, 8)} is already here`
}

/** A chain's places from `from` to `to`, both included. */
function chainRange (issuer: string, subject: string, from: number, to: number): IDBKeyRange {
  return IDBKeyRange.bound([issuer, subject, from], [issuer, subject, to])
}

function readRecord (stored: unknown): ReceiptRecord | undefined {
  return stored === undefined ? undefined : parseStored(receiptRecordSchema, stored, 'receipt')
}

function readRecords (stored: unknown[]): Receipt[] {
  return stored.map(readRecord).filter((record) => record !== undefined)
}

import { equals } from 'uint8arrays'
import { chainPlaceProblem, shortPeer } from '#protocol'
import type { Receipt, SignedReceipt } from '#protocol'
import { parseStored } from './chat-records.ts'
import { openDatabase } from './database.ts'
import { receiptRecord, receiptRecordSchema } from './receipt-records.ts'
import type { ReceiptRecord } from './receipt-records.ts'

/**
 * Receipts in IndexedDB: the queries behind `$lib/receipts`, which checks
 * signatures before anything reaches these. Every read is schema-parsed.
 */

export type StoreReceiptOutcome =
  /** `added`: it was not stored before; `first`: the store was empty before it. */
  | { kept: Receipt, added: boolean, first: boolean }
  | { rejected: string }

/**
 * Stores a verified receipt if it fits its place in its chain (see
 * `chainPlaceProblem`: a gap is allowed, a taken place or a broken link is
 * not). The same receipt stored again is kept without complaint; another
 * receipt under its id is not.
 */
export async function storeReceiptInChain (receipt: Receipt): Promise<StoreReceiptOutcome> {
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
    return sameReceipt(already, receipt) ? { kept: receipt, added: false, first: false } : { rejected: reusedIdProblem(receipt) }
  }
  const problem = chainPlaceProblem(receipt, { before: readRecord(before?.value), after: readRecord(after?.value) })
  if (problem !== undefined) {
    await transaction.done
    return { rejected: problem }
  }
  await Promise.all([store.put(receiptRecord(receipt)), transaction.done])
  return { kept: receipt, added: true, first: storedCount === 0 }
}

export interface StoreReceiptsOutcome {
  imported: number
  /** Receipts that were already here (or twice in the list). */
  duplicates: number
  /** Positions in the list of receipts refused because another one is stored under their id. */
  reusedIds: Array<{ position: number, id: string, reason: string }>
  /** The store was empty before them. */
  first: boolean
}

/**
 * Stores verified receipts of whichever subject and chain, in one
 * transaction (an import: a file holds chains in any order, so places are
 * not checked here).
 */
export async function storeReceipts (receipts: readonly Receipt[]): Promise<StoreReceiptsOutcome> {
  const database = await openDatabase()
  const transaction = database.transaction('receipts', 'readwrite')
  const store = transaction.objectStore('receipts')
  const first = await store.count() === 0
  let imported = 0
  let duplicates = 0
  const reusedIds: StoreReceiptsOutcome['reusedIds'] = []
  for (const [position, receipt] of receipts.entries()) {
    // An unreadable record under this key is replaced by the verified receipt.
    const already = readRecord(await store.get([receipt.issuer, receipt.id]))
    if (already === undefined) {
      await store.put(receiptRecord(receipt))
      imported++
    } else if (sameReceipt(already, receipt)) {
      duplicates++
    } else {
      reusedIds.push({ position, id: receipt.id, reason: reusedIdProblem(receipt) })
    }
  }
  await transaction.done
  return { imported, duplicates, reusedIds, first }
}

/** Every stored receipt, newest first (by its issuer's clock). */
export async function listStoredReceipts (): Promise<Receipt[]> {
  const database = await openDatabase()
  const stored: unknown[] = await database.getAllFromIndex('receipts', 'by-issued')
  return stored.map(readRecord).filter((record) => record !== undefined).reverse()
}

/**
 * The newest `drafted` receipts issued to `subject` since `sinceMs`, by
 * verifiers other than `exceptIssuer`, at most `max` of them. Walks only
 * the drafted receipts of that span (the `by-kind-issued` index).
 */
export async function recentDraftedReceipts (query: { subject: string, exceptIssuer: string, sinceMs: number, max: number }): Promise<SignedReceipt[]> {
  const database = await openDatabase()
  const found: SignedReceipt[] = []
  const recentDrafted = IDBKeyRange.bound(['drafted', query.sinceMs], ['drafted', Number.MAX_SAFE_INTEGER])
  let cursor = await database.transaction('receipts').store.index('by-kind-issued').openCursor(recentDrafted, 'prev')
  while (cursor !== null && found.length < query.max) {
    const record = readRecord(cursor.value)
    if (record !== undefined && record.kind === 'drafted' && record.subject === query.subject && record.issuer !== query.exceptIssuer) {
      found.push({ body: record.body, signature: record.signature })
    }
    cursor = await cursor.continue()
  }
  return found
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

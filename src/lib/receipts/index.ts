/**
 * Receipts this browser earned: kept in IndexedDB once verified, added up
 * per verifier, presented to busy verifiers, exported and imported. The
 * Receipts page's state (`receipts-view.svelte.ts`) is imported on its own,
 * so Node code (tests) can import this without the Svelte compiler.
 *
 * @example
 * ```ts
 * import { keepArrivedReceipt, presentableReceipts } from '$lib/receipts'
 *
 * const outcome = await keepArrivedReceipt(receipt, { kind: 'served', issuer: verifierId, subject: mesh.peerId, answerText })
 * const presented = await presentableReceipts(verifierId, mesh.peerId)
 * ```
 */
export {
  exportReceiptFile,
  receiptGaps,
  importReceiptFile,
  keepArrivedReceipt,
  listReceipts,
  presentableReceipts
} from './receipt-keeper.ts'
export type { ExpectedReceipt, ImportOutcome, KeepOutcome } from './receipt-keeper.ts'
export * from './ledger.ts'
export { receiptExportFileName } from './export-name.ts'

import { z } from 'zod'
import type { Receipt } from '#protocol'

/**
 * The shape of a stored receipt: its signed bytes, and beside them the
 * fields they decode to (for the store's indexes and for reading without
 * decoding). Its signature was verified before it was stored; reads are
 * parsed again, since another app version (or a devtools edit) may have
 * written the record.
 */

const count = z.number().int().nonnegative()

export const receiptRecordSchema = z.object({
  kind: z.enum(['served', 'drafted']),
  id: z.string().min(1),
  issuer: z.string().min(1),
  subject: z.string().min(1),
  issuedAt: z.number().int().positive(),
  sequence: z.number().int().positive(),
  previousId: z.string(),
  answerId: z.string(),
  model: z.string(),
  promptTokens: count,
  completionTokens: count,
  queuedMs: count,
  firstTokenMs: count,
  totalMs: count,
  passes: count,
  drafters: z.array(z.object({ peerId: z.string().min(1), draftedTokens: count, acceptedTokens: count })),
  promptHash: z.string(),
  outputHash: z.string(),
  emulation: z.string().optional(),
  body: z.instanceof(Uint8Array),
  signature: z.instanceof(Uint8Array)
})
export type ReceiptRecord = z.infer<typeof receiptRecordSchema>

/** The record kept for a verified receipt: exactly its fields and bytes, copied out of any larger buffer. */
export function receiptRecord (receipt: Receipt): ReceiptRecord {
  return { ...receipt, drafters: receipt.drafters.map((share) => ({ ...share })), body: receipt.body.slice(), signature: receipt.signature.slice() }
}

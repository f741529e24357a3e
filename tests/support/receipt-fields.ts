import { newReceiptId } from '#protocol'
import type { ReceiptFields, ReceiptKind } from '#protocol'

/**
 * The fields of a valid receipt from `issuer` to `subject`, for unit tests:
 * `served` names prompt and output hashes and no drafters; `drafted` no
 * hashes and exactly the subject's own share. The numbers are plausible
 * but arbitrary: override what a test reads.
 */
export function receiptFields (kind: ReceiptKind, overrides: Partial<ReceiptFields> & Pick<ReceiptFields, 'issuer' | 'subject'>): ReceiptFields {
  return {
    kind,
    id: newReceiptId(),
    issuedAt: 1_700_000_000_000,
    sequence: 1,
    previousId: '',
    answerId: 'a'.repeat(64),
    model: 'shoal-demo',
    promptTokens: 10,
    completionTokens: 20,
    queuedMs: 5,
    firstTokenMs: 40,
    totalMs: 300,
    passes: 12,
    drafters: kind === 'drafted' ? [{ peerId: overrides.subject, draftedTokens: 4, acceptedTokens: 2 }] : [],
    promptHash: kind === 'served' ? 'b'.repeat(64) : '',
    outputHash: kind === 'served' ? 'c'.repeat(64) : '',
    ...overrides
  }
}

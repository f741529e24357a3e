import { expect, test } from '@playwright/test'
import { decodeDraftToDrafter, decodeDraftToVerifier, encodeDraftToDrafter, encodeDraftToVerifier } from './draft.ts'
import { MAX_DRAFT_BATCH_TOKENS, MAX_DRAFT_TO_VERIFIER_BYTES, MAX_RESENT_RECEIPTS } from './limits.ts'
import { DraftToVerifier } from './messages.ts'
import type { DraftToDrafterMessage, DraftToVerifierMessage } from './draft.ts'

test('every draft message survives a round trip', () => {
  const toDrafter: DraftToDrafterMessage[] = [
    { type: 'welcome', maxBatchTokens: 16 },
    { type: 'refusal', code: 'TOKENIZER_MISMATCH', message: 'no' },
    { type: 'open', jobId: 7, context: [1, 2, 300000], lookahead: 8 },
    { type: 'verdict', jobId: 7, position: 3, accepted: 2, tokens: [4, 5, 6], lookahead: 10 },
    { type: 'close', jobId: 7, reason: 'NOT_PAYING' },
    { type: 'receipt', receipt: { body: new Uint8Array([8, 1, 18, 3]), signature: new Uint8Array(64).fill(9) } }
  ]
  for (const message of toDrafter) {
    expect(decodeDraftToDrafter(encodeDraftToDrafter(message))).toEqual(message)
  }
  const toVerifier: DraftToVerifierMessage[] = [
    { type: 'hello', model: 'draft', tokenizerFingerprint: 'sha256:ab', maxJobs: 2 },
    { type: 'hello', model: 'draft', tokenizerFingerprint: 'sha256:ab', maxJobs: 2, receipts: { newest: 0, missing: [] } },
    { type: 'hello', model: 'draft', tokenizerFingerprint: 'sha256:ab', maxJobs: 2, receipts: { newest: 20, missing: [3, 7, 19] } },
    { type: 'batch', jobId: 7, epoch: 1, position: 3, tokens: [4, 5], probabilities: [0.5, 0.25] },
    { type: 'failed', jobId: 7, message: 'too long' }
  ]
  for (const message of toVerifier) {
    expect(decodeDraftToVerifier(encodeDraftToVerifier(message))).toEqual(message)
  }
})

test('bad draft messages are refused with a reason', () => {
  const batch = (fields: Partial<Extract<DraftToVerifierMessage, { type: 'batch' }>>): Uint8Array =>
    DraftToVerifier.encode({ batch: { jobId: 1, epoch: 0, position: 1, tokens: [1], probabilities: [0.5], ...fields } })
  expect(() => decodeDraftToVerifier(batch({ tokens: Array.from({ length: MAX_DRAFT_BATCH_TOKENS + 1 }, () => 1), probabilities: Array.from({ length: MAX_DRAFT_BATCH_TOKENS + 1 }, () => 0.5) }))).toThrow(/decode|carries/)
  expect(() => decodeDraftToVerifier(batch({ probabilities: [] }))).toThrow(/one probability per token/)
  expect(() => decodeDraftToVerifier(batch({ probabilities: [2] }))).toThrow(/from 0 to 1/)
  expect(() => decodeDraftToVerifier(batch({ tokens: [] , probabilities: [] }))).toThrow(/1-64 tokens/)
  expect(() => decodeDraftToVerifier(batch({ position: 0 }))).toThrow(/position/)
  expect(() => decodeDraftToVerifier(new Uint8Array([0xff, 0xff, 0xff]))).toThrow(expect.objectContaining({ name: 'MalformedMessageError' }))
  expect(() => decodeDraftToVerifier(new Uint8Array(MAX_DRAFT_TO_VERIFIER_BYTES + 1))).toThrow(expect.objectContaining({ name: 'MessageTooLargeError' }))
  expect(() => decodeDraftToVerifier(DraftToVerifier.encode({ hello: { model: 'm', tokenizerFingerprint: '', maxJobs: 1, missingReceipts: [] } }))).toThrow(/fingerprint/)
  expect(() => decodeDraftToVerifier(new Uint8Array())).toThrow(/carries nothing/)
  expect(() => encodeDraftToDrafter({ type: 'verdict', jobId: 1, position: 2, accepted: 3, tokens: [1, 2, 3], lookahead: 4 })).toThrow(/accepted/)
})

test('a hello asking for receipts again is bounded and must make sense', () => {
  const hello = (fields: { newestReceipt?: number, missingReceipts: number[] }): Uint8Array =>
    DraftToVerifier.encode({ hello: { model: 'm', tokenizerFingerprint: 'sha256:ab', maxJobs: 1, ...fields } })
  const many = Array.from({ length: MAX_RESENT_RECEIPTS + 1 }, (_, index) => index + 1)
  expect(() => decodeDraftToVerifier(hello({ newestReceipt: 1000, missingReceipts: many }))).toThrow(expect.objectContaining({ name: 'MalformedMessageError' }))
  expect(decodeDraftToVerifier(hello({ newestReceipt: 1000, missingReceipts: many.slice(1) }))).toMatchObject({ receipts: { newest: 1000, missing: many.slice(1) } })
  expect(() => decodeDraftToVerifier(hello({ newestReceipt: 5, missingReceipts: [5] }))).toThrow(/missing receipt must be an integer from 1 to 4/)
  expect(() => decodeDraftToVerifier(hello({ newestReceipt: 1, missingReceipts: [1] }))).toThrow(/below the newest/)
  expect(() => decodeDraftToVerifier(hello({ newestReceipt: 5, missingReceipts: [0] }))).toThrow(/missing receipt/)
  expect(() => decodeDraftToVerifier(hello({ missingReceipts: [1] }))).toThrow(/newest/)
  expect(decodeDraftToVerifier(hello({ missingReceipts: [] }))).not.toHaveProperty('receipts')
  expect(() => encodeDraftToVerifier({ type: 'hello', model: 'm', tokenizerFingerprint: 'f', maxJobs: 1, receipts: { newest: 3, missing: many } })).toThrow(/at most/)
})

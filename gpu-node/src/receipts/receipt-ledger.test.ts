import { generateKeyPair } from '@libp2p/crypto/keys'
import { expect, test } from '@playwright/test'
import { verifyReceipt } from '#protocol'
import { ReceiptIssuer } from './receipt-issuer.ts'
import { ReceiptLedger } from './receipt-ledger.ts'
import type { AnswerRecord } from './receipt-issuer.ts'

const HASH = 'ab'.repeat(32)

function answer (subject: string): AnswerRecord {
  return { subject, model: 'shoal-demo', promptHash: HASH, outputHash: HASH, promptTokens: 12, completionTokens: 30, queuedMs: 5, firstTokenMs: 20, totalMs: 400, passes: 12, drafters: [] }
}

test('the ledger gives back a subject\'s receipts by sequence and after one, signed as issued, bounded', async () => {
  const ledger = await ReceiptLedger.open(':memory:')
  const issuer = new ReceiptIssuer({ privateKey: await generateKeyPair('Ed25519'), ledger })
  const issued = []
  for (let count = 0; count < 6; count++) {
    issued.push((await issuer.issue(answer('alice'))).served)
    await issuer.issue(answer('bob'))
  }
  const sequences = async (found: ReturnType<ReceiptLedger['issuedTo']>): Promise<number[]> =>
    Promise.all(found.map(async (signed) => (await verifyReceipt(signed, { issuer: issuer.peerId, subject: 'alice' })).sequence))

  const holes = ledger.issuedTo(issuer.peerId, 'alice', { sequences: [4, 2, 2, 99], max: 64 })
  expect(await sequences(holes)).toEqual([2, 4])
  expect(holes[0]?.body).toEqual(issued[1]?.body)
  expect(holes[0]?.signature).toEqual(issued[1]?.signature)
  expect(await sequences(ledger.issuedTo(issuer.peerId, 'alice', { sequences: [1], after: 4, max: 64 }))).toEqual([1, 5, 6])
  expect(await sequences(ledger.issuedTo(issuer.peerId, 'alice', { sequences: [1, 2], after: 0, max: 3 }))).toEqual([1, 2, 1])
  expect(await sequences(ledger.issuedTo(issuer.peerId, 'alice', { after: 0, max: 4 }))).toEqual([1, 2, 3, 4])
  // Another issuer's or subject's chain is not mixed in.
  expect(ledger.issuedTo('someone-else', 'alice', { after: 0, max: 64 })).toEqual([])
  expect(ledger.issuedTo(issuer.peerId, 'carol', { sequences: [1], after: 0, max: 64 })).toEqual([])
  ledger.close()
})

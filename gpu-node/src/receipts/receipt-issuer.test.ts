import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { expect, test } from '@playwright/test'
import { checkReceiptChains, verifyReceipt } from '#protocol'
import { ReceiptIssuer } from './receipt-issuer.ts'
import { ReceiptLedger } from './receipt-ledger.ts'
import type { AnswerReceipts, AnswerRecord } from './receipt-issuer.ts'
import type { Receipt } from '#protocol'

const HASH = 'ab'.repeat(32)

function answer (subject: string, drafters: AnswerRecord['drafters'] = []): AnswerRecord {
  return { subject, model: 'shoal-demo', promptHash: HASH, outputHash: HASH, promptTokens: 12, completionTokens: 30, queuedMs: 5, firstTokenMs: 20, totalMs: 400, passes: 12, drafters }
}

function served (receipts: AnswerReceipts): Receipt {
  if (receipts.served === undefined) throw new Error('no served receipt')
  return receipts.served
}

test('an answer earns a signed served receipt and a drafted one per drafter that drafted, linked by answer id', async () => {
  const ledger = await ReceiptLedger.open(':memory:')
  const issuer = new ReceiptIssuer({ privateKey: await generateKeyPair('Ed25519'), ledger })
  const issued = await issuer.issue(answer('asker', [
    { peerId: 'drafter-a', draftedTokens: 40, acceptedTokens: 18 },
    { peerId: 'drafter-b', draftedTokens: 0, acceptedTokens: 0 }
  ]))
  const { drafted } = issued
  const receipt = served(issued)
  expect(await verifyReceipt(receipt, { issuer: issuer.peerId, subject: 'asker' })).toMatchObject({ kind: 'served', sequence: 1, previousId: '', passes: 12 })
  expect(receipt.drafters).toHaveLength(2)
  expect(drafted).toHaveLength(1)
  const share = await verifyReceipt(drafted[0] ?? receipt, { issuer: issuer.peerId, subject: 'drafter-a' })
  expect(share).toMatchObject({ kind: 'drafted', answerId: receipt.answerId, promptHash: '', outputHash: '', drafters: [{ peerId: 'drafter-a', draftedTokens: 40, acceptedTokens: 18 }] })
  expect(ledger.acceptedTokensSince('drafter-a', 0)).toBe(18)
  expect(ledger.acceptedTokensSince('asker', 0)).toBe(0)
  ledger.close()
})

test('answers ending together get consecutive places in their chain, and the chain goes on after a restart', async () => {
  const path = join(await mkdtemp(join(tmpdir(), 'shoal-ledger-')), 'gpu-node.ledger.sqlite')
  const privateKey = await generateKeyPair('Ed25519')
  const first = await ReceiptLedger.open(path)
  const before = new ReceiptIssuer({ privateKey, ledger: first })
  const together = await Promise.all([1, 2, 3, 4].map(async () => served(await before.issue(answer('asker')))))
  first.close()

  const second = await ReceiptLedger.open(path)
  const after = new ReceiptIssuer({ privateKey, ledger: second })
  const later = served(await after.issue(answer('asker')))
  second.close()

  const [chain] = checkReceiptChains([...together, later])
  expect(chain?.receipts.map((receipt) => receipt.sequence)).toEqual([1, 2, 3, 4, 5])
  expect(chain?.problems).toEqual([])
  expect(later.previousId).toBe(together.find((receipt) => receipt.sequence === 4)?.id)
})

test('a drafter that is gone gets no receipt (it would leave a gap); receipts are never dated before the one they follow', async () => {
  let now = 2_000_000_000_000
  const ledger = await ReceiptLedger.open(':memory:')
  const issuer = new ReceiptIssuer({ privateKey: await generateKeyPair('Ed25519'), ledger, now: () => now })
  const shares = [{ peerId: 'here', draftedTokens: 5, acceptedTokens: 3 }, { peerId: 'gone', draftedTokens: 5, acceptedTokens: 3 }]
  const first = await issuer.issue(answer('asker', shares), { reachable: ['here'] })
  expect(first.drafted.map((receipt) => receipt.subject)).toEqual(['here'])
  expect(served(first).drafters.map((share) => share.peerId)).toEqual(['here', 'gone'])
  // The clock steps back an hour: the next receipt keeps the last one's date.
  now -= 60 * 60 * 1000
  const second = served(await issuer.issue(answer('asker')))
  expect(second.issuedAt).toBe(served(first).issuedAt)
  expect(checkReceiptChains([served(first), second])[0]?.problems).toEqual([])
  ledger.close()
})

test('a cancelled answer earns its drafter a receipt, and its asker none (no gap in the asker\'s chain)', async () => {
  const ledger = await ReceiptLedger.open(':memory:')
  const issuer = new ReceiptIssuer({ privateKey: await generateKeyPair('Ed25519'), ledger })
  const cancelled = await issuer.issue(answer('asker', [{ peerId: 'drafter', draftedTokens: 6, acceptedTokens: 4 }]), { cancelled: true })
  expect(cancelled.served).toBeUndefined()
  expect(cancelled.drafted.map((receipt) => receipt.subject)).toEqual(['drafter'])
  expect(served(await issuer.issue(answer('asker')))).toMatchObject({ sequence: 1, previousId: '' })
  ledger.close()
})

import { generateKeyPair } from '@libp2p/crypto/keys'
import { expect, test } from '@playwright/test'
import { CREDIT_WINDOW_MS, ContributorCredit } from './contributor-credit.ts'
import { ReceiptIssuer } from './receipt-issuer.ts'
import { ReceiptLedger } from './receipt-ledger.ts'
import type { Receipt } from '../../../src/lib/protocol/index.ts'

const HASH = 'cd'.repeat(32)
const PRESENTER = 'presenter'

/** A verifier elsewhere that issued `presenter` a drafted receipt for `accepted` tokens. */
async function otherVerifier (now: () => number = Date.now): Promise<{ issuer: ReceiptIssuer, draft: (subject: string, accepted: number) => Promise<Receipt> }> {
  const issuer = new ReceiptIssuer({ privateKey: await generateKeyPair('Ed25519'), ledger: await ReceiptLedger.open(':memory:'), now })
  return {
    issuer,
    draft: async (subject, accepted) => {
      const { drafted } = await issuer.issue({ subject: 'someone', model: 'm', promptHash: HASH, outputHash: HASH, promptTokens: 1, completionTokens: accepted + 1, queuedMs: 0, firstTokenMs: 1, totalMs: 2, passes: 1, drafters: [{ peerId: subject, draftedTokens: accepted + 5, acceptedTokens: accepted }] })
      const receipt = drafted[0]
      if (receipt === undefined) throw new Error('no drafted receipt')
      return receipt
    }
  }
}

test('a new identity is a consumer; trusted drafted receipts make it a contributor, each counted once', async () => {
  const ledger = await ReceiptLedger.open(':memory:')
  const trusted = await otherVerifier()
  const credit = new ContributorCredit({ ledger, self: 'this-verifier', trusted: [trusted.issuer.peerId] })
  expect(credit.creditOf(PRESENTER)).toEqual({ tier: 'consumer', acceptedTokens: 0 })

  const first = await trusted.draft(PRESENTER, 7)
  const second = await trusted.draft(PRESENTER, 5)
  expect(await credit.present(PRESENTER, [first, second])).toEqual([{ id: first.id }, { id: second.id }])
  expect(credit.creditOf(PRESENTER)).toEqual({ tier: 'contributor', acceptedTokens: 12 })

  const [replayed] = await credit.present(PRESENTER, [first])
  expect(replayed).toMatchObject({ id: first.id, replayed: true, refused: expect.stringMatching(/counted before \(replayed\)/) })
  expect(credit.creditOf(PRESENTER).acceptedTokens).toBe(12)
  expect(ledger.countedReceipts).toBe(2)
})

test('forged, altered, misaddressed, untrusted, stale and served receipts are refused with the reason', async () => {
  let now = Date.now()
  const ledger = await ReceiptLedger.open(':memory:')
  const trusted = await otherVerifier(() => now)
  const stranger = await otherVerifier(() => now)
  const credit = new ContributorCredit({ ledger, self: 'this-verifier', trusted: [trusted.issuer.peerId], now: () => now })

  const good = await trusted.draft(PRESENTER, 9)
  const forged = { body: good.body, signature: (await stranger.draft(PRESENTER, 9)).signature }
  const altered = { body: Uint8Array.from(good.body), signature: good.signature }
  altered.body[altered.body.length - 1] = (altered.body.at(-1) ?? 0) ^ 1
  const forSomeoneElse = await trusted.draft('someone-else', 9)
  const untrusted = await stranger.draft(PRESENTER, 9)
  const { served } = (await trusted.issuer.issue({ subject: PRESENTER, model: 'm', promptHash: HASH, outputHash: HASH, promptTokens: 1, completionTokens: 1, queuedMs: 0, firstTokenMs: 1, totalMs: 2, passes: 1, drafters: [] }))
  now -= CREDIT_WINDOW_MS + 1
  const stale = await trusted.draft(PRESENTER, 9)
  now += CREDIT_WINDOW_MS + 1

  if (served === undefined) throw new Error('no served receipt')
  const outcomes = await credit.present(PRESENTER, [forged, altered, forSomeoneElse, untrusted, served, stale])
  expect(outcomes.map((outcome) => outcome.refused)).toEqual([
    expect.stringMatching(/signature does not match/),
    expect.stringMatching(/signature does not match|does not decode|invalid|not/),
    expect.stringMatching(/issued to .*someone-else.*, not to presenter/),
    expect.stringMatching(/does not trust/),
    expect.stringMatching(/only drafted receipts/),
    expect.stringMatching(/older than the priority window/)
  ])
  expect(credit.creditOf(PRESENTER)).toEqual({ tier: 'consumer', acceptedTokens: 0 })
})

test('this verifier\'s own receipts count from its ledger, not again when presented', async () => {
  const ledger = await ReceiptLedger.open(':memory:')
  const issuer = new ReceiptIssuer({ privateKey: await generateKeyPair('Ed25519'), ledger })
  const credit = new ContributorCredit({ ledger, self: issuer.peerId, trusted: [] })
  const { drafted } = await issuer.issue({ subject: 'asker', model: 'm', promptHash: HASH, outputHash: HASH, promptTokens: 1, completionTokens: 4, queuedMs: 0, firstTokenMs: 1, totalMs: 2, passes: 2, drafters: [{ peerId: PRESENTER, draftedTokens: 4, acceptedTokens: 3 }] })
  expect(credit.creditOf(PRESENTER)).toEqual({ tier: 'contributor', acceptedTokens: 3 })
  const [outcome] = await credit.present(PRESENTER, drafted)
  expect(outcome?.refused).toMatch(/own ledger already counts it/)
  expect(credit.creditOf(PRESENTER).acceptedTokens).toBe(3)
})

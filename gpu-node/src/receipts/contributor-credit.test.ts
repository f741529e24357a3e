import { generateKeyPair } from '@libp2p/crypto/keys'
import { expect, test } from '@playwright/test'
import { CREDIT_WINDOW_MS, ContributorCredit } from './contributor-credit.ts'
import { ReceiptIssuer } from './receipt-issuer.ts'
import { ReceiptLedger } from './receipt-ledger.ts'
import type { Receipt } from '#protocol'

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

  // Issued first: an issuer never dates a receipt before the previous one to the same peer.
  now -= CREDIT_WINDOW_MS + 1
  const stale = await trusted.draft(PRESENTER, 9)
  now += CREDIT_WINDOW_MS + 1
  const good = await trusted.draft(PRESENTER, 9)
  const forged = { body: good.body, signature: (await stranger.draft(PRESENTER, 9)).signature }
  // One hex digit of the id changed: the body still decodes, the signature no longer matches.
  const altered = { body: Uint8Array.from(good.body), signature: good.signature }
  const idAt = Buffer.from(altered.body).indexOf(good.id)
  altered.body[idAt] = good.id.startsWith('0') ? 0x31 : 0x30
  const forSomeoneElse = await trusted.draft('someone-else', 9)
  const untrusted = await stranger.draft(PRESENTER, 9)
  const { served } = (await trusted.issuer.issue({ subject: PRESENTER, model: 'm', promptHash: HASH, outputHash: HASH, promptTokens: 1, completionTokens: 1, queuedMs: 0, firstTokenMs: 1, totalMs: 2, passes: 1, drafters: [] }))

  if (served === undefined) throw new Error('no served receipt')
  const outcomes = await credit.present(PRESENTER, [forged, altered, forSomeoneElse, untrusted, served, stale])
  expect(outcomes.map((outcome) => outcome.refused)).toEqual([
    expect.stringMatching(/signature does not match/),
    expect.stringMatching(/signature does not match/),
    expect.stringMatching(/issued to .*someone-else.*, not to presenter/),
    expect.stringMatching(/does not trust/),
    expect.stringMatching(/only drafted receipts/),
    expect.stringMatching(/older than the priority window/)
  ])
  expect(credit.creditOf(PRESENTER)).toEqual({ tier: 'consumer', acceptedTokens: 0 })
})

test('a receipt dated in the future is refused; one that could never count costs no signature check', async () => {
  const now = Date.now()
  const ledger = await ReceiptLedger.open(':memory:')
  const ahead = await otherVerifier(() => now + 60 * 60 * 1000)
  const stranger = await otherVerifier()
  const credit = new ContributorCredit({ ledger, self: 'this-verifier', trusted: [ahead.issuer.peerId], now: () => now })
  const future = await ahead.draft(PRESENTER, 5)
  // Untrusted and with a broken signature: refused for its issuer, read from the body alone.
  const untrusted = await stranger.draft(PRESENTER, 5)
  const outcomes = await credit.present(PRESENTER, [future, { body: untrusted.body, signature: new Uint8Array(64) }])
  expect(outcomes.map((outcome) => outcome.refused)).toEqual(['dated in the future', expect.stringMatching(/does not trust/)])
  expect(credit.creditOf(PRESENTER).acceptedTokens).toBe(0)
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

import { expect, test } from '@playwright/test'
import { chainGaps, chainPlaceProblem, checkReceiptChains } from './receipt-chains.ts'
import { newReceiptId, shortPeer } from './receipts.ts'
import { receiptFields } from '../tests/support/receipt-fields.ts'
import type { ReceiptFields } from './receipts.ts'

// Chains are checked on decoded fields (signatures are verifyReceipt's job), so plain names do.
const VERIFIER = '12D3KooWVerifierAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
const OTHER_VERIFIER = '12D3KooWVerifierBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'
const ALICE = '12D3KooWAliceAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
const BOB = '12D3KooWBobBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'

/** A drafted receipt at `sequence`, issued a second after the one before it. */
function receipt (sequence: number, previousId: string, overrides: Partial<ReceiptFields> = {}): ReceiptFields {
  return receiptFields('drafted', { issuer: VERIFIER, subject: ALICE, issuedAt: 1_700_000_000_000 + sequence * 1000, sequence, previousId, ...overrides })
}

/** A whole chain of `length` receipts for one subject. */
function chain (length: number, overrides: Partial<ReceiptFields> = {}): ReceiptFields[] {
  const receipts: ReceiptFields[] = []
  for (let sequence = 1; sequence <= length; sequence++) {
    receipts.push(receipt(sequence, receipts.at(-1)?.id ?? '', overrides))
  }
  return receipts
}

test('an intact chain of 3 has no problems, in whatever order the receipts come', () => {
  const receipts = chain(3)
  const [only, ...rest] = checkReceiptChains([...receipts].reverse())
  expect(rest).toEqual([])
  expect(only).toEqual({ issuer: VERIFIER, subject: ALICE, receipts, problems: [] })
})

test('a missing receipt is reported as a gap, one or several', () => {
  const receipts = chain(6)
  const [first, second, third, fourth, fifth, sixth] = receipts as [ReceiptFields, ReceiptFields, ReceiptFields, ReceiptFields, ReceiptFields, ReceiptFields]
  expect(checkReceiptChains([first, third, fourth, fifth, sixth])[0]?.problems).toEqual(['receipt 2 is missing'])
  expect(checkReceiptChains([first, second, sixth])[0]?.problems).toEqual(['receipts 3–5 are missing'])
  // A chain must start at 1: the subject's earliest receipts are gone too.
  expect(checkReceiptChains([second, third])[0]?.problems).toEqual(['receipt 1 is missing'])
})

test('a receipt naming the wrong previous receipt breaks the link', () => {
  const [first, second, third] = chain(3) as [ReceiptFields, ReceiptFields, ReceiptFields]
  const stranger = newReceiptId()
  const relinked = { ...third, previousId: stranger }
  expect(checkReceiptChains([first, second, relinked])[0]?.problems).toEqual([`receipt 3 does not link to receipt 2 (it names ${stranger.slice(0, 8)})`])
})

test('two receipts claiming one place are both named', () => {
  const [first, second, third] = chain(3) as [ReceiptFields, ReceiptFields, ReceiptFields]
  const twin = receipt(2, first.id)
  expect(checkReceiptChains([first, second, twin, third])[0]?.problems).toEqual([
    `receipts ${second.id.slice(0, 8)} and ${twin.id.slice(0, 8)} both claim place 2`
  ])
})

test('the same receipt twice (say, an export imported again) is counted once', () => {
  const receipts = chain(2)
  const [only] = checkReceiptChains([...receipts, ...receipts])
  expect(only?.receipts).toEqual(receipts)
  expect(only?.problems).toEqual([])
})

test('a receipt dated before the one it follows is reported as reordered', () => {
  const [first, second, third] = chain(3) as [ReceiptFields, ReceiptFields, ReceiptFields]
  const early = { ...third, issuedAt: first.issuedAt - 1 }
  expect(checkReceiptChains([first, second, early])[0]?.problems).toEqual(['receipt 3 is dated before receipt 2: reordered'])
  // The same time is fine: a fast verifier can issue two in one millisecond.
  expect(checkReceiptChains([first, second, { ...third, issuedAt: second.issuedAt }])[0]?.problems).toEqual([])
})

test('chains are split per issuer and subject, each checked on its own', () => {
  const alice = chain(3)
  const bob = chain(2, { subject: BOB })
  const fromOther = chain(2, { issuer: OTHER_VERIFIER })
  const aliceWithGap = [alice[0], alice[2]] as ReceiptFields[]
  const chains = checkReceiptChains([...bob, ...aliceWithGap, ...fromOther])
  expect(chains.map(({ issuer, subject, receipts, problems }) => ({ issuer, subject, count: receipts.length, problems }))).toEqual([
    { issuer: VERIFIER, subject: BOB, count: 2, problems: [] },
    { issuer: VERIFIER, subject: ALICE, count: 2, problems: ['receipt 2 is missing'] },
    { issuer: OTHER_VERIFIER, subject: ALICE, count: 2, problems: [] }
  ])
  // Bob's receipt 1 and Alice's receipt 1 share a number without clashing.
  expect(checkReceiptChains([...alice, ...bob]).every((each) => each.problems.length === 0)).toBe(true)
  expect(checkReceiptChains([])).toEqual([])
})

test('chainPlaceProblem lets a receipt in after, before or between its neighbours when the links hold', () => {
  const [first, second, third] = chain(3) as [ReceiptFields, ReceiptFields, ReceiptFields]
  expect(chainPlaceProblem(first, {})).toBeUndefined()
  expect(chainPlaceProblem(second, { before: first })).toBeUndefined()
  // Arrived late: 2 after 3 (an answer's receipt after a draft's), between 1 and 3.
  expect(chainPlaceProblem(second, { before: first, after: third })).toBeUndefined()
  expect(chainPlaceProblem(first, { after: second })).toBeUndefined()
})

test('chainPlaceProblem refuses a taken place, broken links and dates out of line, and allows gaps', () => {
  const [first, second, third, fourth] = chain(4) as [ReceiptFields, ReceiptFields, ReceiptFields, ReceiptFields]
  const verifier = shortPeer(VERIFIER)
  expect(chainPlaceProblem({ ...second, id: newReceiptId() }, { before: second })).toBe(`another receipt from ${verifier} already holds place 2`)
  expect(chainPlaceProblem({ ...third, previousId: first.id }, { before: second })).toBe(`receipt 3 from ${verifier} does not link to receipt 2`)
  expect(chainPlaceProblem({ ...second, id: newReceiptId() }, { before: first, after: third })).toBe(`receipt 3 from ${verifier} does not link to receipt 2`)
  expect(chainPlaceProblem({ ...third, issuedAt: second.issuedAt - 1 }, { before: second })).toBe(`receipt 3 from ${verifier} is dated out of line with its neighbours: reordered`)
  expect(chainPlaceProblem({ ...second, issuedAt: third.issuedAt + 1 }, { before: first, after: third })).toBe(`receipt 2 from ${verifier} is dated out of line with its neighbours: reordered`)
  // Receipt 3 was lost on the way: 4 still follows 2, and the gap shows in checkReceiptChains.
  expect(chainPlaceProblem(fourth, { before: second })).toBeUndefined()
})

test('a chain\'s gaps: the newest held and the holes below it, lowest first and bounded', () => {
  expect(chainGaps([], 64)).toEqual({ newest: 0, missing: [] })
  expect(chainGaps([3, 1, 2], 64)).toEqual({ newest: 3, missing: [] })
  expect(chainGaps([1, 4, 2, 7, 4], 64)).toEqual({ newest: 7, missing: [3, 5, 6] })
  expect(chainGaps([100], 4)).toEqual({ newest: 100, missing: [1, 2, 3, 4] })
})

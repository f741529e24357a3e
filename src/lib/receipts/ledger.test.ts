import { expect, test } from '@playwright/test'
import type { ReceiptFields } from '#protocol'
import { receiptFields } from '../../../tests/support/receipt-fields.ts'
import { receiptExportFileName } from './export-name.ts'
import { acceptanceRate, acceptedTokensPerDay, answerHelpOf, answerTimeline, describeDrafting, answersNewestFirst, draftedTotals, formatAcceptance, formatDuration, ledgerByVerifier, provenanceOf } from './ledger.ts'

const VERIFIER_A = '12D3KooWVerifierAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const VERIFIER_B = '12D3KooWVerifierBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'
const ME = '12D3KooWThisBrowserxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'
const DRAFTER = '12D3KooWSomeDrafterxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'

let nextId = 0

function served (issuer: string, overrides: Partial<ReceiptFields> = {}): ReceiptFields {
  nextId++
  return receiptFields('served', { issuer, subject: ME, id: String(nextId).padStart(32, '0'), issuedAt: 1_700_000_000_000 + nextId, ...overrides })
}

function drafted (issuer: string, draftedTokens: number, acceptedTokens: number): ReceiptFields {
  return served(issuer, { kind: 'drafted', drafters: [{ peerId: ME, draftedTokens, acceptedTokens }], promptHash: '', outputHash: '' })
}

test('the ledger adds up answers and tokens per verifier, and drafting from drafted receipts only', () => {
  const receipts = [
    served(VERIFIER_A, { promptTokens: 10, completionTokens: 20, drafters: [{ peerId: DRAFTER, draftedTokens: 16, acceptedTokens: 12 }] }),
    drafted(VERIFIER_B, 10, 5),
    served(VERIFIER_A, { promptTokens: 8, completionTokens: 15 }),
    drafted(VERIFIER_A, 30, 21),
    served(VERIFIER_B, { promptTokens: 5, completionTokens: 7 })
  ]
  expect(ledgerByVerifier(receipts)).toEqual([
    // Another drafter's share of a served answer is not this browser's drafting.
    { issuer: VERIFIER_A, answers: 2, tokensUsed: 53, draftedTokens: 30, acceptedTokens: 21 },
    { issuer: VERIFIER_B, answers: 1, tokensUsed: 12, draftedTokens: 10, acceptedTokens: 5 }
  ])
  expect(draftedTotals(receipts)).toEqual({ receipts: 2, draftedTokens: 40, acceptedTokens: 26 })
  expect(ledgerByVerifier([])).toEqual([])
})

test('a verifier this browser only drafted for still gets a row, after those that answered', () => {
  const rows = ledgerByVerifier([drafted(VERIFIER_B, 4, 4), served(VERIFIER_A)])
  expect(rows.map((row) => [row.issuer, row.answers, row.draftedTokens])).toEqual([[VERIFIER_A, 1, 0], [VERIFIER_B, 0, 4]])
})

test('acceptance is accepted over drafted, and says nothing when nothing was drafted', () => {
  expect(acceptanceRate(21, 30)).toBeCloseTo(0.7)
  expect(acceptanceRate(0, 0)).toBeUndefined()
  expect(formatAcceptance(acceptanceRate(2, 3))).toBe('67 %')
  expect(formatAcceptance(undefined)).toBe('–')
})

test('an answer\'s provenance names its verifier, model, drafters with their acceptance, and its timeline', () => {
  const receipt = served(VERIFIER_A, {
    model: 'llama-3.2-1b',
    passes: 9,
    drafters: [{ peerId: DRAFTER, draftedTokens: 16, acceptedTokens: 12 }, { peerId: ME, draftedTokens: 0, acceptedTokens: 0 }]
  })
  expect(provenanceOf(receipt)).toEqual({
    receiptId: receipt.id,
    verifier: VERIFIER_A,
    subject: ME,
    issuedAt: receipt.issuedAt,
    model: 'llama-3.2-1b',
    promptTokens: 10,
    completionTokens: 20,
    passes: 9,
    timeline: { queuedMs: 5, firstTokenMs: 40, restMs: 255, totalMs: 300 },
    drafters: [
      { peerId: DRAFTER, draftedTokens: 16, acceptedTokens: 12, acceptance: 0.75 },
      { peerId: ME, draftedTokens: 0, acceptedTokens: 0, acceptance: undefined }
    ]
  })
})

test('a total shorter than the queue and first token leaves no rest rather than a negative one', () => {
  expect(answerTimeline({ queuedMs: 100, firstTokenMs: 50, totalMs: 120 })).toEqual({ queuedMs: 100, firstTokenMs: 50, restMs: 0, totalMs: 150 })
  expect(answerTimeline({ queuedMs: 0, firstTokenMs: 0, totalMs: 0 })).toEqual({ queuedMs: 0, firstTokenMs: 0, restMs: 0, totalMs: 0 })
})

test('durations read in the unit that suits them', () => {
  expect(formatDuration(850)).toBe('850 ms')
  expect(formatDuration(2_449)).toBe('2.4 s')
  expect(formatDuration(185_000)).toBe('3 min 5 s')
})

test('answers are the served receipts, newest first', () => {
  const older = served(VERIFIER_A, { issuedAt: 1_000 })
  const newer = served(VERIFIER_B, { issuedAt: 2_000 })
  expect(answersNewestFirst([older, drafted(VERIFIER_A, 1, 1), newer]).map((answer) => answer.receiptId)).toEqual([newer.id, older.id])
})

test('an export is named after the local day it was made', () => {
  expect(receiptExportFileName(new Date(2025, 0, 7, 23, 59))).toBe('shoal-receipts-2025-01-07.json')
  expect(receiptExportFileName(new Date(2025, 10, 30))).toBe('shoal-receipts-2025-11-30.json')
})

test('an answer\'s help says who drafted, what share of its tokens they wrote and the passes it saved; nothing when no one drafted', () => {
  expect(answerHelpOf(served(VERIFIER_A))).toEqual({})
  const helped = answerHelpOf(served(VERIFIER_A, {
    completionTokens: 100,
    passes: 62,
    drafters: [{ peerId: DRAFTER, draftedTokens: 70, acceptedTokens: 41 }, { peerId: ME, draftedTokens: 30, acceptedTokens: 20 }]
  }))
  expect(helped).toEqual({ drafting: { contributors: 2, acceptedTokens: 61, completionTokens: 100, passes: 62 } })
  expect(describeDrafting(helped.drafting!)).toBe('drafted by 2 contributors: 61 % of tokens, 38 fewer verifier passes')
  // One drafter that wrote nothing kept, and a verifier that made more passes than tokens (the prompt's own): no negative savings.
  expect(describeDrafting({ contributors: 1, acceptedTokens: 0, completionTokens: 10, passes: 11 })).toBe('drafted by 1 contributor: 0 % of tokens, 0 fewer verifier passes')
  expect(describeDrafting({ contributors: 1, acceptedTokens: 5, completionTokens: 0, passes: 0 })).toBe('drafted by 1 contributor: 0 % of tokens, 0 fewer verifier passes')
})

test('an emulated receipt\'s label reaches the answer and its provenance; a real one has none', () => {
  const label = 'pass-cost h100-70b: 30 ms + 0.25 ms/token'
  expect(answerHelpOf(served(VERIFIER_A, { emulation: label }))).toEqual({ emulation: label })
  expect(provenanceOf(served(VERIFIER_A, { emulation: label })).emulation).toBe(label)
  expect('emulation' in provenanceOf(served(VERIFIER_A))).toBe(false)
})

test('tokens earned per day add up the accepted tokens of drafted receipts, every day from the first to the last', () => {
  const day = (date: number, hour: number): number => new Date(2026, 10, date, hour).getTime()
  const earned = (issuedAt: number, acceptedTokens: number): ReceiptFields => ({ ...drafted(VERIFIER_A, acceptedTokens + 3, acceptedTokens), issuedAt })
  expect(acceptedTokensPerDay([served(VERIFIER_A)])).toEqual({ days: [], tokens: [] })
  expect(acceptedTokensPerDay([earned(day(3, 23), 7), served(VERIFIER_B, { issuedAt: day(4, 9) }), earned(day(3, 1), 5), earned(day(5, 12), 2)])).toEqual({
    days: [new Date(2026, 10, 3).getTime(), new Date(2026, 10, 4).getTime(), new Date(2026, 10, 5).getTime()],
    tokens: [12, 0, 2]
  })
  // A long history keeps its newest 60 days.
  const long = acceptedTokensPerDay([earned(new Date(2026, 0, 1, 12).getTime(), 1), earned(new Date(2026, 9, 1, 12).getTime(), 1)])
  expect(long.days).toHaveLength(60)
  expect(long.days.at(-1)).toBe(new Date(2026, 9, 1).getTime())
  expect(long.tokens.at(0)).toBe(0)
})

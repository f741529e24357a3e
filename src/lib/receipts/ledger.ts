import type { ReceiptDrafterShare, ReceiptFields } from '#protocol'
import type { AnswerDrafting } from '../storage/chat-records.ts'

/**
 * What the receipts add up to, per verifier, and what one answer's served
 * receipt says about how it was made. Pure: the receipts come from the
 * store (`receipt-keeper.ts`), already verified.
 */

/** One verifier's (issuer's) totals over every receipt it signed. */
export interface VerifierTotals {
  issuer: string
  /** Served receipts: answers it gave. */
  answers: number
  /** Prompt and completion tokens of those answers. */
  tokensUsed: number
  /** From drafted receipts: tokens drafted for its answers, and how many it kept. */
  draftedTokens: number
  acceptedTokens: number
}

/** Totals per verifier, most answers first (then most tokens drafted). */
export function ledgerByVerifier (receipts: readonly ReceiptFields[]): VerifierTotals[] {
  const totals = new Map<string, VerifierTotals>()
  for (const receipt of receipts) {
    let row = totals.get(receipt.issuer)
    if (row === undefined) {
      row = { issuer: receipt.issuer, answers: 0, tokensUsed: 0, draftedTokens: 0, acceptedTokens: 0 }
      totals.set(receipt.issuer, row)
    }
    if (receipt.kind === 'served') {
      row.answers++
      row.tokensUsed += receipt.promptTokens + receipt.completionTokens
    } else {
      for (const share of receipt.drafters) {
        row.draftedTokens += share.draftedTokens
        row.acceptedTokens += share.acceptedTokens
      }
    }
  }
  return [...totals.values()].sort((left, right) => right.answers - left.answers || right.draftedTokens - left.draftedTokens)
}

/** Totals over drafted receipts: what this browser's drafting earned. */
export interface DraftedTotals {
  receipts: number
  draftedTokens: number
  acceptedTokens: number
}

export function draftedTotals (receipts: readonly ReceiptFields[]): DraftedTotals {
  const totals: DraftedTotals = { receipts: 0, draftedTokens: 0, acceptedTokens: 0 }
  for (const receipt of receipts) {
    if (receipt.kind !== 'drafted') {
      continue
    }
    totals.receipts++
    for (const share of receipt.drafters) {
      totals.draftedTokens += share.draftedTokens
      totals.acceptedTokens += share.acceptedTokens
    }
  }
  return totals
}

/** Accepted over drafted, or undefined when nothing was drafted. */
export function acceptanceRate (acceptedTokens: number, draftedTokens: number): number | undefined {
  return draftedTokens === 0 ? undefined : acceptedTokens / draftedTokens
}

/** An acceptance rate for people: "75 %", or "–" when nothing was drafted. */
export function formatAcceptance (rate: number | undefined): string {
  return rate === undefined ? '–' : `${Math.round(rate * 100)} %`
}

/** A duration for people: "850 ms", "2.4 s", "3 min 5 s". */
export function formatDuration (ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const seconds = Math.round(ms / 1000)
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`
}

/**
 * Where an answer's time went, as the verifier measured it: waiting in its
 * queue, then working up to the first token, then the rest of the answer.
 */
export interface AnswerTimeline {
  queuedMs: number
  firstTokenMs: number
  restMs: number
  /** Their sum: the length of the whole bar. */
  totalMs: number
}

export interface DrafterContribution extends ReceiptDrafterShare {
  acceptance: number | undefined
}

/** How one answer was made, from its served receipt. */
export interface Provenance {
  receiptId: string
  verifier: string
  subject: string
  issuedAt: number
  model: string
  promptTokens: number
  completionTokens: number
  passes: number
  timeline: AnswerTimeline
  drafters: DrafterContribution[]
  /** The receipt's emulation label (timings from a verifier emulating other hardware). */
  emulation?: string
}

export function provenanceOf (receipt: ReceiptFields): Provenance {
  return {
    receiptId: receipt.id,
    verifier: receipt.issuer,
    subject: receipt.subject,
    issuedAt: receipt.issuedAt,
    model: receipt.model,
    promptTokens: receipt.promptTokens,
    completionTokens: receipt.completionTokens,
    passes: receipt.passes,
    timeline: answerTimeline(receipt),
    drafters: receipt.drafters.map((share) => ({ ...share, acceptance: acceptanceRate(share.acceptedTokens, share.draftedTokens) })),
    ...(receipt.emulation === undefined ? {} : { emulation: receipt.emulation })
  }
}

/** What an answer's chat message keeps of its served receipt: who drafted, and whether its timings were emulated. */
export function answerHelpOf (receipt: Pick<ReceiptFields, 'drafters' | 'completionTokens' | 'passes' | 'emulation'>): { drafting?: AnswerDrafting, emulation?: string } {
  return {
    ...(receipt.drafters.length === 0
      ? {}
      : {
          drafting: {
            contributors: new Set(receipt.drafters.map((share) => share.peerId)).size,
            acceptedTokens: receipt.drafters.reduce((sum, share) => sum + share.acceptedTokens, 0),
            completionTokens: receipt.completionTokens,
            passes: receipt.passes
          }
        }),
    ...(receipt.emulation === undefined ? {} : { emulation: receipt.emulation })
  }
}

/**
 * Who helped, for people: "drafted by 2 contributors: 61 % of tokens, 38
 * fewer verifier passes". The share is of the answer's tokens the drafters
 * wrote (capped at all of them); the passes saved count against one pass per
 * token, which is what the verifier makes alone.
 */
export function describeDrafting (drafting: AnswerDrafting): string {
  const who = drafting.contributors === 1 ? '1 contributor' : `${drafting.contributors} contributors`
  const share = drafting.completionTokens === 0 ? 0 : Math.min(1, drafting.acceptedTokens / drafting.completionTokens)
  const saved = Math.max(0, drafting.completionTokens - drafting.passes)
  return `drafted by ${who}: ${Math.round(share * 100)} % of tokens, ${saved} fewer verifier ${saved === 1 ? 'pass' : 'passes'}`
}

/**
 * The verifier's timings as three consecutive spans. Its total runs from
 * arrival to the last token, so the rest is what the queue and the first
 * token leave of it; a total shorter than those two (rounding, or a verifier
 * that measures otherwise) leaves no rest rather than a negative one.
 */
export function answerTimeline (timings: Pick<ReceiptFields, 'queuedMs' | 'firstTokenMs' | 'totalMs'>): AnswerTimeline {
  const restMs = Math.max(0, timings.totalMs - timings.queuedMs - timings.firstTokenMs)
  return { queuedMs: timings.queuedMs, firstTokenMs: timings.firstTokenMs, restMs, totalMs: timings.queuedMs + timings.firstTokenMs + restMs }
}

/** Served receipts as provenance, newest first. */
export function answersNewestFirst (receipts: readonly ReceiptFields[]): Provenance[] {
  return receipts
    .filter((receipt) => receipt.kind === 'served')
    .sort((left, right) => right.issuedAt - left.issuedAt)
    .map(provenanceOf)
}

/** At most this many days are plotted: the newest ones. */
export const EARNINGS_DAYS = 60

/**
 * Tokens this browser earned per local day: drafted tokens the verifiers
 * accepted, by the day each drafted receipt was issued. Every day from the
 * first to the last is listed (0 where nothing was earned), the newest
 * {@link EARNINGS_DAYS} of them.
 */
export function acceptedTokensPerDay (receipts: readonly ReceiptFields[]): { days: number[], tokens: number[] } {
  const perDay = new Map<number, number>()
  for (const receipt of receipts) {
    if (receipt.kind !== 'drafted') continue
    const day = localDayStart(receipt.issuedAt)
    perDay.set(day, (perDay.get(day) ?? 0) + receipt.drafters.reduce((sum, share) => sum + share.acceptedTokens, 0))
  }
  if (perDay.size === 0) return { days: [], tokens: [] }
  const last = Math.max(...perDay.keys())
  const first = Math.max(Math.min(...perDay.keys()), nextDay(last, -(EARNINGS_DAYS - 1)))
  const days: number[] = []
  for (let day = first; day <= last; day = nextDay(day, 1)) days.push(day)
  return { days, tokens: days.map((day) => perDay.get(day) ?? 0) }
}

function localDayStart (ms: number): number {
  const date = new Date(ms)
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime()
}

/** The start of the local day `offset` days from `dayStart` (by the calendar: days are not all 24 h). */
function nextDay (dayStart: number, offset: number): number {
  const date = new Date(dayStart)
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + offset).getTime()
}

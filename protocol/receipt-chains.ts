import { shortPeer } from './receipts.ts'
import type { ReceiptFields } from './receipts.ts'

/** One subject's receipts from one issuer, in sequence order, and what is wrong with them. */
export interface ReceiptChain {
  issuer: string
  subject: string
  receipts: ReceiptFields[]
  /** Empty when the chain is whole: every link present and pointing at the receipt before it. */
  problems: string[]
}

/**
 * Groups receipts into chains (issuer × subject) and checks each: sequence
 * numbers from 1 without gaps, each receipt naming the one before it, no
 * two receipts claiming one place, and times that never go backwards. The
 * receipts' signatures are checked elsewhere (`verifyReceipt`).
 */
export function checkReceiptChains (receipts: readonly ReceiptFields[]): ReceiptChain[] {
  const chains = new Map<string, ReceiptChain>()
  const seen = new Map<string, ReceiptFields>()
  const reused: Array<{ chainKey: string, problem: string }> = []
  for (const receipt of receipts) {
    const key = `${receipt.issuer}\n${receipt.id}`
    const earlier = seen.get(key)
    if (earlier !== undefined) {
      // The same receipt twice is harmless; two different receipts under one id are not.
      if (JSON.stringify(earlier) !== JSON.stringify(receipt)) {
        reused.push({ chainKey: `${receipt.issuer}\n${receipt.subject}`, problem: `two different receipts share the id ${shortId(receipt.id)}` })
      }
      continue
    }
    seen.set(key, receipt)
    const chainKey = `${receipt.issuer}\n${receipt.subject}`
    let chain = chains.get(chainKey)
    if (chain === undefined) {
      chain = { issuer: receipt.issuer, subject: receipt.subject, receipts: [], problems: [] }
      chains.set(chainKey, chain)
    }
    chain.receipts.push(receipt)
  }
  for (const chain of chains.values()) {
    chain.receipts.sort((left, right) => left.sequence - right.sequence)
    chain.problems = chainProblems(chain.receipts)
  }
  for (const { chainKey, problem } of reused) {
    chains.get(chainKey)?.problems.push(problem)
  }
  return [...chains.values()]
}

function chainProblems (receipts: readonly ReceiptFields[]): string[] {
  const problems: string[] = []
  let previous: ReceiptFields | undefined
  for (const receipt of receipts) {
    const expected = (previous?.sequence ?? 0) + 1
    if (previous !== undefined && receipt.sequence === previous.sequence) {
      problems.push(`receipts ${shortId(previous.id)} and ${shortId(receipt.id)} both claim place ${receipt.sequence}`)
      continue
    }
    if (receipt.sequence > expected) {
      problems.push(receipt.sequence === expected + 1
        ? `receipt ${expected} is missing`
        : `receipts ${expected}–${receipt.sequence - 1} are missing`)
    } else if (previous !== undefined && receipt.previousId !== previous.id) {
      problems.push(`receipt ${receipt.sequence} does not link to receipt ${previous.sequence} (it names ${shortId(receipt.previousId)})`)
    }
    if (previous !== undefined && receipt.issuedAt < previous.issuedAt) {
      problems.push(`receipt ${receipt.sequence} is dated before receipt ${previous.sequence}: reordered`)
    }
    previous = receipt
  }
  return problems
}

/**
 * Whether `receipt` may take its place in its chain on arrival, given the
 * receipts kept just before and just after that place (if any). Receipts of
 * one chain can arrive out of order (an answer's receipt on the chat stream,
 * a draft's on the draft stream), so a late one may fill an empty place, as
 * long as it links to the one before and the one after links to it, and the
 * dates agree. A place already taken, a link that does not hold, or a date
 * out of line is refused. A gap is allowed: a receipt lost on the way shows
 * as missing in {@link checkReceiptChains}.
 *
 * @returns why it may not, or undefined when it may
 */
export function chainPlaceProblem (receipt: ReceiptFields, neighbours: { before?: ReceiptFields, after?: ReceiptFields }): string | undefined {
  const { before, after } = neighbours
  const from = shortPeer(receipt.issuer)
  if (before?.sequence === receipt.sequence || after?.sequence === receipt.sequence) {
    return `another receipt from ${from} already holds place ${receipt.sequence}`
  }
  if (before !== undefined && before.sequence === receipt.sequence - 1 && receipt.previousId !== before.id) {
    return `receipt ${receipt.sequence} from ${from} does not link to receipt ${before.sequence}`
  }
  if (after !== undefined && after.sequence === receipt.sequence + 1 && after.previousId !== receipt.id) {
    return `receipt ${after.sequence} from ${from} does not link to receipt ${receipt.sequence}`
  }
  if ((before !== undefined && receipt.issuedAt < before.issuedAt) || (after !== undefined && receipt.issuedAt > after.issuedAt)) {
    return `receipt ${receipt.sequence} from ${from} is dated out of line with its neighbours: reordered`
  }
  return undefined
}

/**
 * What to ask an issuer to send again of one chain (one issuer's receipts to
 * one subject): `newest` is the highest sequence held (0 for none), and
 * `missing` the holes below it, lowest first, at most `max` of them. What
 * the issuer signed after `newest` the holder cannot know of; the issuer
 * sends that on its own when asked with `newest`.
 */
export function chainGaps (sequences: Iterable<number>, max: number): { newest: number, missing: number[] } {
  const held = new Set(sequences)
  let newest = 0
  for (const sequence of held) {
    newest = Math.max(newest, sequence)
  }
  const missing: number[] = []
  for (let sequence = 1; sequence < newest && missing.length < max; sequence++) {
    if (!held.has(sequence)) {
      missing.push(sequence)
    }
  }
  return { newest, missing }
}

function shortId (id: string): string {
  return id === '' ? 'none' : id.slice(0, 8)
}

/** Drafting rates over an interval, from the contribution's running totals (pure: unit-tested in Node). */

export interface DraftingTotals {
  draftedTokens: number
  acceptedTokens: number
}

/** One interval's rates from two running totals `elapsedMs` apart (totals that went down, a restart, count from zero). */
export function draftingRates (before: DraftingTotals, after: DraftingTotals, elapsedMs: number): { draftedPerSecond: number, acceptancePercent: number | undefined } {
  const restarted = after.draftedTokens < before.draftedTokens || after.acceptedTokens < before.acceptedTokens
  const drafted = restarted ? after.draftedTokens : after.draftedTokens - before.draftedTokens
  const accepted = restarted ? after.acceptedTokens : after.acceptedTokens - before.acceptedTokens
  return {
    draftedPerSecond: elapsedMs <= 0 ? 0 : drafted / (elapsedMs / 1000),
    acceptancePercent: drafted === 0 ? undefined : Math.round(100 * Math.min(1, accepted / drafted))
  }
}

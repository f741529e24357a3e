/**
 * What /contribute plots: this tab's drafting over time, sampled every few
 * seconds from the contribution's running totals: drafted tokens per second
 * and the share of them the verifier accepted, both over each interval (a
 * sample where nothing was drafted has no acceptance: a gap, not 0 %). One
 * per page life, like the contribution; bounded to the last fifteen minutes.
 */
import { RollingHistory } from '../ui/rolling-history.ts'
import type { HistoryColumns } from '../ui/rolling-history.ts'
import { contribution } from './contribution.svelte.ts'
import type { Contribution } from './contribution.svelte.ts'
import { draftingRates } from './drafting-rates.ts'
import type { DraftingTotals } from './drafting-rates.ts'

export const CONTRIBUTION_SAMPLE_MS = 2000
const WINDOW_MS = 15 * 60_000

export class ContributionHistory {
  columns = $state.raw<HistoryColumns>({ times: [], series: [] })

  readonly #contribution: Contribution
  readonly #history = new RollingHistory({ windowMs: WINDOW_MS, maxSamples: WINDOW_MS / CONTRIBUTION_SAMPLE_MS })
  #last: { at: number, totals: DraftingTotals } | undefined
  #timer: ReturnType<typeof setInterval> | undefined

  constructor (source: Contribution) {
    this.#contribution = source
  }

  /** Starts sampling (once; it goes on for the page's life). */
  start (): void {
    if (this.#timer !== undefined) return
    this.#timer = setInterval(() => { this.sample() }, CONTRIBUTION_SAMPLE_MS)
  }

  sample (now = Date.now()): void {
    const { draftedTokens, acceptedTokens } = this.#contribution.stats
    const totals = { draftedTokens, acceptedTokens }
    const last = this.#last
    this.#last = { at: now, totals }
    // Nothing to plot while the tab is not contributing (and the first sample only sets the baseline).
    if (last === undefined || this.#contribution.status === 'off') return
    const rates = draftingRates(last.totals, totals, now - last.at)
    this.#history.push(now, { 'drafted tokens/s': rates.draftedPerSecond, 'accepted %': rates.acceptancePercent })
    this.columns = this.#history.columns()
  }
}

let instance: ContributionHistory | undefined

/** The page's one contribution history. */
export function contributionHistory (): ContributionHistory {
  instance ??= new ContributionHistory(contribution())
  return instance
}

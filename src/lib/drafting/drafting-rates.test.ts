import { expect, test } from '@playwright/test'
import { draftingRates } from './drafting-rates.ts'

test('an interval\'s drafting rate and acceptance come from the change in the totals', () => {
  expect(draftingRates({ draftedTokens: 10, acceptedTokens: 5 }, { draftedTokens: 30, acceptedTokens: 20 }, 2000)).toEqual({ draftedPerSecond: 10, acceptancePercent: 75 })
})

test('an interval with nothing drafted has no acceptance (a gap), and totals that went down count from zero', () => {
  expect(draftingRates({ draftedTokens: 30, acceptedTokens: 20 }, { draftedTokens: 30, acceptedTokens: 20 }, 2000)).toEqual({ draftedPerSecond: 0, acceptancePercent: undefined })
  expect(draftingRates({ draftedTokens: 30, acceptedTokens: 20 }, { draftedTokens: 8, acceptedTokens: 2 }, 4000)).toEqual({ draftedPerSecond: 2, acceptancePercent: 25 })
})

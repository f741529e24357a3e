import { expect, test } from '@playwright/test'
import { bestDraftCount, DraftPolicy, MAX_DRAFTS_PER_PASS, PassCostModel } from './draft-policy.ts'

test('the number of drafts per pass follows acceptance and the cost of a wider pass', () => {
  expect(bestDraftCount(0, 0.1)).toBe(0)
  expect(bestDraftCount(0.05, 0.25)).toBe(0)
  expect(bestDraftCount(1, 0.1)).toBe(MAX_DRAFTS_PER_PASS)
  const moderate = bestDraftCount(0.7, 0.1)
  expect(moderate).toBeGreaterThanOrEqual(3)
  expect(moderate).toBeLessThan(MAX_DRAFTS_PER_PASS)
  expect(bestDraftCount(0.7, 0.5)).toBeLessThan(moderate)
})

test('the pass cost model recovers the cost of one more token from pass times', () => {
  const cost = new PassCostModel()
  for (let pass = 0; pass < 400; pass++) {
    const drafts = pass % 9
    cost.record(drafts, 4 * (1 + 0.1 * drafts))
  }
  expect(cost.relativeCost).toBeCloseTo(0.1, 2)
})

test('a drafter whose drafts are always wrong stops paying after a few passes; a good one keeps drafting', () => {
  const cost = new PassCostModel()
  const bad = new DraftPolicy(cost)
  expect(bad.draftsPerPass).toBeGreaterThan(0)
  let passes = 0
  while (!bad.notPaying && passes < 50) {
    bad.record(bad.draftsPerPass, 0)
    passes++
  }
  expect(bad.notPaying).toBe(true)
  expect(passes).toBeLessThanOrEqual(10)
  const good = new DraftPolicy(cost)
  for (let pass = 0; pass < 50; pass++) {
    good.record(4, 4)
  }
  expect(good.notPaying).toBe(false)
  expect(good.acceptance).toBeGreaterThan(0.9)
  expect(good.draftsPerPass).toBeGreaterThan(4)
})

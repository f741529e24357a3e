import { expect, test } from '@playwright/test'
import { bestDraftCount, DraftPolicy, MAX_DRAFTS_PER_PASS, PassCostModel } from './draft-policy.ts'

test('the number of drafts per pass follows acceptance and the cost of a wider pass', () => {
  const linear = (c: number) => (k: number) => 1 + c * k
  expect(bestDraftCount(0, linear(0.1))).toBe(0)
  expect(bestDraftCount(0.05, linear(0.25))).toBe(0)
  expect(bestDraftCount(1, linear(0.1))).toBe(MAX_DRAFTS_PER_PASS)
  const moderate = bestDraftCount(0.7, linear(0.1))
  expect(moderate).toBeGreaterThanOrEqual(3)
  expect(moderate).toBeLessThan(MAX_DRAFTS_PER_PASS)
  expect(bestDraftCount(0.7, linear(0.5))).toBeLessThan(moderate)
  // A costly first extra token (as on llama.cpp's CPU backend) makes small k worthless, large k still worth it when drafts are good.
  const steep = (k: number): number => k === 0 ? 1 : 1.8 + 0.2 * k
  expect(bestDraftCount(0.6, steep)).toBe(0)
  expect(bestDraftCount(0.95, steep)).toBeGreaterThan(8)
})

test('the pass cost model measures each width, and assumes a mild cost for widths not seen yet', () => {
  const cost = new PassCostModel()
  expect(cost.relativeCost(4)).toBe(2)
  for (let pass = 0; pass < 50; pass++) {
    cost.record(0, 4)
    cost.record(1, 8)
    cost.record(8, 13.2)
  }
  expect(cost.relativeCost(0)).toBe(1)
  expect(cost.relativeCost(1)).toBeCloseTo(2, 5)
  expect(cost.relativeCost(8)).toBeCloseTo(3.3, 5)
  expect(cost.relativeCost(3)).toBe(1.75)
})

test('a drafter whose drafts are always wrong stops paying after a few passes; a good one keeps drafting', () => {
  const cost = new PassCostModel()
  const bad = new DraftPolicy(cost)
  expect(bad.draftsPerPass).toBeGreaterThan(0)
  let passes = 0
  while (!bad.notPaying && passes < 50) {
    // Once no drafts are evaluated, drafts checked outside passes are still evidence (one miss each).
    bad.record(Math.max(1, bad.draftsPerPass), 0)
    passes++
  }
  expect(bad.notPaying).toBe(true)
  expect(passes).toBeLessThanOrEqual(16)
  const good = new DraftPolicy(cost)
  for (let pass = 0; pass < 50; pass++) {
    good.record(4, 4)
  }
  expect(good.notPaying).toBe(false)
  expect(good.acceptance).toBeGreaterThan(0.9)
  expect(good.draftsPerPass).toBeGreaterThan(4)
})

import { expect, test } from '@playwright/test'
import { acceptedDrafts, drawToken, positionUniform } from './sampling.ts'

test('draws follow the distribution and do not depend on the map\'s order', () => {
  const forward = new Map([[0, 0.5], [1, 0.25], [2, 0.25]])
  const backward = new Map([[2, 0.25], [1, 0.25], [0, 0.5]])
  expect(drawToken(forward, 0)).toBe(0)
  expect(drawToken(forward, 0.49)).toBe(0)
  expect(drawToken(forward, 0.5)).toBe(1)
  expect(drawToken(forward, 0.999999)).toBe(2)
  for (let index = 0; index < 100; index++) {
    expect(drawToken(backward, positionUniform(7, index))).toBe(drawToken(forward, positionUniform(7, index)))
  }
  expect(() => drawToken(new Map([[1, 0]]), 0.5)).toThrow(RangeError)
})

test('accepted drafts: the longest prefix equal to the verifier\'s own tokens', () => {
  expect(acceptedDrafts([], [5])).toBe(0)
  expect(acceptedDrafts([5, 6, 7], [5, 6, 8, 9])).toBe(2)
  expect(acceptedDrafts([4, 6], [5, 6, 7])).toBe(0)
  expect(acceptedDrafts([5, 6], [5, 6, 7])).toBe(2)
})

/**
 * The statistical check on a tiny vocabulary: a 3-token "model" (a Markov
 * chain), sampled alone and with drafters whose proposals come from other
 * distributions, through the verifier's rule (draw its own token with the
 * position's uniform, accept drafts while equal, then add its own). Over many
 * seeds the two-token answers must follow the model's distribution (chi-square,
 * 8 degrees of freedom), and each seed gives the same answer either way.
 */
test('with drafts from any distribution, answers follow the verifier\'s distribution', () => {
  const model: Array<Map<number, number>> = [
    new Map([[0, 0.6], [1, 0.3], [2, 0.1]]),
    new Map([[0, 0.2], [1, 0.2], [2, 0.6]]),
    new Map([[0, 0.34], [1, 0.33], [2, 0.33]])
  ]
  const start = new Map([[0, 0.5], [1, 0.1], [2, 0.4]])
  const next = (previous: number | undefined): Map<number, number> => previous === undefined ? start : model[previous] ?? start
  const alone = (seed: number): number[] => {
    const first = drawToken(next(undefined), positionUniform(seed, 0))
    return [first, drawToken(next(first), positionUniform(seed, 1))]
  }
  const drafters: Array<(seed: number) => number[]> = [
    () => [2, 2],
    (seed) => [Math.floor(positionUniform(seed + 1_000_000, 0) * 3), Math.floor(positionUniform(seed + 1_000_000, 1) * 3)],
    (seed) => alone(seed)
  ]
  const runs = 20_000
  for (const drafter of drafters) {
    const counts = new Map<string, number>()
    for (let seed = 0; seed < runs; seed++) {
      const drafts = drafter(seed)
      // One pass over [prompt, draft0]: the verifier's own token at positions 0 and 1.
      const own0 = drawToken(next(undefined), positionUniform(seed, 0))
      const own1 = drawToken(next(drafts[0]), positionUniform(seed, 1))
      const accepted = acceptedDrafts(drafts.slice(0, 1), [own0, own1])
      const answer = accepted === 1 ? [own0, own1] : [own0, drawToken(next(own0), positionUniform(seed, 1))]
      expect(answer).toEqual(alone(seed))
      counts.set(answer.join(','), (counts.get(answer.join(',')) ?? 0) + 1)
    }
    let chiSquare = 0
    for (const [first, p0] of start) {
      for (const [second, p1] of next(first)) {
        const expected = runs * p0 * p1
        chiSquare += ((counts.get(`${first},${second}`) ?? 0) - expected) ** 2 / expected
      }
    }
    // 99.9th percentile of chi-square with 8 degrees of freedom.
    expect(chiSquare).toBeLessThan(26.12)
  }
})

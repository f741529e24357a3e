import { expect, test } from '@playwright/test'
import { DraftJobState } from './draft-job-state.ts'

test('verdicts that confirm the chain keep the rest of it; one that contradicts it starts a new epoch', () => {
  const job = new DraftJobState(1, [10, 11], 6)
  job.chain = [1, 2, 3, 4]
  expect(job.wanted).toBe(2)
  expect(job.applyVerdict({ position: 2, accepted: 1, tokens: [1, 2], lookahead: 8 })).toBe(true)
  expect(job.verified).toEqual([10, 11, 1, 2])
  expect(job.chain).toEqual([3, 4])
  expect(job.epoch).toBe(0)
  expect(job.accepted).toBe(1)
  expect(job.applyVerdict({ position: 4, accepted: 0, tokens: [9], lookahead: 8 })).toBe(true)
  expect(job.chain).toEqual([])
  expect(job.epoch).toBe(1)
  expect(job.tokens).toEqual([10, 11, 1, 2, 9])
  // Verified tokens past the end of the chain also start a new epoch: the next chain starts after them.
  job.chain = [5]
  expect(job.applyVerdict({ position: 5, accepted: 1, tokens: [5, 6], lookahead: 8 })).toBe(true)
  expect(job.epoch).toBe(2)
  expect(job.applyVerdict({ position: 3, accepted: 0, tokens: [1], lookahead: 8 })).toBe(false)
})

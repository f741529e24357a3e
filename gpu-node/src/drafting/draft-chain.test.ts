import { expect, test } from '@playwright/test'
import { DraftChain } from './draft-chain.ts'

const batch = (epoch: number, position: number, tokens: number[]): { epoch: number, position: number, tokens: number[], probabilities: number[] } =>
  ({ epoch, position, tokens, probabilities: tokens.map(() => 0.5) })

test('a chain continues the verified tokens; only its start is offered', () => {
  const chain = new DraftChain()
  const verified = [1, 2, 3]
  expect(chain.offer(batch(0, 3, [4, 5]), verified)).toEqual({ matched: 0, contradicted: false })
  expect(chain.offer(batch(0, 5, [6]), verified)).toEqual({ matched: 0, contradicted: false })
  expect(chain.take(3, 8)).toEqual([4, 5, 6])
  expect(chain.take(3, 2)).toEqual([4, 5])
  // A gap in the same epoch is not part of the chain.
  chain.offer(batch(0, 9, [9]), verified)
  expect(chain.take(3, 8)).toEqual([4, 5, 6])
  // Verified tokens that match are dropped from the front.
  verified.push(4)
  chain.check(verified)
  expect(chain.take(4, 8)).toEqual([5, 6])
  expect(chain.take(3, 8)).toEqual([])
})

test('a contradicted chain is dead until the drafter starts a new epoch; older epochs are stale', () => {
  const chain = new DraftChain()
  const verified = [1, 2, 3]
  chain.offer(batch(0, 3, [4, 5, 6]), verified)
  verified.push(7)
  expect(chain.check(verified)).toEqual({ matched: 0, contradicted: true })
  expect(chain.length).toBe(0)
  chain.offer(batch(0, 6, [8]), verified)
  expect(chain.take(4, 8)).toEqual([])
  // The new epoch starts behind the verifier: its verified part is checked and trimmed.
  expect(chain.offer(batch(1, 3, [7, 8, 9]), verified)).toEqual({ matched: 1, contradicted: false })
  expect(chain.take(4, 8)).toEqual([8, 9])
  chain.offer(batch(0, 6, [1]), verified)
  expect(chain.take(4, 8)).toEqual([8, 9])
  // A new chain cannot start past what was verified.
  chain.offer(batch(2, 9, [1]), verified)
  expect(chain.take(4, 8)).toEqual([8, 9])
})

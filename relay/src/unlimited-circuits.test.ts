import { expect, test } from '@playwright/test'
import { parseRelayOptions } from './config.ts'

function unlimitedCircuitsFor (argv: string[], env: Record<string, string> = {}): string[] {
  const parsed = parseRelayOptions(argv, env)
  if (parsed.help) {
    throw new Error('unexpected help')
  }
  return parsed.options.unlimitedCircuitsFor
}

const VERIFIER = '12D3KooWJ9ezSGwMLyYRVvPEhDAVsqgKVN4ScHvjKuR2YA1ay9Wb'
const OTHER = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'

test('--unlimited-circuits-for takes a comma list of peer ids, from argv or env, once each', () => {
  expect(unlimitedCircuitsFor(['--unlimited-circuits-for', `${VERIFIER}, ${OTHER},${VERIFIER}`])).toEqual([VERIFIER, OTHER])
  expect(unlimitedCircuitsFor([], { SHOAL_RELAY_UNLIMITED_CIRCUITS_FOR: VERIFIER })).toEqual([VERIFIER])
  expect(unlimitedCircuitsFor([])).toEqual([])
})

test('--unlimited-circuits-for refuses what is not a peer id, naming it', () => {
  expect(() => unlimitedCircuitsFor(['--unlimited-circuits-for', `${VERIFIER},verifier-1`])).toThrow(/verifier-1 is not a libp2p peer id/)
})

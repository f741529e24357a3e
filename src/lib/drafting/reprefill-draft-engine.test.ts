import { expect, test } from '@playwright/test'
import { ReprefillDraftEngine } from './reprefill-draft-engine.ts'
import type { ForwardOnlyCore } from './reprefill-draft-engine.ts'
import type { TokenWithProbability } from '../inference/engine.ts'

const VOCABULARY = 7
const END = 6

/** The stand-in model: the greedy next token is a pure function of the whole prefix (a rolling hash). */
function nextAfter (prefix: readonly number[]): TokenWithProbability {
  let hash = 17
  for (const token of prefix) {
    hash = (hash * 31 + token + 1) % 1_000_003
  }
  return { token: hash % VOCABULARY, probability: 0.5 + (hash % 50) / 100 }
}

/**
 * A forward-only core as WebLLM offers it: appends to its KV cache and
 * samples; no way back but a reset. Records every call.
 */
function forwardOnlyCore (): ForwardOnlyCore & { kv: number[], calls: Array<{ tokens: number[], isPrefill: boolean } | 'reset'> } {
  const kv: number[] = []
  const calls: Array<{ tokens: number[], isPrefill: boolean } | 'reset'> = []
  return {
    kv,
    calls,
    async forwardTokensAndSample (tokens, isPrefill) {
      expect(tokens.length).toBeGreaterThan(0)
      calls.push({ tokens: [...tokens], isPrefill })
      kv.push(...tokens)
      return nextAfter(kv)
    },
    async resetChat () {
      calls.push('reset')
      kv.length = 0
    }
  }
}

/** What an engine with real rewinds gives (wllama's semantics): the reference the adapter must match. */
class RewindingEngine {
  context: number[] = []
  evaluate (tokens: readonly number[]): number {
    this.context.push(...tokens)
    return this.context.length
  }

  generateGreedy (count: number): TokenWithProbability[] {
    const out: TokenWithProbability[] = []
    for (let index = 0; index < count; index++) {
      const next = nextAfter(this.context)
      out.push(next)
      this.context.push(next.token)
      if (next.token === END) break
    }
    return out
  }

  rewind (position: number): number {
    this.context.length = Math.max(0, Math.min(position, this.context.length))
    return this.context.length
  }
}

function engineOver (core: ForwardOnlyCore): ReprefillDraftEngine {
  return new ReprefillDraftEngine({ core, isEndOfGeneration: (token) => token === END })
}

test('the token stream equals a rewinding engine\'s over random evaluates, generations and rewinds', async () => {
  let seed = 12345
  const random = (below: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed % below
  }
  let reprefills = 0
  for (let round = 0; round < 20; round++) {
    const core = forwardOnlyCore()
    const engine = engineOver(core)
    const reference = new RewindingEngine()
    expect(await engine.evaluate([1, 2, 3])).toBe(reference.evaluate([1, 2, 3]))
    for (let step = 0; step < 60; step++) {
      const choice = random(3)
      if (choice === 0) {
        const tokens = Array.from({ length: 1 + random(3) }, () => random(VOCABULARY - 1))
        expect(await engine.evaluate(tokens)).toBe(reference.evaluate(tokens))
      } else if (choice === 1) {
        const count = 1 + random(4)
        expect(await engine.generateGreedy(count)).toEqual(reference.generateGreedy(count))
      } else {
        const position = 1 + random(reference.context.length)
        expect(await engine.rewind(position)).toBe(reference.rewind(position))
        // Like the drafter: at least one token goes in after a rewind.
        const tokens = [random(VOCABULARY - 1)]
        expect(await engine.evaluate(tokens)).toBe(reference.evaluate(tokens))
      }
      // Whatever the core holds is always a prefix of the context (the last draft may not be fed yet).
      expect(reference.context.slice(0, core.kv.length)).toEqual(core.kv)
    }
    reprefills += engine.stats.reprefills
  }
  expect(reprefills).toBeGreaterThan(20)
})

test('a rewind re-prefills once, with only the kept prefix and what follows it, on the next call', async () => {
  const core = forwardOnlyCore()
  const engine = engineOver(core)
  await engine.evaluate([1, 2, 3, 4])
  const drafts = await engine.generateGreedy(3)
  expect(drafts).toHaveLength(3)
  const held = core.calls.length
  await engine.rewind(5)
  // Rewinding alone runs nothing.
  expect(core.calls.length).toBe(held)
  await engine.evaluate([0])
  expect(core.calls.slice(held)).toEqual(['reset', { tokens: [1, 2, 3, 4, drafts[0]?.token, 0], isPrefill: true }])
  expect(engine.stats).toEqual({ forwards: 4, reprefills: 1, reprefilledTokens: 6 })
  // And drafting goes on from there without another reset.
  await engine.generateGreedy(2)
  expect(core.calls.filter((call) => call === 'reset')).toHaveLength(1)
})

test('rejecting only the last draft costs no re-prefill: drafts are fed lazily', async () => {
  const core = forwardOnlyCore()
  const engine = engineOver(core)
  await engine.evaluate([5, 4, 3])
  const [draft] = await engine.generateGreedy(1)
  expect(draft).toEqual(nextAfter([5, 4, 3]))
  // The verifier wrote another token there: the drafter rewinds to before the draft and feeds the correction.
  await engine.rewind(3)
  const correction = ((draft?.token ?? 0) + 1) % (VOCABULARY - 1)
  await engine.evaluate([correction])
  expect(core.calls).toEqual([{ tokens: [5, 4, 3], isPrefill: true }, { tokens: [correction], isPrefill: false }])
  expect(engine.stats.reprefills).toBe(0)
  expect(await engine.generateGreedy(1)).toEqual([nextAfter([5, 4, 3, correction])])
})

test('a rewind followed by the same tokens again reuses the cache', async () => {
  const core = forwardOnlyCore()
  const engine = engineOver(core)
  await engine.evaluate([1, 2, 3])
  await engine.generateGreedy(2)
  await engine.generateGreedy(1)
  const calls = core.calls.length
  const held = [...core.kv]
  await engine.rewind(held.length - 1)
  await engine.evaluate(held.slice(-1))
  expect(core.calls.length).toBe(calls)
  expect(engine.stats.reprefills).toBe(0)
})

test('generation stops after an end-of-generation token, which is returned', async () => {
  const core = forwardOnlyCore()
  const engine = engineOver(core)
  const reference = new RewindingEngine()
  // Search a prompt whose greedy continuation reaches END within a few tokens.
  let prompt: number[] = []
  for (let first = 0; first < 50 && prompt.length === 0; first++) {
    const probe = new RewindingEngine()
    probe.evaluate([first, 1])
    const out = probe.generateGreedy(8)
    if (out.length < 8) prompt = [first, 1]
  }
  expect(prompt).not.toEqual([])
  await engine.evaluate(prompt)
  reference.evaluate(prompt)
  const drafted = await engine.generateGreedy(8)
  expect(drafted).toEqual(reference.generateGreedy(8))
  expect(drafted.at(-1)?.token).toBe(END)
})

test('generating from an empty context fails by name; a failed forward forces a reset', async () => {
  const core = forwardOnlyCore()
  const engine = engineOver(core)
  await expect(engine.generateGreedy(1)).rejects.toMatchObject({ name: 'InferenceError' })
  await engine.evaluate([1, 2])
  const forward = core.forwardTokensAndSample
  core.forwardTokensAndSample = async () => { throw new Error('device lost') }
  await expect(engine.evaluate([3])).rejects.toThrow('device lost')
  core.forwardTokensAndSample = forward
  await engine.rewind(2)
  await engine.evaluate([4])
  expect(core.calls.at(-2)).toBe('reset')
  expect(core.calls.at(-1)).toEqual({ tokens: [1, 2, 4], isPrefill: true })
  expect(await engine.generateGreedy(1)).toEqual([nextAfter([1, 2, 4])])
})

test('an aborted signal stops before the core runs', async () => {
  const core = forwardOnlyCore()
  const engine = engineOver(core)
  await expect(engine.evaluate([1], { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' })
  expect(core.calls).toEqual([])
})

/**
 * The verifier's token loop with drafts, in this process on the demo target
 * (the story model), with draft sources that answer at once: perfect drafts (the tokens
 * the verifier itself wrote on a first run), wrong ones, half-right ones,
 * out-of-vocabulary ones. Whatever they propose, the answer is the same; with
 * good drafts it takes far fewer forward passes.
 */
import { expect, test } from '@playwright/test'
import { createLlamaVerifier } from '../../gpu-node/src/verifier/llama-verifier.ts'
import { ensureDemoPair } from '../support/models.ts'
import type { LlamaVerifier } from '../../gpu-node/src/verifier/llama-verifier.ts'
import type { CompletionRequest, DraftSource, Work } from '../../gpu-node/src/verifier/types.ts'

test.describe.configure({ mode: 'serial' })

let verifier: LlamaVerifier

test.beforeAll(async () => {
  const models = await ensureDemoPair()
  verifier = await createLlamaVerifier({
    modelPath: models.target,
    threads: 1,
    gpu: false,
    capacity: 4,
    queueSize: 8,
    perClientMaxConcurrent: 8,
    perClientMaxTokens: 4096,
    // What the pair declares (trained on 256-token windows).
    contextSize: 512
  })
})

test.afterAll(async () => {
  await verifier?.dispose()
})

function request (prompt: string, options: Partial<CompletionRequest> = {}): CompletionRequest {
  return { messages: [{ role: 'user', content: prompt }], maxTokens: 64, temperature: 0, topP: 1, stop: [], clientId: 'test', privacy: 'drafters-allowed', ...options }
}

/** A source that proposes `propose(position, max)` at once and records what the verifier verified. */
function source (propose: (verifiedSoFar: number, max: number) => number[]): DraftSource & { verified: number[], closedAs?: string } {
  const verified: number[] = []
  const drafts: DraftSource & { verified: number[], closedAs?: string } = {
    verified,
    take: (max) => propose(verified.length, max),
    settle: (step) => { verified.push(...step.tokens) },
    close: (reason) => { drafts.closedAs ??= reason }
  }
  return drafts
}

async function answer (input: CompletionRequest, drafts?: DraftSource): Promise<{ text: string, work: Work }> {
  let text = ''
  for await (const event of verifier.complete(input, drafts === undefined ? {} : { drafts: () => drafts })) {
    if (event.type === 'delta') text += event.text
    if (event.type === 'done') return { text, work: event.work }
  }
  throw new Error('no done event')
}

const PROMPTS = ['Tell me about the sea.', 'List three colours, then stop.', 'a', 'Why is the sky blue? Answer in detail.']

for (const prompt of PROMPTS) {
  test(`"${prompt}": perfect drafts cut passes ~8x; wrong, half-right and invalid drafts change nothing`, async () => {
    const recorder = source(() => [])
    const alone = await answer(request(prompt), recorder)
    // The first pass reads the prompt and writes the first token; the recorder proposed nothing.
    expect(alone.work.passes).toBe(recorder.verified.length)
    const tokens = recorder.verified
    expect(tokens.length).toBeGreaterThan(1)

    const perfect = await answer(request(prompt), source((at, max) => tokens.slice(at, at + Math.min(max, 8))))
    expect(perfect.text).toBe(alone.text)
    expect(perfect.work.acceptedTokens).toBe(perfect.work.draftedTokens)
    expect(perfect.work.passes).toBeLessThanOrEqual(Math.ceil(tokens.length / 9) + 1)

    const wrong = await answer(request(prompt), source((at, max) => tokens.slice(at, at + Math.min(max, 4)).map((token) => (token + 1) % 200)))
    expect(wrong.text).toBe(alone.text)
    expect(wrong.work.passes).toBe(alone.work.passes)

    const halfRight = await answer(request(prompt), source((at, max) => [...tokens.slice(at, at + 2), 3, 4].slice(0, max)))
    expect(halfRight.text).toBe(alone.text)
    expect(halfRight.work.passes).toBeLessThan(alone.work.passes)

    const invalid = source(() => [1_000_000])
    expect((await answer(request(prompt), invalid)).text).toBe(alone.text)
    expect(invalid.closedAs).toBe('misbehaved')
  })
}

/**
 * At temperature > 0 the rule is exact (gpu-node/src/verifier/sampling.test.ts
 * checks the distribution), and a position's draw depends only on the seed and
 * the position. A pass over several tokens computes probabilities that differ
 * from one-token passes in the last digits, so now and then a draw lands on the
 * other side of a boundary and the answer continues differently (equally
 * likely); most seeded answers are the same.
 */
test('temperature > 0: with perfect drafts seeded answers are (nearly always) the same, in fewer passes', async () => {
  const seeds = Array.from({ length: 30 }, (_, index) => index + 1)
  let same = 0
  const texts = new Set<string>()
  for (const seed of seeds) {
    const input = request(PROMPTS[0] ?? '', { temperature: 0.9, seed })
    const recorder = source(() => [])
    const alone = await answer(input, recorder)
    const tokens = recorder.verified
    const drafted = await answer(input, source((at, max) => tokens.slice(at, at + Math.min(max, 8))))
    texts.add(alone.text)
    if (drafted.text === alone.text) {
      same++
      // Where the answer did not turn, every draft was the verifier's own token.
      expect(drafted.work.passes).toBeLessThan(alone.work.passes / 3)
    }
  }
  // Different seeds sample different answers (the story model is confident, so some coincide).
  expect(texts.size).toBeGreaterThan(seeds.length / 2)
  expect(same).toBeGreaterThanOrEqual(seeds.length / 2)
})

test('a verifier-only chat never opens a draft source', async () => {
  let opened = 0
  for await (const event of verifier.complete(request('private', { privacy: 'verifier-only' }), { drafts: () => { opened++; return undefined } })) {
    if (event.type === 'done') break
  }
  expect(opened).toBe(0)
})

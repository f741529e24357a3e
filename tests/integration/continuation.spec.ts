/**
 * Continuing an answer another verifier began, on real models with real
 * llama.cpp: cut a greedy answer at any delta, hand its text and tokens to
 * the verifier as a continuation, and the text so far plus the continuation
 * is the whole answer, byte for byte (and so is a seeded sample). Cut where
 * the text re-tokenises differently from how it was generated, the tokens
 * still continue it exactly, where the re-tokenised text would not. A
 * continuation whose tokens do not spell its text, or belong to another
 * tokenizer, is refused.
 */
import { expect, test } from '@playwright/test'
import { getLlama, LlamaLogLevel } from 'node-llama-cpp'
import { createLlamaVerifier } from '../../gpu-node/src/verifier/llama-verifier.ts'
import { ensureDemoModels, ensureDemoPair } from '../support/models.ts'
import type { LlamaVerifier } from '../../gpu-node/src/verifier/llama-verifier.ts'
import type { ChatMessage, CompletionEvent, CompletionRequest, PromptCompletionRequest } from '../../gpu-node/src/verifier/types.ts'
import type { LlamaModel } from 'node-llama-cpp'

const THREADS = 1

async function verifierOn (modelPath: string): Promise<LlamaVerifier> {
  return createLlamaVerifier({ modelPath, threads: THREADS, gpu: false, capacity: 2, queueSize: 8, perClientMaxConcurrent: 8, perClientMaxTokens: 4096, contextSize: 1024 })
}

function request (messages: ChatMessage[], options: Partial<CompletionRequest> = {}): CompletionRequest {
  return { messages, maxTokens: 96, temperature: 0, topP: 1, stop: [], clientId: 'continuation-test', ...options }
}

/** One answer as a client sees it: its deltas (text and tokens) and its `done`. */
interface Answer {
  deltas: Array<{ text: string, tokens: number[] }>
  text: string
  tokens: number[]
  done: Extract<CompletionEvent, { type: 'done' }>
}

async function answer (verifier: LlamaVerifier, completion: CompletionRequest | PromptCompletionRequest): Promise<Answer> {
  const deltas: Answer['deltas'] = []
  let done: Answer['done'] | undefined
  for await (const event of verifier.complete(completion, {})) {
    if (event.type === 'delta') deltas.push({ text: event.text, tokens: event.tokens ?? [] })
    if (event.type === 'done') done = event
  }
  if (done === undefined) throw new Error('the answer ended without done')
  return { deltas, text: deltas.map((delta) => delta.text).join(''), tokens: deltas.flatMap((delta) => delta.tokens), done }
}

/** What the client holds after `count` deltas: the continuation to send. */
function cutAfter (whole: Answer, count: number, tokenizerFingerprint: string): { text: string, tokens: number[], tokenizerFingerprint: string } {
  const seen = whole.deltas.slice(0, count)
  return { text: seen.map((delta) => delta.text).join(''), tokens: seen.flatMap((delta) => delta.tokens), tokenizerFingerprint }
}

const STORY: ChatMessage[] = [{ role: 'user', content: 'Tell me a story about a fox and a river.' }]

test.describe('on the demo model', () => {
  let verifier: LlamaVerifier

  test.beforeAll(async () => {
    verifier = await verifierOn((await ensureDemoPair()).target)
  })

  test.afterAll(async () => {
    await verifier.dispose()
  })

  test('every delta carries its tokens, and continuing from any delta gives the whole answer', async () => {
    const whole = await answer(verifier, request(STORY))
    expect(whole.tokens).toHaveLength(whole.done.usage.completionTokens)
    expect(whole.deltas.length).toBeGreaterThan(10)
    const fingerprint = verifier.model.tokenizerFingerprint
    for (const count of [1, 2, Math.floor(whole.deltas.length / 3), Math.floor(whole.deltas.length / 2), whole.deltas.length - 1]) {
      const continuation = cutAfter(whole, count, fingerprint)
      const rest = await answer(verifier, request(STORY, { continuation, maxTokens: 96 - continuation.tokens.length }))
      expect(continuation.text + rest.text, `cut after ${count} deltas`).toBe(whole.text)
      expect(rest.tokens).toEqual(whole.tokens.slice(continuation.tokens.length))
      expect(rest.done.finishReason).toBe(whole.done.finishReason)
      // The continuation's prompt holds the answer so far; between them they count the whole answer.
      expect(rest.done.usage.promptTokens).toBe(whole.done.usage.promptTokens + continuation.tokens.length)
      expect(rest.done.usage.completionTokens + continuation.tokens.length).toBe(whole.done.usage.completionTokens)
    }
  })

  test('a raw prompt continues from any delta too: the answer\'s tokens go after the prompt\'s', async () => {
    const prompt = { prompt: 'Once upon a time, by the sea,', maxTokens: 96, temperature: 0, topP: 1, stop: [], clientId: 'continuation-test' }
    const whole = await answer(verifier, prompt)
    expect(whole.deltas.length).toBeGreaterThan(10)
    for (const count of [1, Math.floor(whole.deltas.length / 3), Math.floor(whole.deltas.length / 2), whole.deltas.length - 1]) {
      const continuation = cutAfter(whole, count, verifier.model.tokenizerFingerprint)
      const rest = await answer(verifier, { ...prompt, continuation, maxTokens: 96 - continuation.tokens.length })
      expect(continuation.text + rest.text, `cut after ${count} deltas`).toBe(whole.text)
      expect(rest.done.usage.completionTokens + continuation.tokens.length).toBe(whole.done.usage.completionTokens)
    }
  })

  test('a seeded sample continues as the same sample', async () => {
    const sampled = { temperature: 0.9, topP: 0.95, seed: 11 }
    const whole = await answer(verifier, request(STORY, sampled))
    const greedy = await answer(verifier, request(STORY))
    expect(whole.text).not.toBe(greedy.text)
    const continuation = cutAfter(whole, Math.floor(whole.deltas.length / 2), verifier.model.tokenizerFingerprint)
    const rest = await answer(verifier, request(STORY, { ...sampled, continuation, maxTokens: 96 - continuation.tokens.length }))
    expect(continuation.text + rest.text).toBe(whole.text)
  })

  test('a continuation that is not this answer, or not this tokenizer\'s, is refused at once', async () => {
    const whole = await answer(verifier, request(STORY, { maxTokens: 24 }))
    const continuation = cutAfter(whole, 4, verifier.model.tokenizerFingerprint)
    const refusal = (change: Partial<typeof continuation>): Error => {
      try {
        verifier.complete(request(STORY, { continuation: { ...continuation, ...change } }), {})
      } catch (err) {
        if (err instanceof Error) return err
      }
      throw new Error('expected complete() to refuse the continuation')
    }
    expect(refusal({ text: `${continuation.text}x` })).toMatchObject({ name: 'InvalidRequestError', message: expect.stringContaining('does not match its tokens') })
    expect(refusal({ tokenizerFingerprint: 'another' })).toMatchObject({ name: 'InvalidRequestError', message: expect.stringContaining('another tokenizer') })
    expect(refusal({ tokens: [...continuation.tokens, 10_000_000] })).toMatchObject({ name: 'InvalidRequestError', message: expect.stringContaining('vocabulary') })
  })
})

test.describe('where text re-tokenises differently', () => {
  let verifier: LlamaVerifier
  let model: LlamaModel

  test.beforeAll(async () => {
    // A random model writes arbitrary token sequences, many of which its tokenizer would spell otherwise.
    const path = (await ensureDemoModels()).target
    verifier = await verifierOn(path)
    const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1, logLevel: LlamaLogLevel.error })
    model = await llama.loadModel({ modelPath: path, gpuLayers: 0 })
  })

  test.afterAll(async () => {
    await verifier.dispose()
    await model.dispose()
  })

  test('the tokens continue the answer exactly; the re-tokenised text would not', async () => {
    const messages: ChatMessage[] = [{ role: 'user', content: 'Hello there, how are you?' }]
    const whole = await answer(verifier, request(messages, { maxTokens: 120 }))
    const fingerprint = verifier.model.tokenizerFingerprint
    const cuts = whole.deltas.map((_, index) => cutAfter(whole, index + 1, fingerprint)).slice(0, -1)
    const ambiguous = cuts.filter((cut) => JSON.stringify(model.tokenize(cut.text, false)) !== JSON.stringify(cut.tokens))
    // Without such cuts this test would prove nothing.
    expect(ambiguous.length).toBeGreaterThan(0)
    let retokenisedDiffered = false
    for (const cut of ambiguous.slice(0, 6)) {
      const rest = await answer(verifier, request(messages, { continuation: cut, maxTokens: 120 - cut.tokens.length }))
      expect(cut.text + rest.text).toBe(whole.text)
      const retokenised = model.tokenize(cut.text, false).map(Number)
      const otherRest = await answer(verifier, request(messages, { continuation: { ...cut, tokens: retokenised }, maxTokens: 120 - cut.tokens.length }))
      retokenisedDiffered ||= cut.text + otherRest.text !== whole.text
    }
    expect(retokenisedDiffered).toBe(true)
  })
})

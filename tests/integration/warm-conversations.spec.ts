/**
 * Warm conversations on a real model: after an answer the verifier keeps
 * the conversation's KV cache and announces its hash under the asker's warm
 * key; the next turn with that key evaluates only the new part, and answers
 * byte for byte what a cold verifier answers. Another key reuses nothing.
 */
import { expect, test } from '@playwright/test'
import { warmPrefixHash } from '#protocol'
import { createLlamaVerifier } from '../../gpu-node/src/verifier/llama-verifier.ts'
import { ensureDemoPair } from '../support/models.ts'
import type { LlamaVerifier } from '../../gpu-node/src/verifier/llama-verifier.ts'
import type { ChatMessage, CompletionRequest } from '../../gpu-node/src/verifier/types.ts'

let verifier: LlamaVerifier

test.beforeAll(async () => {
  verifier = await createLlamaVerifier({ modelPath: (await ensureDemoPair()).target, threads: 1, gpu: false, capacity: 2, queueSize: 8, perClientMaxConcurrent: 8, perClientMaxTokens: 4096, contextSize: 512 })
})

test.afterAll(async () => {
  await verifier.dispose()
})

function request (messages: ChatMessage[], warmKey?: string): CompletionRequest {
  return { messages, maxTokens: 48, temperature: 0, topP: 1, stop: [], clientId: 'warm-test', ...(warmKey === undefined ? {} : { warmKey }) }
}

async function answer (completion: CompletionRequest): Promise<string> {
  let text = ''
  for await (const event of verifier.complete(completion, {})) {
    if (event.type === 'delta') text += event.text
  }
  return text
}

test('a conversation\'s next turn reuses its warm cache under its key, and answers what a cold verifier does', async () => {
  const first: ChatMessage[] = [{ role: 'user', content: 'Tell me a story about a cat.' }]
  let changes = 0
  verifier.warm.addEventListener('change', () => { changes++ })
  const firstAnswer = await answer(request(first, 'conversation-1'))
  const conversation: ChatMessage[] = [...first, { role: 'assistant', content: firstAnswer }]
  expect(verifier.warm.hashes).toEqual([await warmPrefixHash('conversation-1', conversation)])
  expect(changes).toBeGreaterThan(0)

  const second: ChatMessage[] = [...conversation, { role: 'user', content: 'And then what happened?' }]
  const before = verifier.warm.reusedTokens
  const warmAnswer = await answer(request(second, 'conversation-1'))
  const reused = verifier.warm.reusedTokens - before
  // Most of the earlier turn was not evaluated again: its prompt, and the answer's tokens as generated.
  expect(reused).toBeGreaterThan(verifier.tokenizeChat(first).length)
  expect(reused).toBeLessThan(verifier.tokenizeChat(second).length)
  // No key, no reuse: the same turn cold.
  const reusedBeforeCold = verifier.warm.reusedTokens
  const coldAnswer = await answer(request(second))
  expect(verifier.warm.reusedTokens).toBe(reusedBeforeCold)
  expect(warmAnswer).toBe(coldAnswer)
  expect(verifier.warm.hashes).toContain(await warmPrefixHash('conversation-1', [...second, { role: 'assistant', content: warmAnswer }]))

  // Another asker's key never reuses this conversation's cache, even for the very same messages.
  const reusedBeforeOther = verifier.warm.reusedTokens
  const third: ChatMessage[] = [...second, { role: 'assistant', content: warmAnswer }, { role: 'user', content: 'The end?' }]
  const otherAnswer = await answer(request(third, 'someone-else'))
  expect(verifier.warm.reusedTokens).toBe(reusedBeforeOther)
  expect(await answer(request(third, 'conversation-1'))).toBe(otherAnswer)
  expect(verifier.warm.reusedTokens).toBeGreaterThan(reusedBeforeOther)
})

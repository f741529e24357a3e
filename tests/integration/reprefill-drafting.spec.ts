/**
 * The WebLLM drafter's logic over a real model, in Node: Shoal's Drafter
 * drafts through the ReprefillDraftEngine (the adapter the page's WebLLM
 * drafter uses) around node-llama-cpp driven as a forward-only core, never
 * truncating its KV cache, for a real relay and gpu-node over direct
 * WebRTC. Every answer must be the verifier's own, drafts must be accepted,
 * and rejected drafts must have gone through the re-prefill path.
 */
import { expect, test } from '@playwright/test'
import { createReprefillLlamaDraftEngine, startNodeDrafter } from '../support/drafters.ts'
import { ensureDemoPair, referenceGreedyCompletion } from '../support/models.ts'
import { readMetrics } from '../support/metrics.ts'
import { startGpuNode, startRelay, waitFor } from '../support/processes.ts'
import type { NodeDrafter } from '../support/drafters.ts'
import type { ShoalProcess } from '../support/processes.ts'

const MAX_TOKENS = 64
const PROMPTS = [
  'Tell me a story about a brave little dog.',
  'Tell me a bedtime story.',
  'Write a short story about a dragon named Rocky.',
  'Tell me a story about sharing.',
  'Once upon a time there was a cat.',
  'Tell me about the sea.'
]

let relay: ShoalProcess | undefined
let verifier: ShoalProcess | undefined
let drafter: NodeDrafter | undefined

test.afterAll(async () => {
  await drafter?.stop()
  await verifier?.stop()
  await relay?.stop()
})

test('a forward-only drafter that re-prefills on rewind: answers are the verifier\'s own, drafts are accepted, re-prefills happen', async () => {
  test.setTimeout(300_000)
  const pair = await ensureDemoPair()
  relay = await startRelay()
  // A GPU's pass cost (emulated, labelled: answers are unchanged, passes only last longer), so drafts of a
  // drafter that re-prefills after rejections still arrive in time to be verified on this shared CPU.
  verifier = await startGpuNode({ relayUrl: relay.url, extraArgs: ['--model', pair.target, '--model-name', 'shoal-demo', '--threads', '1', '--capacity', '2', '--emulate-pass-cost', 'h100-70b'] })
  const verifierUrl = verifier.url
  await waitFor('the verifier\'s WebRTC address', async () => {
    const health = await (await fetch(`${verifierUrl}/health`)).json() as { addresses: string[] }
    return health.addresses.some((address) => address.includes('/p2p-circuit/webrtc/')) ? true : undefined
  }, 30_000)
  const reference = new Map<string, string>()
  for (const prompt of PROMPTS) {
    reference.set(prompt, (await referenceGreedyCompletion(pair.target, [{ role: 'user', content: prompt }], MAX_TOKENS)).text)
  }

  // The distilled draft agrees with the target most of the time, not always: rejections make it rewind.
  const engine = await createReprefillLlamaDraftEngine(pair.draft)
  drafter = await startNodeDrafter(verifierUrl, engine)
  await waitFor('the verifier to take the drafter', async () => (await readMetrics(verifierUrl)).get('shoal_gpu_node_drafters') === 1 ? true : undefined)
  const before = await readMetrics(verifierUrl)
  for (const prompt of PROMPTS) {
    const response = await fetch(`${verifierUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'shoal-demo', messages: [{ role: 'user', content: prompt }], max_tokens: MAX_TOKENS, temperature: 0, privacy: 'drafters-allowed' })
    })
    expect(response.status).toBe(200)
    const body = await response.json() as { choices: Array<{ message: { content: string } }> }
    expect(body.choices[0]?.message.content, prompt).toBe(reference.get(prompt))
  }
  const after = await readMetrics(verifierUrl)
  const delta = (name: string): number => (after.get(name) ?? 0) - (before.get(name) ?? 0)
  const accepted = delta('shoal_gpu_node_draft_tokens_accepted_total')
  const verified = delta('shoal_gpu_node_draft_tokens_verified_total')
  const stats = engine.stats
  console.log(`reprefill drafter: ${drafter.drafter.stats.draftedTokens} drafted, ${verified} verified, ${accepted} accepted; ${stats.forwards} forwards, ${stats.reprefills} re-prefills of ${stats.reprefilledTokens} tokens`)
  expect(accepted).toBeGreaterThan(10)
  expect(accepted).toBeLessThanOrEqual(verified)
  // Rewinds past what the core held went through reset + prefill, and drafting went on after them.
  expect(stats.reprefills).toBeGreaterThan(0)
  expect(stats.reprefilledTokens).toBeGreaterThan(stats.reprefills)
})

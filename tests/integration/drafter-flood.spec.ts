/**
 * A drafter flooding garbage under a fresh peer id each time, against a real
 * relay and verifier: Shoal's own Drafter over direct WebRTC with an engine
 * that drafts random tokens, one new identity after another, while chats
 * run. Reputation kept per peer id cannot stop it; the probation lane does.
 */
import { expect, test } from '@playwright/test'
import { PROBATION_FAILURES_TO_CLOSE } from '../../gpu-node/src/drafting/drafter-pool.ts'
import { garbageDraftEngine, startNodeDrafter } from '../support/drafters.ts'
import { readMetrics } from '../support/metrics.ts'
import { startGpuNode, startRelay, waitFor } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'

const running: ShoalProcess[] = []

test.afterEach(async () => {
  await Promise.all(running.splice(0).map(async (process) => { await process.stop() }))
})

test('a garbage drafter rotating through fresh identities holds fewer than 10 jobs in all, then no newcomer gets one, and answers stay the verifier\'s own', async () => {
  test.setTimeout(240_000)
  const relay = await startRelay()
  running.push(relay)
  const verifier = await startGpuNode({ relayUrl: relay.url, extraArgs: ['--threads', '1', '--capacity', '2'] })
  running.push(verifier)
  await waitFor('the verifier\'s WebRTC address', async () => {
    const health = await (await fetch(`${verifier.url}/health`)).json() as { addresses: string[] }
    return health.addresses.some((address) => address.includes('/p2p-circuit/webrtc/')) ? true : undefined
  }, 30_000)
  const ask = async (prompt: string): Promise<string> => {
    const response = await fetch(`${verifier.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'shoal-demo', messages: [{ role: 'user', content: prompt }], max_tokens: 48, temperature: 0, privacy: 'drafters-allowed' })
    })
    expect(response.status).toBe(200)
    return ((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content ?? ''
  }
  const prompts = ['Tell me a story about a cat.', 'Tell me a story about a dog.']
  const reference = await Promise.all(prompts.map(ask))

  let identities = 0
  while (identities < 3 * PROBATION_FAILURES_TO_CLOSE && (await readMetrics(verifier.url)).get('shoal_gpu_node_draft_probation_open') === 1) {
    const drafter = await startNodeDrafter(verifier.url, garbageDraftEngine(256, identities + 1))
    identities++
    try {
      await waitFor('the verifier to take the drafter', async () => (await readMetrics(verifier.url)).get('shoal_gpu_node_drafters') === 1 ? true : undefined)
      expect(await Promise.all(prompts.map(ask))).toEqual(reference)
    } finally {
      await drafter.stop()
      await waitFor('the verifier to see the drafter go', async () => (await readMetrics(verifier.url)).get('shoal_gpu_node_drafters') === 0 ? true : undefined)
    }
  }
  const metrics = await readMetrics(verifier.url)
  expect(metrics.get('shoal_gpu_node_draft_probation_open')).toBe(0)
  expect(metrics.get('shoal_gpu_node_draft_probation_closures_total')).toBe(1)
  expect(metrics.get('shoal_gpu_node_draft_jobs_opened_total')).toBeLessThan(10)
  expect(identities).toBeGreaterThanOrEqual(PROBATION_FAILURES_TO_CLOSE)

  // One more newcomer gets no job; answers are the verifier's own.
  const late = await startNodeDrafter(verifier.url, garbageDraftEngine(256, 99))
  try {
    await waitFor('the verifier to take the drafter', async () => (await readMetrics(verifier.url)).get('shoal_gpu_node_drafters') === 1 ? true : undefined)
    const before = (await readMetrics(verifier.url)).get('shoal_gpu_node_draft_jobs_opened_total')
    expect(await Promise.all(prompts.map(ask))).toEqual(reference)
    expect((await readMetrics(verifier.url)).get('shoal_gpu_node_draft_jobs_opened_total')).toBe(before)
  } finally {
    await late.stop()
  }
})

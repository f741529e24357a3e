/**
 * gpu-node's emulated GPU (`--emulate-pass-cost`), as a benchmark uses it:
 * a real gpu-node process pads each forward pass to the profile's cost, its
 * answers are the same text as without the emulation, and every output that
 * used it says so (start line, /health, /metrics, the signed receipt). No
 * relay: the HTTP API works without the mesh.
 */
import { expect, test } from '@playwright/test'
import { GpuNodeHealth } from '../../gpu-node/src/api-server.ts'
import { receiptFromJson } from '#protocol'
import { freePort, startGpuNode, waitFor } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'

const PROFILE = '30,0.25'
const LABEL = 'pass-cost custom 30,0.25: 30 ms + 0.25 ms/token'
const MAX_TOKENS = 12

const running: ShoalProcess[] = []
test.afterEach(async () => {
  await Promise.all(running.splice(0).map(async (process) => { await process.stop() }))
})

async function verifierNode (extraArgs: string[]): Promise<ShoalProcess> {
  const node = await startGpuNode({ relayUrl: `http://127.0.0.1:${await freePort()}`, extraArgs: ['--threads', '1', '--gpu', 'off', ...extraArgs] })
  running.push(node)
  await waitFor('the model to load', async () => (await fetch(`${node.url}/v1/models`)).ok ? true : undefined, 30_000)
  return node
}

/** A greedy answer, its signed receipt and how long the request took. */
async function greedyAnswer (node: ShoalProcess): Promise<{ text: string, receipt: Awaited<ReturnType<typeof receiptFromJson>>, ms: number }> {
  const models = await (await fetch(`${node.url}/v1/models`)).json() as { data: Array<{ id: string }> }
  const started = performance.now()
  const response = await fetch(`${node.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: models.data[0]?.id, messages: [{ role: 'user', content: 'Tell me a story.' }], max_tokens: MAX_TOKENS, temperature: 0 })
  })
  expect(response.status).toBe(200)
  const body = await response.json() as { choices: Array<{ message: { content: string } }>, receipt: unknown }
  return { text: body.choices[0]?.message.content ?? '', receipt: await receiptFromJson(body.receipt), ms: performance.now() - started }
}

test('an emulated GPU pads every pass to its cost, changes no answer, and says so in health, metrics, receipts and its start line', async () => {
  test.setTimeout(120_000)
  const plain = await verifierNode([])
  const plainAnswer = await greedyAnswer(plain)
  const plainHealth = GpuNodeHealth.parse(await (await fetch(`${plain.url}/health`)).json())
  expect(plainHealth.emulatedPassCost).toBeUndefined()
  expect(await (await fetch(`${plain.url}/metrics`)).text()).not.toContain('emulated')
  expect(plainAnswer.receipt.emulation).toBeUndefined()
  expect(plain.output()).not.toContain('EMULATED')
  await plain.stop()

  const emulated = await verifierNode(['--emulate-pass-cost', PROFILE])
  expect(emulated.output()).toContain(`EMULATED GPU (${LABEL})`)
  const answer = await greedyAnswer(emulated)
  expect(answer.text).toBe(plainAnswer.text)
  expect(answer.receipt.emulation).toBe(LABEL)
  // Each of the answer's passes (prompt, then one per token) lasted at least the 30 ms base.
  expect(answer.receipt.passes).toBeGreaterThan(1)
  expect(answer.receipt.totalMs).toBeGreaterThanOrEqual(answer.receipt.passes * 30)
  expect(answer.ms).toBeGreaterThanOrEqual(answer.receipt.passes * 30)

  const health = GpuNodeHealth.parse(await (await fetch(`${emulated.url}/health`)).json())
  expect(health.emulatedPassCost).toMatchObject({ label: LABEL, source: 'given on the command line' })
  expect(health.emulatedPassCost?.passes).toBeGreaterThanOrEqual(answer.receipt.passes)
  expect(health.emulatedPassCost?.paddedMs).toBeGreaterThan(0)
  // One chat at a time: every padded pass carried its one sequence.
  expect(health.emulatedPassCost?.sequences).toBe(health.emulatedPassCost?.passes)
  const metrics = await (await fetch(`${emulated.url}/metrics`)).text()
  expect(metrics).toMatch(/^shoal_gpu_node_emulated_pass_cost_base_seconds\{profile="custom 30,0.25"\} 0\.03$/m)
  expect(metrics).toMatch(/^shoal_gpu_node_emulated_passes_total\{profile="custom 30,0.25"\} [1-9]\d*$/m)
  expect(metrics).toMatch(/^shoal_gpu_node_emulated_pass_sequences_total\{profile="custom 30,0.25"\} [1-9]\d*$/m)
  // An answer running alone goes through the decode barrier at once, one round per step.
  expect(metrics).toMatch(/^shoal_gpu_node_decode_rounds_total [1-9]\d*$/m)
  expect(metrics).toMatch(/^shoal_gpu_node_decode_deadline_rounds_total 0$/m)
})

test('a bad emulation profile stops gpu-node at start with one line naming the choices', async () => {
  const node = startGpuNode({ relayUrl: `http://127.0.0.1:${await freePort()}`, extraArgs: ['--emulate-pass-cost', 'fast'] })
  await expect(node).rejects.toThrow(/--emulate-pass-cost.*h100-8b, h100-70b/)
})

/**
 * The relay as the mesh's API: OpenAI and Ollama clients given only the
 * relay's URL, answered by real verifiers (gpu-node processes on the random
 * demo model) that the relay reaches over the mesh, through the connection
 * each keeps for its reservation. The verifiers' own API ports are used only
 * to compare answers and read their metrics.
 */
import { expect, test } from '@playwright/test'
import OpenAI, { APIError } from 'openai'
import { Ollama } from 'ollama'
import { ensureDemoModels } from '../support/models.ts'
import { startGpuNode, startRelay, waitFor } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'

const MODEL = 'shoal-demo'
const MESSAGES = [
  { role: 'system' as const, content: 'You are a helpful assistant.' },
  { role: 'user' as const, content: 'Tell me about the sea.' }
]
const MAX_TOKENS = 32
/** More than the demo model's context holds: generation runs for seconds unless cancelled. */
const LONG_MAX_TOKENS = 4000

const running: ShoalProcess[] = []

test.afterEach(async () => {
  await Promise.all(running.splice(0).map(async (process) => { await process.stop() }))
})

async function relay (extraArgs: string[] = []): Promise<ShoalProcess> {
  const started = await startRelay({ extraArgs })
  running.push(started)
  return started
}

/** A verifier on the random demo target (CPU, one thread), joined to `relayUrl`, once its model is loaded. */
async function verifier (relayUrl: string, extraArgs: string[] = [], modelName = MODEL): Promise<{ process: ShoalProcess, peerId: string }> {
  const { target } = await ensureDemoModels()
  const process = await startGpuNode({ relayUrl, extraArgs: ['--model', target, '--model-name', modelName, '--threads', '1', '--gpu', 'off', ...extraArgs] })
  running.push(process)
  await waitFor('the model to load', async () => (await fetch(`${process.url}/v1/models`)).ok ? true : undefined, 30_000)
  const health = await (await fetch(`${process.url}/health`)).json() as { peerId: string }
  return { process, peerId: health.peerId }
}

/** Waits until the relay's gateway lists every one of `models` (it heard their verifiers announce). */
async function gatewayLists (relayUrl: string, models: string[]): Promise<void> {
  await waitFor(`the gateway to list ${models.join(', ')}`, async () => {
    const response = await fetch(`${relayUrl}/v1/models`)
    if (!response.ok) {
      return undefined
    }
    const ids = ((await response.json()) as { data: Array<{ id: string }> }).data.map((model) => model.id)
    return models.every((model) => ids.includes(model)) ? true : undefined
  }, 30_000)
}

function openAi (baseUrl: string): OpenAI {
  return new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 })
}

async function metricsText (process: ShoalProcess): Promise<string> {
  return (await fetch(`${process.url}/metrics`)).text()
}

function metricValue (text: string, sample: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${sample} `))
  return line === undefined ? undefined : Number(line.slice(sample.length + 1))
}

/** Runs `read`, which the openai client ends quietly or with its abort error once the request's signal aborts. */
async function untilAborted (read: () => Promise<void>): Promise<void> {
  await read().catch((err: unknown) => {
    if (!(err instanceof Error) || !/abort/i.test(err.name)) {
      throw err
    }
  })
}

test('the openai client given the relay\'s URL chats, streams, completes and embeds, as the verifier itself answers', async () => {
  const mesh = await relay()
  const { process: direct, peerId } = await verifier(mesh.url)
  await gatewayLists(mesh.url, [MODEL])
  const viaRelay = openAi(mesh.url)
  const itself = openAi(direct.url)
  const request = { model: MODEL, messages: MESSAGES, max_tokens: MAX_TOKENS, temperature: 0 }

  const { data: answer, response } = await viaRelay.chat.completions.create(request).withResponse()
  expect(response.headers.get('x-shoal-verifier')).toBe(peerId)
  const reference = await itself.chat.completions.create(request)
  expect(answer.choices[0]?.message.content).toBeTruthy()
  expect(answer.choices[0]?.message.content).toBe(reference.choices[0]?.message.content)
  expect(answer.usage).toEqual(reference.usage)

  // Streamed: SSE chunks arrive one by one and add up to the same text.
  const stream = await viaRelay.chat.completions.create({ ...request, stream: true })
  let streamed = ''
  let chunks = 0
  for await (const chunk of stream) {
    streamed += chunk.choices[0]?.delta.content ?? ''
    chunks++
  }
  expect(chunks).toBeGreaterThan(2)
  expect(streamed).toBe(reference.choices[0]?.message.content)

  const completion = await viaRelay.completions.create({ model: MODEL, prompt: 'Once upon a time', max_tokens: 12, temperature: 0 })
  const completionReference = await itself.completions.create({ model: MODEL, prompt: 'Once upon a time', max_tokens: 12, temperature: 0 })
  expect(completion.choices[0]?.text).toBe(completionReference.choices[0]?.text)

  const embedded = await viaRelay.embeddings.create({ model: MODEL, input: ['the sea', 'a ship'] })
  const embeddedReference = await itself.embeddings.create({ model: MODEL, input: ['the sea', 'a ship'] })
  expect(embedded.data).toHaveLength(2)
  expect(embedded.data.map((item) => item.embedding)).toEqual(embeddedReference.data.map((item) => item.embedding))

  // A verifier's own errors come through as it wrote them.
  const wrongModel = await viaRelay.chat.completions.create({ ...request, model: 'no-such-model' }).catch((err: unknown) => err)
  expect(wrongModel).toBeInstanceOf(APIError)
  expect((wrongModel as APIError).status).toBe(404)
  expect((wrongModel as APIError).code).toBe('model_not_found')

  const relayMetrics = await (await fetch(`${mesh.url}/metrics`)).text()
  // Chat, streamed chat, completion, embeddings and the 404 (model lists are every verifier's, merged, not counted).
  expect(metricValue(relayMetrics, 'shoal_relay_gateway_forwarded_total')).toBe(5)
  expect(metricValue(relayMetrics, 'shoal_relay_gateway_verifiers')).toBe(1)
  expect(metricValue(await metricsText(direct), 'shoal_gpu_node_http_tunnel_served_total')).toBeGreaterThanOrEqual(6)
})

test('the Ollama client given the relay\'s URL chats (whole and streamed) and lists the model', async () => {
  const mesh = await relay()
  const { process: direct } = await verifier(mesh.url)
  await gatewayLists(mesh.url, [MODEL])
  const viaRelay = new Ollama({ host: mesh.url })
  const itself = new Ollama({ host: direct.url })
  const request = { model: MODEL, messages: MESSAGES, options: { temperature: 0, num_predict: MAX_TOKENS } }

  const answer = await viaRelay.chat(request)
  const reference = await itself.chat(request)
  expect(answer.message.content).toBeTruthy()
  expect(answer.message.content).toBe(reference.message.content)

  let streamed = ''
  for await (const part of await viaRelay.chat({ ...request, stream: true })) {
    streamed += part.message.content
  }
  expect(streamed).toBe(reference.message.content)

  const tags = await viaRelay.list()
  expect(tags.models.map((model) => model.name)).toEqual([MODEL])
  expect(tags.models).toEqual((await itself.list()).models)
})

test('two verifiers: each model goes to the verifier running it, both are listed, and one killed before a request leaves the other to answer', async () => {
  const mesh = await relay()
  const first = await verifier(mesh.url, [], 'demo-a')
  const second = await verifier(mesh.url, [], 'demo-b')
  await gatewayLists(mesh.url, ['demo-a', 'demo-b'])
  const tags = await new Ollama({ host: mesh.url }).list()
  expect(tags.models.map((model) => model.name).sort()).toEqual(['demo-a', 'demo-b'])

  const client = openAi(mesh.url)
  for (const [model, peerId] of [['demo-a', first.peerId], ['demo-b', second.peerId], ['demo-b', second.peerId], ['demo-a', first.peerId]]) {
    const { response } = await client.chat.completions.create({ model: model ?? '', messages: MESSAGES, max_tokens: 4, temperature: 0 }).withResponse()
    expect(response.headers.get('x-shoal-verifier'), model).toBe(peerId)
  }

  // Killed as if its machine died: the relay still heard its last announcement moments ago.
  await second.process.kill()
  const client404 = await client.chat.completions.create({ model: 'demo-b', messages: MESSAGES, max_tokens: 4, temperature: 0 }).withResponse().catch((err: unknown) => err)
  // No verifier runs demo-b now: the survivor takes it, and says it serves demo-a.
  expect((client404 as APIError).status).toBe(404)
  const { data: answer, response } = await client.chat.completions.create({ model: 'demo-a', messages: MESSAGES, max_tokens: 8, temperature: 0 }).withResponse()
  expect(response.headers.get('x-shoal-verifier')).toBe(first.peerId)
  expect(answer.choices[0]?.message.content).toBeTruthy()

  // None left: a clear 503 with Retry-After, in each API's shape.
  await first.process.kill()
  const none = await fetch(`${mesh.url}/v1/chat/completions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model: 'demo-a', messages: MESSAGES }) })
  expect(none.status).toBe(503)
  expect(none.headers.get('retry-after')).toBe('5')
  expect(((await none.json()) as { error: { code: string } }).error.code).toBe('no_verifier')
  const noneOllama = await fetch(`${mesh.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'demo-a', messages: MESSAGES }) })
  expect(noneOllama.status).toBe(503)
  expect(((await noneOllama.json()) as { error: string }).error).toMatch(/no verifier/)
})

test('a busy verifier\'s refusal before the first byte is passed over: the other verifier answers', async () => {
  const mesh = await relay()
  // One sequence and no queue each: a second chat at the same verifier is refused 503 at once.
  const args = ['--capacity', '1', '--queue-size', '0']
  const verifiers = [await verifier(mesh.url, args), await verifier(mesh.url, args)]
  await waitFor('the gateway to hear both verifiers', async () => {
    const text = await (await fetch(`${mesh.url}/metrics`)).text()
    return metricValue(text, 'shoal_relay_gateway_verifiers') === 2 ? true : undefined
  }, 30_000)
  const client = openAi(mesh.url)
  const controller = new AbortController()
  // Sent to the verifier's own port: the gateway, which counts only its own requests, learns of it from the next announcement.
  const long = await openAi(verifiers[0]?.process.url ?? '').chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: LONG_MAX_TOKENS, temperature: 0, stream: true }, { signal: controller.signal })
  const busy = verifiers[0]?.peerId
  const iterator = long[Symbol.asyncIterator]()
  await iterator.next()
  // Sent before the busy verifier's next announcement could say so, as often as not: then it refuses, and the other answers.
  for (let attempt = 0; attempt < 3; attempt++) {
    const { response } = await client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: 4, temperature: 0 }).withResponse()
    expect(response.headers.get('x-shoal-verifier')).not.toBe(busy)
    expect(response.status).toBe(200)
  }
  controller.abort()
})

test('a client that leaves mid-answer stops the verifier, which frees its sequence', async () => {
  const mesh = await relay()
  const { process: direct } = await verifier(mesh.url)
  await gatewayLists(mesh.url, [MODEL])
  const controller = new AbortController()
  const stream = await openAi(mesh.url).chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: LONG_MAX_TOKENS, temperature: 0, stream: true }, { signal: controller.signal })
  let chunks = 0
  await untilAborted(async () => {
    for await (const chunk of stream) {
      if ((chunk.choices[0]?.delta.content ?? '') !== '' && ++chunks === 3) {
        controller.abort()
      }
    }
  })
  expect(chunks).toBe(3)
  const metrics = await waitFor('the verifier to stop generating', async () => {
    const text = await metricsText(direct)
    return metricValue(text, 'shoal_gpu_node_running') === 0 &&
      metricValue(text, 'shoal_gpu_node_cancellations_total') === 1 &&
      metricValue(text, 'shoal_gpu_node_http_requests_in_flight') === 0 &&
      metricValue(text, 'shoal_gpu_node_http_tunnel_open') === 0
      ? text
      : undefined
  })
  const contextLength = ((await (await fetch(`${direct.url}/health`)).json()) as { model: { contextLength: number } }).model.contextLength
  // Stopped soon after the client left, far from the context's end.
  expect(metricValue(metrics, 'shoal_gpu_node_generated_tokens_total')).toBeLessThan(contextLength / 2)
  expect(metricValue(metrics, 'shoal_gpu_node_http_tunnel_cut_total')).toBe(1)
})

test('per-client limits at the relay: requests in flight per address, and body size, get 429 and 413', async () => {
  const mesh = await relay(['--api-max-concurrent-per-ip', '1'])
  await verifier(mesh.url)
  await gatewayLists(mesh.url, [MODEL])
  const controller = new AbortController()
  const client = openAi(mesh.url)
  const long = await client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: LONG_MAX_TOKENS, temperature: 0, stream: true }, { signal: controller.signal })
  const refused = await fetch(`${mesh.url}/v1/models`)
  expect(refused.status).toBe(429)
  expect(refused.headers.get('retry-after')).toBe('1')
  expect(((await refused.json()) as { error: { code: string, message: string } }).error).toMatchObject({ code: 'rate_limit_exceeded', message: expect.stringContaining('at most 1') })
  controller.abort()
  await untilAborted(async () => { for await (const _chunk of long) { /* until aborted */ } })
  // Once the first request is gone, the address may send another.
  await waitFor('the slot to be free', async () => (await fetch(`${mesh.url}/v1/models`)).status === 200 ? true : undefined, 10_000)

  const huge = await fetch(`${mesh.url}/v1/chat/completions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'x'.repeat(1_100_000) }] }) })
  expect(huge.status).toBe(413)
  expect(((await huge.json()) as { error: { code: string } }).error.code).toBe('request_too_large')
  const relayMetrics = await (await fetch(`${mesh.url}/metrics`)).text()
  expect(metricValue(relayMetrics, 'shoal_relay_gateway_client_limit_refused_total')).toBeGreaterThanOrEqual(1)
})

test('the verifier\'s per-client limits count each of the gateway\'s clients on its own, not the relay as one', async () => {
  const mesh = await relay()
  await verifier(mesh.url, ['--client-max-concurrent', '1'])
  await gatewayLists(mesh.url, [MODEL])
  // The test connects from loopback, where the relay takes a proxy's X-Forwarded-For as the client.
  const chat = async (client: string, maxTokens: number, signal?: AbortSignal): Promise<Response> => fetch(`${mesh.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': client },
    body: JSON.stringify({ model: MODEL, messages: MESSAGES, max_tokens: maxTokens, temperature: 0, stream: true }),
    signal
  })
  const controller = new AbortController()
  const long = await chat('198.51.100.1', LONG_MAX_TOKENS, controller.signal)
  expect(long.status).toBe(200)
  const reader = long.body?.getReader()
  await reader?.read()
  const again = await chat('198.51.100.1', 4)
  expect(again.status).toBe(429)
  expect(again.headers.get('retry-after')).toBeTruthy()
  expect(((await again.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded')
  const other = await chat('198.51.100.2', 4)
  expect(other.status).toBe(200)
  expect(await other.text()).toContain('[DONE]')
  controller.abort()
})

test('a streamed chat whose verifier is killed mid-answer is continued on the other: the client reads the one answer a single verifier writes', async () => {
  const mesh = await relay()
  // Every forward pass padded to 40 ms (the emulated-GPU option), so the answer is still being written when its verifier dies.
  const slow = ['--emulate-pass-cost', '40,0']
  const verifiers = [await verifier(mesh.url, slow), await verifier(mesh.url, slow)]
  await waitFor('the gateway to hear both verifiers', async () => {
    const text = await (await fetch(`${mesh.url}/metrics`)).text()
    return metricValue(text, 'shoal_relay_gateway_verifiers') === 2 ? true : undefined
  }, 30_000)
  const request = { model: MODEL, messages: MESSAGES, max_tokens: 120, temperature: 0 }
  const { data: stream, response } = await openAi(mesh.url).chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } }).withResponse()
  const serving = verifiers.find((candidate) => candidate.peerId === response.headers.get('x-shoal-verifier'))
  const survivor = verifiers.find((candidate) => candidate !== serving)
  expect(serving).toBeDefined()
  let text = ''
  let pieces = 0
  let finishReason: string | null | undefined
  let usage: OpenAI.CompletionUsage | undefined
  const ids = new Set<string>()
  for await (const chunk of stream) {
    ids.add(chunk.id)
    expect(Object.keys(chunk)).not.toContain('shoal_tokens')
    text += chunk.choices[0]?.delta.content ?? ''
    finishReason = chunk.choices[0]?.finish_reason ?? finishReason
    usage = chunk.usage ?? usage
    if ((chunk.choices[0]?.delta.content ?? '') !== '' && ++pieces === 10) {
      await serving?.process.kill()
    }
  }
  const killedAt = pieces >= 10
  expect(killedAt).toBe(true)
  const alone = await openAi(survivor?.process.url ?? '').chat.completions.create(request)
  expect(text).toBe(alone.choices[0]?.message.content)
  expect(finishReason).toBe(alone.choices[0]?.finish_reason)
  // The usage counts the whole answer, not only the survivor's part of it.
  expect(usage).toEqual(alone.usage)
  // One answer to the client: one id across both verifiers' chunks.
  expect(ids.size).toBe(1)
  const relayMetrics = await (await fetch(`${mesh.url}/metrics`)).text()
  expect(metricValue(relayMetrics, 'shoal_relay_gateway_handovers_total')).toBe(1)
  expect(metricValue(relayMetrics, 'shoal_relay_gateway_cut_total')).toBe(0)
})

test('a whole answer whose verifier is killed while writing it fails over before the first byte: the other verifier answers it from the start', async () => {
  const mesh = await relay()
  const slow = ['--emulate-pass-cost', '40,0']
  const verifiers = [await verifier(mesh.url, slow), await verifier(mesh.url, slow)]
  await waitFor('the gateway to hear both verifiers', async () => {
    const text = await (await fetch(`${mesh.url}/metrics`)).text()
    return metricValue(text, 'shoal_relay_gateway_verifiers') === 2 ? true : undefined
  }, 30_000)
  const request = { model: MODEL, messages: MESSAGES, max_tokens: 80, temperature: 0 }
  const answered = openAi(mesh.url).chat.completions.create(request).withResponse()
  // A whole answer's response is written once it is done: until then nothing has reached the client.
  const writing = await waitFor('a verifier to be writing the answer', async () => {
    for (const candidate of verifiers) {
      if (metricValue(await metricsText(candidate.process), 'shoal_gpu_node_running') === 1) {
        return candidate
      }
    }
    return undefined
  })
  await writing.process.kill()
  const { data: answer, response } = await answered
  const survivor = verifiers.find((candidate) => candidate !== writing)
  expect(response.headers.get('x-shoal-verifier')).toBe(survivor?.peerId)
  const alone = await openAi(survivor?.process.url ?? '').chat.completions.create(request)
  expect(answer.choices[0]?.message.content).toBe(alone.choices[0]?.message.content)
  const relayMetrics = await (await fetch(`${mesh.url}/metrics`)).text()
  expect(metricValue(relayMetrics, 'shoal_relay_gateway_failovers_total')).toBe(1)
})

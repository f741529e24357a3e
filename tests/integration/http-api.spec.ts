/**
 * gpu-node's OpenAI- and Ollama-compatible HTTP API, as clients use it: a real
 * gpu-node process running a random demo model, the official `openai` client and
 * plain `fetch`/`node:http`. Answers at temperature 0 are compared byte for
 * byte with node-llama-cpp's own greedy output for the same model and chat.
 * No relay: the API works without the mesh (the node is pointed at a port
 * nothing listens on).
 */
import { request } from 'node:http'
import { connect } from 'node:net'
import { expect, test } from '@playwright/test'
import OpenAI, { APIError } from 'openai'
import { z } from 'zod'
import { GpuNodeHealth } from '../../gpu-node/src/api-server.ts'
import { checkReceiptChains, promptHash, receiptFromJson, sha256Hex } from '#protocol'
import { ensureDemoModels, referenceGreedyCompletion } from '../support/models.ts'
import { freePort, startGpuNode, waitFor } from '../support/processes.ts'
import type { ReferenceMessage } from '../support/models.ts'
import type { ShoalProcess } from '../support/processes.ts'
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'

const MODEL = 'shoal-demo'
const MESSAGES: ReferenceMessage[] = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Tell me about the sea.' }
]
const MAX_TOKENS = 48
/** More than the demo model's context holds: generation runs for seconds unless cancelled. */
const LONG_MAX_TOKENS = 4000

const running: ShoalProcess[] = []
const openResponses: IncomingMessage[] = []

test.afterEach(async () => {
  for (const response of openResponses.splice(0)) {
    response.destroy()
  }
  await Promise.all(running.splice(0).map(async (process) => { await process.stop() }))
})

/**
 * A gpu-node with the random 256x4 demo target, CPU only (as the reference), answering once the model
 * is loaded. Not the default story model: the cancelling and busy checks need answers that run for
 * seconds, and the random model never ends one before max tokens (2048-token context), where the story
 * model ends its story within a few hundred tokens.
 */
async function verifierNode (extraArgs: string[] = []): Promise<ShoalProcess> {
  const relayUrl = `http://127.0.0.1:${await freePort()}`
  const { target } = await ensureDemoModels()
  const started = await startGpuNode({ relayUrl, extraArgs: ['--model', target, '--model-name', MODEL, '--threads', '1', '--gpu', 'off', ...extraArgs] })
  running.push(started)
  const apiKey = extraArgs[extraArgs.indexOf('--api-key') + 1]
  await waitFor('the model to load', async () => {
    const response = await fetch(`${started.url}/v1/models`, { headers: extraArgs.includes('--api-key') ? { Authorization: `Bearer ${apiKey ?? ''}` } : {} })
    return response.ok ? true : undefined
  }, 30_000)
  return started
}

function openAiClient (node: ShoalProcess, apiKey = 'unused'): OpenAI {
  // No retries: the tests check the first answer's status.
  return new OpenAI({ baseURL: `${node.url}/v1`, apiKey, maxRetries: 0 })
}

async function greedyReference (): Promise<{ text: string, finishReason: 'stop' | 'length' }> {
  const models = await ensureDemoModels()
  const reference = await referenceGreedyCompletion(models.target, MESSAGES, MAX_TOKENS)
  expect(reference.text.length).toBeGreaterThan(0)
  return { text: reference.text, finishReason: reference.stopReason === 'maxTokens' ? 'length' : 'stop' }
}

async function metricsText (node: ShoalProcess): Promise<string> {
  return (await fetch(`${node.url}/metrics`)).text()
}

function metricValue (text: string, sample: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${sample} `))
  return line === undefined ? undefined : Number(line.slice(sample.length + 1))
}

/** Waits until no HTTP request is in flight and the verifier runs and queues nothing. */
async function waitForIdle (node: ShoalProcess): Promise<void> {
  await waitFor('the verifier to be idle', async () => {
    const text = await metricsText(node)
    return ['shoal_gpu_node_http_requests_in_flight', 'shoal_gpu_node_running', 'shoal_gpu_node_queue_depth'].every((name) => metricValue(text, name) === 0) ? true : undefined
  }, 5_000)
}

async function expectHealthy (node: ShoalProcess): Promise<void> {
  expect((await fetch(`${node.url}/health`)).status).toBe(200)
  expect(node.child.exitCode).toBeNull()
}

const OpenAiError = z.object({
  error: z.object({ message: z.string().min(1), type: z.string(), param: z.string().nullable(), code: z.string().nullable() })
})
const OllamaError = z.object({ error: z.string().min(1) })

const OllamaStatistics = {
  done_reason: z.enum(['stop', 'length']),
  total_duration: z.number().int().nonnegative(),
  load_duration: z.number().int().nonnegative(),
  prompt_eval_count: z.number().int().positive(),
  prompt_eval_duration: z.number().int().nonnegative(),
  eval_count: z.number().int().nonnegative(),
  eval_duration: z.number().int().nonnegative()
}
const OllamaChatLine = z.object({
  model: z.literal(MODEL),
  created_at: z.iso.datetime(),
  message: z.object({ role: z.literal('assistant'), content: z.string() }),
  done: z.boolean()
})
const OllamaChatEnd = OllamaChatLine.extend({ done: z.literal(true), ...OllamaStatistics })
const OllamaGenerateLine = z.object({ model: z.literal(MODEL), created_at: z.iso.datetime(), response: z.string(), done: z.boolean() })
const OllamaGenerateEnd = OllamaGenerateLine.extend({ done: z.literal(true), ...OllamaStatistics })

/** POSTs JSON with `node:http`, from `localAddress` (each loopback address is another client to the verifier's per-client limits). */
async function post (url: string, path: string, body: unknown, options: { localAddress?: string, headers?: Record<string, string> } = {}): Promise<IncomingMessage> {
  const text = JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const outgoing = request(`${url}${path}`, {
      method: 'POST',
      localAddress: options.localAddress,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...options.headers }
    }, (response) => {
      openResponses.push(response)
      resolve(response)
    })
    outgoing.on('error', reject)
    outgoing.end(text)
  })
}

async function readAll (response: IncomingMessage): Promise<string> {
  let text = ''
  for await (const chunk of response) {
    text += String(chunk)
  }
  return text
}

/** Resolves once `response` has delivered at least one body chunk that contains `marker`. */
async function waitForBody (response: IncomingMessage, marker: string): Promise<void> {
  let text = ''
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      text += chunk.toString()
      if (text.includes(marker)) {
        response.off('data', onData)
        response.pause()
        resolve()
      }
    }
    response.on('data', onData)
    response.once('end', () => { reject(new Error(`the response ended without "${marker}": ${text}`)) })
  })
}

test.describe('OpenAI API', () => {
  test('the openai client gets node-llama-cpp\'s own greedy answer, whole and streamed, with usage', async () => {
    const reference = await greedyReference()
    // Each token's text in a chunk of its own, as OpenAI streams.
    const node = await verifierNode(['--stream-interval', '0'])
    const client = openAiClient(node)

    const models = await client.models.list()
    expect(models.data).toEqual([{ id: MODEL, object: 'model', created: expect.any(Number), owned_by: 'shoal' }])
    expect(await client.models.retrieve(MODEL)).toMatchObject({ id: MODEL, owned_by: 'shoal' })

    const whole = await client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: MAX_TOKENS, temperature: 0 })
    expect(whole.id).toMatch(/^chatcmpl-/)
    expect(whole.object).toBe('chat.completion')
    expect(whole.model).toBe(MODEL)
    expect(whole.choices).toHaveLength(1)
    expect(whole.choices[0]?.message.role).toBe('assistant')
    expect(whole.choices[0]?.message.content).toBe(reference.text)
    expect(whole.choices[0]?.finish_reason).toBe(reference.finishReason)
    const usage = whole.usage
    expect(usage?.prompt_tokens).toBeGreaterThan(0)
    expect(usage?.completion_tokens).toBeGreaterThan(0)
    expect(usage?.completion_tokens).toBeLessThanOrEqual(MAX_TOKENS)
    if (reference.finishReason === 'length') {
      expect(usage?.completion_tokens).toBe(MAX_TOKENS)
    }
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0))

    // max_completion_tokens is the newer name for max_tokens.
    const renamed = await client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_completion_tokens: MAX_TOKENS, temperature: 0 })
    expect(renamed.choices[0]?.message.content).toBe(reference.text)

    const stream = await client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: MAX_TOKENS, temperature: 0, stream: true, stream_options: { include_usage: true } })
    let content = ''
    const roles: string[] = []
    const finishReasons: string[] = []
    const usages: unknown[] = []
    let chunks = 0
    for await (const chunk of stream) {
      chunks++
      expect(chunk.id).toMatch(/^chatcmpl-/)
      expect(chunk.object).toBe('chat.completion.chunk')
      for (const choice of chunk.choices) {
        content += choice.delta.content ?? ''
        if (choice.delta.role != null) {
          roles.push(choice.delta.role)
        }
        if (choice.finish_reason != null) {
          finishReasons.push(choice.finish_reason)
        }
      }
      if (chunk.usage != null) {
        usages.push(chunk.usage)
      }
    }
    expect(content).toBe(reference.text)
    expect(chunks).toBeGreaterThan(3)
    expect(roles).toEqual(['assistant'])
    expect(finishReasons).toEqual([reference.finishReason])
    expect(usages).toEqual([usage])

    // Without include_usage, no usage.
    const plain = await client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: MAX_TOKENS, temperature: 0, stream: true })
    let plainContent = ''
    for await (const chunk of plain) {
      expect(chunk.usage ?? undefined).toBeUndefined()
      plainContent += chunk.choices[0]?.delta.content ?? ''
    }
    expect(plainContent).toBe(reference.text)

    const metrics = await metricsText(node)
    expect(metricValue(metrics, 'shoal_gpu_node_http_requests_total{route="/v1/chat/completions",status="200"}')).toBe(4)
    expect(metricValue(metrics, 'shoal_gpu_node_http_completion_tokens_total')).toBe(4 * (usage?.completion_tokens ?? 0))
    expect(metricValue(metrics, 'shoal_gpu_node_http_requests_in_flight')).toBe(0)
  })

  test('text made within the stream interval comes in one chunk: the first text at once, the rest at the end', async () => {
    const reference = await greedyReference()
    const node = await verifierNode(['--stream-interval', '1000'])
    const stream = await openAiClient(node).chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: MAX_TOKENS, temperature: 0, stream: true, stream_options: { include_usage: true } })
    const contents: string[] = []
    let completionTokens = 0
    for await (const chunk of stream) {
      contents.push(...chunk.choices.map((choice) => choice.delta.content ?? '').filter((content) => content !== ''))
      completionTokens = chunk.usage?.completion_tokens ?? completionTokens
    }
    expect(contents.join('')).toBe(reference.text)
    expect(completionTokens).toBeGreaterThan(2)
    expect(contents).toHaveLength(2)
  })

  test('stop strings end the answer where node-llama-cpp\'s would, and are not returned', async () => {
    const { text } = await greedyReference()
    const stop = text.split(' ').filter((word) => word.length > 2)[6] ?? ''
    expect(stop).not.toBe('')
    const models = await ensureDemoModels()
    const reference = await referenceGreedyCompletion(models.target, MESSAGES, MAX_TOKENS, { stop: [stop] })
    expect(reference.text).toBe(text.slice(0, text.indexOf(stop)))

    const node = await verifierNode()
    const answer = await openAiClient(node).chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: MAX_TOKENS, temperature: 0, stop })
    expect(answer.choices[0]?.message.content).toBe(reference.text)
    expect(answer.choices[0]?.finish_reason).toBe('stop')
  })
})

test.describe('receipts', () => {
  test('every completion carries the verifier\'s signed served receipt, chained, naming the answer by hash only', async () => {
    const node = await verifierNode()
    const health = GpuNodeHealth.parse(await (await fetch(`${node.url}/health`)).json())
    const post = async (path: string, body: object): Promise<string> => {
      const response = await fetch(`${node.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      expect(response.status).toBe(200)
      return response.text()
    }
    const openAi = { model: MODEL, messages: MESSAGES, max_tokens: 8, temperature: 0 }

    const whole = JSON.parse(await post('/v1/chat/completions', openAi)) as { choices: Array<{ message: { content: string } }>, receipt: unknown }
    const sse = (await post('/v1/chat/completions', { ...openAi, stream: true })).split('\n').filter((line) => line.startsWith('data: {')).map((line) => JSON.parse(line.slice(6)) as { receipt?: unknown })
    const withUsage = (await post('/v1/chat/completions', { ...openAi, stream: true, stream_options: { include_usage: true } })).split('\n').filter((line) => line.startsWith('data: {')).map((line) => JSON.parse(line.slice(6)) as { receipt?: unknown, usage?: unknown })
    const ollama = JSON.parse(await post('/api/chat', { model: MODEL, messages: MESSAGES, stream: false, options: { temperature: 0, num_predict: 8 } })) as { receipt: unknown }

    // Only the last streamed chunk carries it.
    expect(sse.slice(0, -1).every((chunk) => chunk.receipt === undefined)).toBe(true)
    expect(withUsage.slice(0, -1).every((chunk) => chunk.receipt === undefined)).toBe(true)
    expect(withUsage.at(-1)?.usage).toBeDefined()

    const receipts = await Promise.all([whole.receipt, sse.at(-1)?.receipt, withUsage.at(-1)?.receipt, ollama.receipt].map(async (json) => receiptFromJson(json)))
    const subject = receipts[0]?.subject ?? ''
    expect(subject).toMatch(/^http:/)
    expect(receipts.map((receipt) => receipt.sequence)).toEqual([1, 2, 3, 4])
    for (const receipt of receipts) {
      expect(receipt).toMatchObject({ kind: 'served', issuer: health.peerId, subject, model: MODEL, promptHash: await promptHash(MESSAGES), drafters: [] })
      expect(receipt.completionTokens).toBeGreaterThan(0)
      expect(receipt.passes).toBeGreaterThanOrEqual(receipt.completionTokens)
    }
    expect(receipts[0]?.outputHash).toBe(await sha256Hex(whole.choices[0]?.message.content ?? ''))
    expect(checkReceiptChains(receipts).map((chain) => chain.problems)).toEqual([[]])
    // Hashes only: no prompt or answer text in the signed body.
    const body = new TextDecoder().decode(receipts[0]?.body)
    expect(body).not.toContain('sea')
    expect(body).not.toContain(whole.choices[0]?.message.content ?? '')
  })
})

test.describe('Ollama API', () => {
  test('/api/chat and /api/generate, streamed and whole, give node-llama-cpp\'s greedy answer', async () => {
    const reference = await greedyReference()
    // Each token's text on a line of its own, as Ollama streams.
    const node = await verifierNode(['--stream-interval', '0'])
    const options = { temperature: 0, num_predict: MAX_TOKENS }
    const [system, user] = MESSAGES

    const tags = await (await fetch(`${node.url}/api/tags`)).json()
    expect(tags).toEqual({ models: [expect.objectContaining({ name: MODEL, model: MODEL, digest: expect.stringMatching(/^[0-9a-f]{64}$/) })] })

    // Ollama's clients (and its docs' `curl -d`) send no JSON content type.
    const whole = await fetch(`${node.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: MODEL, messages: MESSAGES, stream: false, options }) })
    expect(whole.status).toBe(200)
    const chat = OllamaChatEnd.parse(await whole.json())
    expect(chat.message.content).toBe(reference.text)
    expect(chat.done_reason).toBe(reference.finishReason)
    expect(chat.eval_count).toBeLessThanOrEqual(MAX_TOKENS)

    const streamed = await fetch(`${node.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: `${MODEL}:latest`, messages: MESSAGES, options }) })
    expect(streamed.headers.get('content-type')).toBe('application/x-ndjson')
    const objects: unknown[] = (await streamed.text()).trimEnd().split('\n').map((line) => JSON.parse(line))
    const lines = objects.map((object) => OllamaChatLine.parse(object))
    expect(lines.length).toBeGreaterThan(3)
    expect(lines.slice(0, -1).every((line) => !line.done)).toBe(true)
    const end = OllamaChatEnd.parse(objects.at(-1))
    expect(lines.map((line) => line.message.content).join('')).toBe(reference.text)
    expect(end).toMatchObject({ done_reason: chat.done_reason, eval_count: chat.eval_count, prompt_eval_count: chat.prompt_eval_count })

    const generateBody = { model: MODEL, system: system?.content, prompt: user?.content, options }
    const generated = OllamaGenerateEnd.parse(await (await fetch(`${node.url}/api/generate`, { method: 'POST', body: JSON.stringify({ ...generateBody, stream: false }) })).json())
    expect(generated.response).toBe(reference.text)
    expect(generated.eval_count).toBe(chat.eval_count)

    const generatedStream = await fetch(`${node.url}/api/generate`, { method: 'POST', body: JSON.stringify(generateBody) })
    const generatedObjects: unknown[] = (await generatedStream.text()).trimEnd().split('\n').map((line) => JSON.parse(line))
    expect(generatedObjects.map((object) => OllamaGenerateLine.parse(object).response).join('')).toBe(reference.text)
    expect(OllamaGenerateEnd.parse(generatedObjects.at(-1)).done_reason).toBe(reference.finishReason)

    // An empty prompt is Ollama's "load the model".
    const load = await (await fetch(`${node.url}/api/generate`, { method: 'POST', body: JSON.stringify({ model: MODEL }) })).json()
    expect(load).toMatchObject({ model: MODEL, response: '', done: true, done_reason: 'load' })
    expect(await (await fetch(`${node.url}/api/version`)).json()).toEqual({ version: expect.any(String) })
  })
})

test.describe('bad requests', () => {
  test('get the right status and error body, and the process stays healthy', async () => {
    const node = await verifierNode()
    const message = [{ role: 'user', content: 'hi' }]
    const json = { 'Content-Type': 'application/json' }
    const cases: Array<{ what: string, path: string, init: RequestInit, status: number, error: Record<string, unknown> | RegExp }> = [
      { what: 'bad JSON', path: '/v1/chat/completions', init: { headers: json, body: '{"model":' }, status: 400, error: { type: 'invalid_request_error', code: 'invalid_json' } },
      { what: 'empty body', path: '/v1/chat/completions', init: { headers: json, body: '' }, status: 400, error: { type: 'invalid_request_error' } },
      { what: 'not an object', path: '/v1/chat/completions', init: { headers: json, body: '[1,2]' }, status: 400, error: { type: 'invalid_request_error', param: null } },
      { what: 'missing messages', path: '/v1/chat/completions', init: { headers: json, body: JSON.stringify({ model: MODEL }) }, status: 400, error: { param: 'messages', code: 'missing_required_parameter', message: "Missing required parameter: 'messages'." } },
      { what: 'messages of the wrong type', path: '/v1/chat/completions', init: { headers: json, body: JSON.stringify({ model: MODEL, messages: 'hi' }) }, status: 400, error: { param: 'messages', code: 'invalid_type' } },
      { what: 'temperature 5', path: '/v1/chat/completions', init: { headers: json, body: JSON.stringify({ model: MODEL, messages: message, temperature: 5 }) }, status: 400, error: { param: 'temperature', code: 'invalid_value' } },
      { what: 'n=2', path: '/v1/chat/completions', init: { headers: json, body: JSON.stringify({ model: MODEL, messages: message, n: 2 }) }, status: 400, error: { param: 'n', message: "Invalid 'n': only n=1 is supported" } },
      { what: 'an image part', path: '/v1/chat/completions', init: { headers: json, body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:,' } }] }] }) }, status: 400, error: { param: 'messages[0].content[0].type' } },
      { what: 'too many tokens for one request', path: '/v1/chat/completions', init: { headers: json, body: JSON.stringify({ model: MODEL, messages: message, max_tokens: 10_000_000 }) }, status: 400, error: { param: 'max_tokens' } },
      { what: 'a prompt longer than the context', path: '/v1/chat/completions', init: { headers: json, body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'the sea '.repeat(5000) }] }) }, status: 400, error: { type: 'invalid_request_error', message: expect.stringContaining('context') } },
      { what: 'the wrong model', path: '/v1/chat/completions', init: { headers: json, body: JSON.stringify({ model: 'gpt-4o', messages: message }) }, status: 404, error: { type: 'invalid_request_error', code: 'model_not_found', param: 'model' } },
      { what: 'the wrong content type', path: '/v1/chat/completions', init: { headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ model: MODEL, messages: message }) }, status: 415, error: { code: 'unsupported_media_type' } },
      { what: 'a huge body', path: '/v1/chat/completions', init: { headers: json, body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'x'.repeat(2 * 1024 * 1024) }] }) }, status: 413, error: { code: 'request_too_large' } },
      { what: 'an unknown model id', path: '/v1/models/gpt-4o', init: { method: 'GET' }, status: 404, error: { code: 'model_not_found' } },
      { what: 'GET on a POST route', path: '/v1/chat/completions', init: { method: 'GET' }, status: 405, error: { code: 'method_not_allowed' } },
      { what: 'Ollama: bad JSON', path: '/api/chat', init: { body: '{"model"' }, status: 400, error: /not valid JSON/ },
      { what: 'Ollama: missing model', path: '/api/chat', init: { body: JSON.stringify({ messages: message }) }, status: 400, error: /Missing required parameter: 'model'/ },
      { what: 'Ollama: temperature 5', path: '/api/generate', init: { body: JSON.stringify({ model: MODEL, prompt: 'hi', options: { temperature: 5 } }) }, status: 400, error: /'options\.temperature'/ },
      { what: 'Ollama: the wrong model', path: '/api/chat', init: { body: JSON.stringify({ model: 'llama3', messages: message }) }, status: 404, error: /model "llama3" not found/ },
      { what: 'Ollama: images', path: '/api/generate', init: { body: JSON.stringify({ model: MODEL, prompt: 'hi', images: ['aGk='] }) }, status: 400, error: /images is not supported/ },
      { what: 'Ollama: a huge body', path: '/api/generate', init: { body: JSON.stringify({ model: MODEL, prompt: 'x'.repeat(2 * 1024 * 1024) }) }, status: 413, error: /larger than/ }
    ]
    for (const { what, path, init, status, error } of cases) {
      const response = await fetch(`${node.url}${path}`, { method: 'POST', ...init })
      expect(response.status, what).toBe(status)
      expect(response.headers.get('content-type'), what).toBe('application/json; charset=utf-8')
      const body: unknown = await response.json()
      if (error instanceof RegExp) {
        expect(OllamaError.parse(body).error, what).toMatch(error)
      } else {
        expect(OpenAiError.parse(body).error, what).toMatchObject(error)
      }
      await expectHealthy(node)
    }

    // The SDK surfaces the error's fields.
    const client = openAiClient(node)
    await expect(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], temperature: 5 }))
      .rejects.toMatchObject({ status: 400, type: 'invalid_request_error', param: 'temperature' })

    // Garbage that is not HTTP at all: Node's parser answers 400 and the server carries on.
    const { hostname, port } = new URL(node.url)
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) }, () => { socket.write('BLAH /v1/\u0000\r\n\r\n') })
      let text = ''
      socket.on('data', (chunk: Buffer) => { text += chunk.toString() })
      socket.on('close', () => { resolve(text) })
      socket.on('error', reject)
    })
    expect(reply).toMatch(/^HTTP\/1\.1 400/)

    await expectHealthy(node)
    const answer = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, temperature: 0 })
    expect(answer.choices[0]?.message.content).not.toBe('')
    expect(node.output()).not.toMatch(/uncaught|unhandled/i)
  })
})

test.describe('API key', () => {
  test('/v1 and /api need the bearer key; /health, /metrics and preflights do not', async () => {
    const key = 'shoal-test-key-0123456789'
    const node = await verifierNode(['--api-key', key])

    for (const path of ['/v1/models', '/api/tags']) {
      const attempts: Array<Record<string, string>> = [{}, { Authorization: 'Bearer wrong-key-0123456789' }, { Authorization: `Basic ${key}` }]
      for (const headers of attempts) {
        const response = await fetch(`${node.url}${path}`, { headers })
        expect(response.status, `${path} ${JSON.stringify(headers)}`).toBe(401)
        expect(response.headers.get('www-authenticate')).toBe('Bearer')
        const body: unknown = await response.json()
        if (path.startsWith('/v1')) {
          expect(OpenAiError.parse(body).error.code).toBe('invalid_api_key')
        } else {
          expect(OllamaError.parse(body).error).toMatch(/API key/)
        }
      }
      expect((await fetch(`${node.url}${path}`, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(200)
    }
    // Checked before the body is read: no key, no parsing.
    expect((await fetch(`${node.url}/v1/chat/completions`, { method: 'POST', body: '{' })).status).toBe(401)

    await expect(openAiClient(node, 'wrong-key-0123456789').models.list()).rejects.toMatchObject({ status: 401 })
    const answer = await openAiClient(node, key).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 })
    expect(answer.choices).toHaveLength(1)

    expect((await fetch(`${node.url}/health`)).status).toBe(200)
    expect((await fetch(`${node.url}/metrics`)).status).toBe(200)
    const preflight = await fetch(`${node.url}/v1/chat/completions`, { method: 'OPTIONS', headers: { Origin: 'http://example.org', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' } })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Authorization')
  })
})

test.describe('cancellation', () => {
  test('aborting a request frees the verifier\'s only sequence for the next one', async () => {
    // One sequence and no queue: while the aborted answer held the sequence, the next request would get 503.
    const node = await verifierNode(['--capacity', '1', '--queue-size', '0'])
    const client = openAiClient(node)
    const next = async (): Promise<string | undefined> => {
      try {
        const answer = await client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: 4, temperature: 0 })
        return answer.choices[0]?.message.content ?? ''
      } catch (err) {
        if (err instanceof APIError && err.status === 503) {
          return undefined
        }
        throw err
      }
    }

    // Streaming, aborted through the openai client.
    const controller = new AbortController()
    const stream = await client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: LONG_MAX_TOKENS, temperature: 0, stream: true }, { signal: controller.signal })
    let received = 0
    try {
      for await (const chunk of stream) {
        received += chunk.choices[0]?.delta.content?.length ?? 0
        if (received > 20) {
          controller.abort()
        }
      }
    } catch (err) {
      // Some versions of the client end the iteration quietly on abort, others throw.
      if (!controller.signal.aborted) {
        throw err
      }
    }
    expect(controller.signal.aborted).toBe(true)
    const metrics = await waitFor('the stream to be cancelled', async () => {
      const text = await metricsText(node)
      return metricValue(text, 'shoal_gpu_node_http_requests_in_flight') === 0 &&
        metricValue(text, 'shoal_gpu_node_http_completions_cancelled_total') === 1 &&
        metricValue(text, 'shoal_gpu_node_cancellations_total') === 1 &&
        metricValue(text, 'shoal_gpu_node_running') === 0
        ? text
        : undefined
    }, 5_000)
    // The verifier stopped soon after the abort, far short of filling the context.
    const { contextLength } = GpuNodeHealth.parse(await (await fetch(`${node.url}/health`)).json()).model
    expect(metricValue(metrics, 'shoal_gpu_node_generated_tokens_total')).toBeLessThan(contextLength / 2)
    expect(await next()).not.toBe('')

    // Not streaming: the client gives up waiting for the whole answer.
    const waiting = fetch(`${node.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: MESSAGES, max_tokens: LONG_MAX_TOKENS, temperature: 0 }),
      signal: AbortSignal.timeout(300)
    })
    await expect(waiting).rejects.toThrow(/abort|timeout/i)
    await waitFor('the whole-answer request to be cancelled', async () => {
      const text = await metricsText(node)
      return metricValue(text, 'shoal_gpu_node_http_requests_in_flight') === 0 &&
        metricValue(text, 'shoal_gpu_node_http_completions_cancelled_total') === 2 &&
        metricValue(text, 'shoal_gpu_node_http_requests_total{route="/v1/chat/completions",status="499"}') === 1 &&
        metricValue(text, 'shoal_gpu_node_cancellations_total') === 2 &&
        metricValue(text, 'shoal_gpu_node_running') === 0
        ? true
        : undefined
    }, 5_000)
    expect(await next()).not.toBe('')
    await expectHealthy(node)
  })
})

test.describe('load', () => {
  test('a full queue is 503 and a client over its limit 429, both with Retry-After', async () => {
    const node = await verifierNode(['--capacity', '1', '--queue-size', '1', '--client-max-concurrent', '2'])
    const long = { model: MODEL, messages: MESSAGES, max_tokens: LONG_MAX_TOKENS, temperature: 0, stream: true }

    // Three clients at once (each loopback address is a client): one runs, one queues, one is refused.
    const responses = await Promise.all(['127.0.0.1', '127.0.0.2', '127.0.0.3'].map(async (localAddress) => post(node.url, '/v1/chat/completions', long, { localAddress })))
    const statuses = responses.map((response) => response.statusCode)
    expect(statuses.toSorted()).toEqual([200, 200, 503])
    const refused = responses.find((response) => response.statusCode === 503)
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(OpenAiError.parse(JSON.parse(refused === undefined ? '{}' : await readAll(refused))).error).toMatchObject({ type: 'server_error', code: 'server_busy' })
    for (const response of responses) {
      response.destroy()
    }
    await waitForIdle(node)

    // One client: its first request runs, its second queues, its third is over its limit of 2.
    const first = await post(node.url, '/v1/chat/completions', long)
    await waitForBody(first, '"content"')
    const second = await post(node.url, '/v1/chat/completions', long)
    expect(second.statusCode).toBe(200)
    await waitForBody(second, ': queued at position 1')
    const third = await openAiClient(node).chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: 4 }).then(() => undefined, (err: unknown) => err)
    expect(third).toBeInstanceOf(APIError)
    const limited = third instanceof APIError ? third : undefined
    expect(limited?.status).toBe(429)
    expect(limited?.code).toBe('rate_limit_exceeded')
    expect(Number(limited?.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1)
    const headers: IncomingHttpHeaders = second.headers
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8')

    first.destroy()
    second.destroy()
    await waitForIdle(node)
    const metrics = await metricsText(node)
    expect(metricValue(metrics, 'shoal_gpu_node_http_requests_total{route="/v1/chat/completions",status="503"}')).toBe(1)
    expect(metricValue(metrics, 'shoal_gpu_node_http_requests_total{route="/v1/chat/completions",status="429"}')).toBe(1)
    await expectHealthy(node)
  })
})

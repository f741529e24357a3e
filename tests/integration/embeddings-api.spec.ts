/**
 * Embeddings as clients ask for them: a real gpu-node running the demo story
 * model, the official `openai` and `ollama` clients and plain `fetch`. Every
 * vector is compared with what node-llama-cpp's own embedding context gives
 * for the same text, so a test passes only on the model's real embeddings.
 * No relay: the API works without the mesh.
 */
import { expect, test } from '@playwright/test'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { getLlama, LlamaLogLevel } from 'node-llama-cpp'
import { z } from 'zod'
import { MAX_EMBEDDING_INPUTS } from '#protocol'
import { ensureDemoModels, ensureDemoPair } from '../support/models.ts'
import { freePort, startGpuNode, waitFor } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'

test.describe.configure({ mode: 'serial' })

const MODEL = 'shoal-demo'
const TEXTS = ['Once upon a time there was a cat.', 'The little dog ran to the park to play.']
/** The story model's embedding length. */
const DIMENSIONS = 192

const running: ShoalProcess[] = []
let node: ShoalProcess
let openai: OpenAI
/** node-llama-cpp's own embeddings of TEXTS (not normalized), and the texts' tokens. */
let reference: { vectors: number[][], tokens: number[][] }

async function verifierNode (extraArgs: string[]): Promise<ShoalProcess> {
  const relayUrl = `http://127.0.0.1:${await freePort()}`
  const started = await startGpuNode({ relayUrl, extraArgs: ['--threads', '1', '--gpu', 'off', ...extraArgs] })
  running.push(started)
  await waitFor('the model to load', async () => (await fetch(`${started.url}/v1/models`)).ok ? true : undefined, 30_000)
  return started
}

/** What node-llama-cpp's embedding context computes for each text, on its own. */
async function referenceEmbeddings (modelPath: string, texts: readonly string[]): Promise<{ vectors: number[][], tokens: number[][] }> {
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1, logLevel: LlamaLogLevel.error })
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 })
  try {
    const context = await model.createEmbeddingContext({ contextSize: 512, threads: 1 })
    const vectors: number[][] = []
    for (const text of texts) {
      vectors.push([...(await context.getEmbeddingFor(text)).vector])
    }
    await context.dispose()
    return { vectors, tokens: texts.map((text) => model.tokenize(text, false)) }
  } finally {
    await model.dispose()
  }
}

function unit (vector: readonly number[]): number[] {
  const length = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0))
  return vector.map((value) => value / length)
}

function expectClose (actual: readonly number[] | undefined, expected: readonly number[], tolerance = 1e-5): void {
  expect(actual?.length).toBe(expected.length)
  const worst = Math.max(...expected.map((value, index) => Math.abs((actual?.[index] ?? Number.NaN) - value)))
  expect(worst).toBeLessThan(tolerance)
}

function decodeFloat32Base64 (text: string): number[] {
  const bytes = Buffer.from(text, 'base64')
  return Array.from({ length: bytes.length / 4 }, (_, index) => bytes.readFloatLE(index * 4))
}

test.beforeAll(async () => {
  test.setTimeout(90_000)
  const pair = await ensureDemoPair()
  node = await verifierNode(['--model', pair.target, '--model-name', MODEL])
  openai = new OpenAI({ baseURL: `${node.url}/v1`, apiKey: 'unused', maxRetries: 0 })
  reference = await referenceEmbeddings(pair.target, TEXTS)
})

test.afterAll(async () => {
  await Promise.all(running.splice(0).map(async (process) => { await process.stop() }))
})

async function post (path: string, body: unknown): Promise<Response> {
  return fetch(`${node.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
}

const FloatEmbeddings = z.object({
  object: z.literal('list'),
  model: z.string(),
  data: z.array(z.object({ object: z.literal('embedding'), index: z.int(), embedding: z.array(z.number()) })),
  usage: z.object({ prompt_tokens: z.int(), total_tokens: z.int() })
})
const Base64Embeddings = FloatEmbeddings.extend({ data: z.array(z.object({ object: z.literal('embedding'), index: z.int(), embedding: z.string() })) })

test('the openai client: two texts give two different unit vectors of the model\'s dimension, node-llama-cpp\'s own', async () => {
  // The SDK asks for base64 unless told otherwise, and decodes it.
  const result = await openai.embeddings.create({ model: MODEL, input: TEXTS })
  expect(result.model).toBe(MODEL)
  expect(result.data.map((item) => item.index)).toEqual([0, 1])
  const [first, second] = result.data.map((item) => item.embedding)
  expect(first).toHaveLength(DIMENSIONS)
  expect(second).toHaveLength(DIMENSIONS)
  expectClose(first, unit(reference.vectors[0] ?? []))
  expectClose(second, unit(reference.vectors[1] ?? []))
  const difference = Math.max(...(first ?? []).map((value, index) => Math.abs(value - (second?.[index] ?? 0))))
  expect(difference).toBeGreaterThan(0.01)
  expect(result.usage.prompt_tokens).toBe(reference.tokens.reduce((sum, tokens) => sum + tokens.length, 0))
})

test('the same text twice, in one request or two, gives the same vector; token ids give the text\'s vector', async () => {
  const twice = FloatEmbeddings.parse(await (await post('/v1/embeddings', { model: MODEL, input: [TEXTS[0], TEXTS[0]], encoding_format: 'float' })).json())
  const again = FloatEmbeddings.parse(await (await post('/v1/embeddings', { model: MODEL, input: TEXTS[0], encoding_format: 'float' })).json())
  expect(twice.data[1]?.embedding).toEqual(twice.data[0]?.embedding)
  expect(again.data[0]?.embedding).toEqual(twice.data[0]?.embedding)
  const tokens = FloatEmbeddings.parse(await (await post('/v1/embeddings', { model: MODEL, input: reference.tokens, encoding_format: 'float' })).json())
  expectClose(tokens.data[0]?.embedding, twice.data[0]?.embedding ?? [], 1e-6)
  // One token list on its own is one input too.
  const single = FloatEmbeddings.parse(await (await post('/v1/embeddings', { model: MODEL, input: reference.tokens[1], encoding_format: 'float' })).json())
  expect(single.data).toHaveLength(1)
  expectClose(single.data[0]?.embedding, unit(reference.vectors[1] ?? []))
})

test('base64 decodes to the float vector (as float32s)', async () => {
  const floats = FloatEmbeddings.parse(await (await post('/v1/embeddings', { model: MODEL, input: TEXTS, encoding_format: 'float' })).json())
  const encoded = Base64Embeddings.parse(await (await post('/v1/embeddings', { model: MODEL, input: TEXTS, encoding_format: 'base64' })).json())
  for (const [index, item] of encoded.data.entries()) {
    const decoded = decodeFloat32Base64(item.embedding)
    expect(decoded).toEqual((floats.data[index]?.embedding ?? []).map((value) => Math.fround(value)))
  }
  // The model's own dimension may be asked for by name.
  expect((await post('/v1/embeddings', { model: MODEL, input: 'a', dimensions: DIMENSIONS })).status).toBe(200)
})

test('the ollama client: embed gives unit vectors, embeddings the model\'s raw one', async () => {
  const ollama = new Ollama({ host: node.url })
  const embedded = await ollama.embed({ model: MODEL, input: TEXTS })
  expect(embedded.model).toBe(MODEL)
  expect(embedded.embeddings).toHaveLength(2)
  expectClose(embedded.embeddings[0], unit(reference.vectors[0] ?? []))
  expectClose(embedded.embeddings[1], unit(reference.vectors[1] ?? []))
  expect(embedded.prompt_eval_count).toBe(reference.tokens.reduce((sum, tokens) => sum + tokens.length, 0))
  const single = await ollama.embed({ model: `${MODEL}:latest`, input: TEXTS[1] ?? '' })
  expectClose(single.embeddings[0], unit(reference.vectors[1] ?? []))
  const legacy = await ollama.embeddings({ model: MODEL, prompt: TEXTS[0] ?? '' })
  expectClose(legacy.embedding, reference.vectors[0] ?? [])
  // No input is Ollama's "load the model".
  expect(await (await post('/api/embed', { model: MODEL })).json()).toMatchObject({ model: MODEL, embeddings: [] })
  expect(await (await post('/api/embeddings', { model: MODEL, prompt: '' })).json()).toEqual({ embedding: [] })
})

test('too long: /v1/embeddings refuses, /api/embed cuts it to fit unless truncate is false', async () => {
  const long = 'and then the cat ran to the park '.repeat(100)
  const refused = await post('/v1/embeddings', { model: MODEL, input: ['short', long] })
  expect(refused.status).toBe(400)
  expect((await refused.json() as { error: { message: string } }).error.message).toMatch(/input 1 is \d+ tokens; this embedding model takes at most 510/)
  const cut = await post('/api/embed', { model: MODEL, input: long })
  expect(cut.status).toBe(200)
  expect((await cut.json() as { prompt_eval_count: number }).prompt_eval_count).toBe(510)
  const notCut = await post('/api/embed', { model: MODEL, input: long, truncate: false })
  expect(notCut.status).toBe(400)
  expect(await notCut.json()).toEqual({ error: expect.stringMatching(/input 0 is \d+ tokens/) as unknown })
})

test('bad requests get a 400 (or 404) naming the problem, and the server keeps answering', async () => {
  const openAiCases: Array<{ body: Record<string, unknown>, status: number, param: string | null, message: RegExp }> = [
    { body: { model: MODEL }, status: 400, param: 'input', message: /input/ },
    { body: { model: MODEL, input: [] }, status: 400, param: 'input', message: /must not be empty/ },
    { body: { model: MODEL, input: '' }, status: 400, param: null, message: /input 0 is empty/ },
    { body: { model: MODEL, input: ['a', ''] }, status: 400, param: null, message: /input 1 is empty/ },
    { body: { model: MODEL, input: [1, -1] }, status: 400, param: 'input', message: /token ids/ },
    { body: { model: MODEL, input: ['a', { text: 'b' }] }, status: 400, param: 'input[1]', message: /must be a string/ },
    { body: { model: MODEL, input: [[1, 2], []] }, status: 400, param: 'input[1]', message: /token ids/ },
    { body: { model: MODEL, input: [[5, 99999999]] }, status: 400, param: null, message: /not a token of this model/ },
    { body: { model: MODEL, input: Array.from({ length: MAX_EMBEDDING_INPUTS + 1 }, () => 'a') }, status: 400, param: 'input', message: /at most 2048 inputs/ },
    { body: { model: MODEL, input: 'a', encoding_format: 'int8' }, status: 400, param: 'encoding_format', message: /float.*base64/ },
    { body: { model: MODEL, input: 'a', dimensions: 64 }, status: 400, param: 'dimensions', message: /192 dimensions/ },
    { body: { model: 'text-embedding-3-small', input: 'a' }, status: 404, param: 'model', message: /does not exist/ }
  ]
  for (const { body, status, param, message } of openAiCases) {
    const response = await post('/v1/embeddings', body)
    const label = JSON.stringify(body).slice(0, 80)
    expect(response.status, label).toBe(status)
    const { error } = await response.json() as { error: { message: string, param: string | null } }
    expect(error.param, label).toBe(param)
    expect(error.message, label).toMatch(message)
  }
  const ollamaCases: Array<{ path: string, body: Record<string, unknown>, status: number, message: RegExp }> = [
    { path: '/api/embed', body: { model: MODEL, input: 5 }, status: 400, message: /string or an array of strings/ },
    { path: '/api/embed', body: { model: MODEL, input: ['a', ''] }, status: 400, message: /input 1 is empty/ },
    { path: '/api/embed', body: { model: MODEL, input: 'a', dimensions: 8 }, status: 400, message: /192 dimensions/ },
    { path: '/api/embed', body: { model: 'nomic-embed-text', input: 'a' }, status: 404, message: /not found/ },
    { path: '/api/embeddings', body: { model: MODEL, prompt: ['a'] }, status: 400, message: /prompt/ },
    { path: '/api/embeddings', body: { prompt: 'a' }, status: 400, message: /model/ }
  ]
  for (const { path, body, status, message } of ollamaCases) {
    const response = await post(path, body)
    const label = `${path} ${JSON.stringify(body)}`
    expect(response.status, label).toBe(status)
    expect((await response.json() as { error: string }).error, label).toMatch(message)
  }
  expect((await fetch(`${node.url}/health`)).status).toBe(200)
  expect(node.child.exitCode).toBeNull()
})

test('--embedding-model: embeddings come from that model, under its file name, and the served model still chats', async () => {
  test.setTimeout(90_000)
  const pair = await ensureDemoPair()
  // A random model of another width (256): its vectors cannot be the served model's.
  const { target: embeddingModel } = await ensureDemoModels()
  const separate = await verifierNode(['--model', pair.target, '--model-name', MODEL, '--embedding-model', embeddingModel])
  const name = embeddingModel.split('/').at(-1)?.replace(/\.gguf$/, '') ?? ''
  const result = await new OpenAI({ baseURL: `${separate.url}/v1`, apiKey: 'unused', maxRetries: 0 }).embeddings.create({ model: name, input: TEXTS[0] ?? '' })
  const own = await referenceEmbeddings(embeddingModel, [TEXTS[0] ?? ''])
  expectClose(result.data[0]?.embedding, unit(own.vectors[0] ?? []))
  expect(result.data[0]?.embedding).toHaveLength(256)
  expect((await fetch(`${separate.url}/v1/embeddings`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model: MODEL, input: 'a' }) })).status).toBe(404)
  const chat = await fetch(`${separate.url}/v1/chat/completions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4 }) })
  expect(chat.status).toBe(200)
})

test('more embedding requests than the queue holds: 503 with Retry-After for the rest, the others answered', async () => {
  test.setTimeout(90_000)
  const pair = await ensureDemoPair()
  // No queue: one request is embedded, any other at that moment is refused.
  const busy = await verifierNode(['--model', pair.target, '--model-name', MODEL, '--queue-size', '0'])
  const long = 'and then the cat ran to the park '.repeat(60)
  const responses = await Promise.all(Array.from({ length: 4 }, async () => fetch(`${busy.url}/v1/embeddings`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: MODEL, input: Array.from({ length: 20 }, () => long), encoding_format: 'float' })
  })))
  const statuses = responses.map((response) => response.status).sort()
  expect(statuses[0]).toBe(200)
  expect(statuses.at(-1)).toBe(503)
  for (const response of responses) {
    if (response.status === 503) {
      expect(response.headers.get('retry-after')).toBe('1')
      expect(await response.json()).toMatchObject({ error: { type: 'server_error', code: 'server_busy' } })
    } else {
      expect(FloatEmbeddings.parse(await response.json()).data).toHaveLength(20)
    }
  }
  // Once the queue is free again, the next is answered.
  expect((await fetch(`${busy.url}/v1/embeddings`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model: MODEL, input: 'a' }) })).status).toBe(200)
})

test('a missing --embedding-model stops the start with one line', async () => {
  const relayUrl = `http://127.0.0.1:${await freePort()}`
  const pair = await ensureDemoPair()
  const failing = startGpuNode({ relayUrl, extraArgs: ['--threads', '1', '--gpu', 'off', '--model', pair.target, '--embedding-model', '/nonexistent/embedder.gguf'] })
  await expect(failing).rejects.toThrow(/exited with code 1[\s\S]*error: .*embedder\.gguf/)
})

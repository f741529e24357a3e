/**
 * `POST /v1/completions` as clients use it: a real relay and gpu-node running
 * the demo story model, the official `openai` client and plain `fetch`. A raw
 * prompt skips the chat template, so at temperature 0 the answer must be,
 * byte for byte, what node-llama-cpp's own `LlamaCompletion` writes for the
 * same prompt; and with a drafter attached (Shoal's Drafter over direct
 * WebRTC) it must be the same again. A small random model with
 * fill-in-the-middle tokens checks `suffix` against node-llama-cpp's infill.
 */
import { expect, test } from '@playwright/test'
import OpenAI, { APIError } from 'openai'
import { getLlama, LlamaCompletion, LlamaLogLevel } from 'node-llama-cpp'
import { z } from 'zod'
import { join } from 'node:path'
import { GgufValueType } from '#gguf'
import { writeGgufFile } from '#gguf/writer'
import { promptHash, receiptFromJson, sha256Hex } from '#protocol'
import { demoModelSpec } from '../../gpu-node/src/model/demo-models.ts'
import { createLlamaDraftEngine, startNodeDrafter } from '../support/drafters.ts'
import { readMetrics } from '../support/metrics.ts'
import { ensureDemoPair } from '../support/models.ts'
import { freePort, startGpuNode, startRelay, temporaryDirectory, waitFor } from '../support/processes.ts'
import type { NodeDrafter } from '../support/drafters.ts'
import type { ShoalProcess } from '../support/processes.ts'

test.describe.configure({ mode: 'serial' })

const MODEL = 'shoal-demo'
const PROMPT = 'Once upon a time, there was a little girl named Mia. One day,'
const MAX_TOKENS = 40

let relay: ShoalProcess
let node: ShoalProcess
let client: OpenAI
let reference: { text: string, promptTokens: number[], logprobs: number[] }
const drafters: NodeDrafter[] = []

/**
 * node-llama-cpp's own greedy completion of `prompt` (tokenized as a raw
 * prompt: special tokens parsed), on a fresh context; and, token by token
 * with its low-level evaluation, the log-probability of each greedy token.
 */
async function referenceCompletion (modelPath: string, prompt: string, maxTokens: number): Promise<{ text: string, promptTokens: number[], logprobs: number[] }> {
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1, logLevel: LlamaLogLevel.error })
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 })
  try {
    const context = await model.createContext({ contextSize: 512, sequences: 1, threads: 1 })
    const completion = new LlamaCompletion({ contextSequence: context.getSequence() })
    const promptTokens = model.tokenize(prompt, true)
    const text = await completion.generateCompletion(promptTokens, { temperature: 0, repeatPenalty: false, maxTokens })
    completion.dispose()
    await context.dispose()
    const scoring = await model.createContext({ contextSize: 512, sequences: 1, threads: 1 })
    const sequence = scoring.getSequence()
    const logprobs: number[] = []
    let input = promptTokens
    for (let step = 0; step < maxTokens; step++) {
      const results = await sequence.controlledEvaluate(input.map((token, index) => index === input.length - 1 ? [token, { generateNext: { token: true, probabilities: true, options: { temperature: 0 } } }] : token))
      const next = results.at(-1)?.next
      if (next?.token == null || model.isEogToken(next.token)) {
        break
      }
      logprobs.push(Math.log(next.probabilities?.get(next.token) ?? 0))
      input = [next.token]
    }
    await scoring.dispose()
    return { text, promptTokens, logprobs }
  } finally {
    await model.dispose()
  }
}

test.beforeAll(async () => {
  test.setTimeout(120_000)
  const pair = await ensureDemoPair()
  relay = await startRelay()
  node = await startGpuNode({ relayUrl: relay.url, extraArgs: ['--model', pair.target, '--model-name', MODEL, '--threads', '1', '--gpu', 'off', '--capacity', '2'] })
  await waitFor('the model to load', async () => (await fetch(`${node.url}/v1/models`)).ok ? true : undefined, 30_000)
  client = new OpenAI({ baseURL: `${node.url}/v1`, apiKey: 'unused', maxRetries: 0 })
  reference = await referenceCompletion(pair.target, PROMPT, MAX_TOKENS)
  expect(reference.text.length).toBeGreaterThan(0)
})

test.afterEach(async () => {
  await Promise.all(drafters.splice(0).map(async (drafter) => { await drafter.stop() }))
})

test.afterAll(async () => {
  await node?.stop()
  await relay?.stop()
})

const OpenAiError = z.object({
  error: z.object({ message: z.string().min(1), type: z.string(), param: z.string().nullable(), code: z.string().nullable() })
})

async function postCompletions (body: unknown): Promise<Response> {
  return fetch(`${node.url}/v1/completions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
}

test('a prompt is completed as it stands, exactly as node-llama-cpp\'s LlamaCompletion completes it', async () => {
  const completion = await client.completions.create({ model: MODEL, prompt: PROMPT, max_tokens: MAX_TOKENS, temperature: 0 })
  expect(completion.object).toBe('text_completion')
  expect(completion.model).toBe(MODEL)
  expect(completion.choices).toHaveLength(1)
  expect(completion.choices[0]?.text).toBe(reference.text)
  expect(completion.choices[0]?.finish_reason).toBe('length')
  // No chat template around it: the prompt is its own tokens and nothing else.
  expect(completion.usage).toEqual({ prompt_tokens: reference.promptTokens.length, completion_tokens: MAX_TOKENS, total_tokens: reference.promptTokens.length + MAX_TOKENS })

  // The receipt covers this answer and this prompt, as turns of its own.
  const receipt = await receiptFromJson((completion as unknown as { receipt: unknown }).receipt)
  expect(receipt.outputHash).toBe(await sha256Hex(reference.text))
  expect(receipt.promptHash).toBe(await promptHash([{ role: 'prompt', content: PROMPT }]))
})

/** Ollama's `/api/generate`, not streamed. */
async function ollamaGenerate (url: string, body: Record<string, unknown>): Promise<{ status: number, json: { response?: string, done_reason?: string, error?: { message: string } } }> {
  const response = await fetch(`${url}/api/generate`, { method: 'POST', body: JSON.stringify({ stream: false, ...body }) })
  return { status: response.status, json: await response.json() as { response?: string, done_reason?: string, error?: { message: string } } }
}

test('Ollama\'s /api/generate with raw: the prompt as it stands, the answer /v1/completions gives; a suffix without fill-in-the-middle tokens, or a format with raw, is a 400', async () => {
  const raw = await ollamaGenerate(node.url, { model: MODEL, prompt: PROMPT, raw: true, options: { temperature: 0, num_predict: MAX_TOKENS } })
  expect(raw.status).toBe(200)
  expect(raw.json.response).toBe(reference.text)
  expect(raw.json.done_reason).toBe('length')
  // Without raw, the prompt is a chat turn: another answer.
  const templated = await ollamaGenerate(node.url, { model: MODEL, prompt: PROMPT, options: { temperature: 0, num_predict: MAX_TOKENS } })
  expect(templated.json.response).not.toBe(reference.text)
  const suffix = await ollamaGenerate(node.url, { model: MODEL, prompt: PROMPT, suffix: 'the end' })
  expect(suffix.status).toBe(400)
  expect(JSON.stringify(suffix.json)).toMatch(/fill-in-the-middle/)
  expect((await ollamaGenerate(node.url, { model: MODEL, prompt: PROMPT, raw: true, format: 'json' })).status).toBe(400)
})

test('the prompt as token ids, as a list of one string and as a list of one token list: the same answer', async () => {
  for (const prompt of [reference.promptTokens, [PROMPT], [reference.promptTokens]]) {
    const completion = await client.completions.create({ model: MODEL, prompt, max_tokens: MAX_TOKENS, temperature: 0 })
    expect(completion.choices[0]?.text, JSON.stringify(prompt).slice(0, 40)).toBe(reference.text)
    expect(completion.usage?.prompt_tokens).toBe(reference.promptTokens.length)
  }
})

test('special tokens spelled in a prompt are those tokens: a ChatML prompt written by hand is the chat\'s own prompt', async () => {
  const question = 'Tell me about a cat.'
  const chat = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: question }], max_tokens: MAX_TOKENS, temperature: 0 })
  // The chat template starts with the BOS token (<|endoftext|> in this model), then ChatML.
  const raw = await client.completions.create({ model: MODEL, prompt: `<|endoftext|><|im_start|>user\n${question}<|im_end|>\n<|im_start|>assistant\n`, max_tokens: MAX_TOKENS, temperature: 0 })
  expect(raw.usage?.prompt_tokens).toBe(chat.usage?.prompt_tokens)
  expect(raw.choices[0]?.text).toBe(chat.choices[0]?.message.content)
})

test('streaming: the chunks spell the same answer, then finish_reason, usage with the receipt, and [DONE]', async () => {
  const stream = await client.completions.create({ model: MODEL, prompt: PROMPT, max_tokens: MAX_TOKENS, temperature: 0, stream: true, stream_options: { include_usage: true } })
  let text = ''
  const finishReasons: Array<string | null> = []
  let usage: OpenAI.CompletionUsage | undefined | null
  let receipt: unknown
  for await (const chunk of stream) {
    expect(chunk.object).toBe('text_completion')
    for (const choice of chunk.choices) {
      text += choice.text
      finishReasons.push(choice.finish_reason)
    }
    if (chunk.choices.length === 0) {
      usage = chunk.usage
      receipt = (chunk as unknown as { receipt?: unknown }).receipt
    }
  }
  expect(text).toBe(reference.text)
  expect(finishReasons.filter((reason) => reason != null)).toEqual(['length'])
  expect(usage?.completion_tokens).toBe(MAX_TOKENS)
  expect((await receiptFromJson(receipt)).outputHash).toBe(await sha256Hex(reference.text))
})

test('echo puts the prompt before the answer; stop ends it before the stop string', async () => {
  const echoed = await client.completions.create({ model: MODEL, prompt: PROMPT, max_tokens: MAX_TOKENS, temperature: 0, echo: true })
  expect(echoed.choices[0]?.text).toBe(PROMPT + reference.text)
  const echoedTokens = await client.completions.create({ model: MODEL, prompt: reference.promptTokens, max_tokens: 4, temperature: 0, echo: true })
  expect(echoedTokens.choices[0]?.text.startsWith(PROMPT)).toBe(true)

  // A stop string from the middle of the reference answer.
  const stop = reference.text.slice(Math.floor(reference.text.length / 2), Math.floor(reference.text.length / 2) + 3)
  const stopped = await client.completions.create({ model: MODEL, prompt: PROMPT, max_tokens: MAX_TOKENS, temperature: 0, stop })
  expect(stopped.choices[0]?.finish_reason).toBe('stop')
  expect(stopped.choices[0]?.text).toBe(reference.text.slice(0, reference.text.indexOf(stop)))
})

test('without max_tokens a completion writes OpenAI\'s default of 16 tokens', async () => {
  const completion = await client.completions.create({ model: MODEL, prompt: PROMPT, temperature: 0 })
  expect(completion.usage?.completion_tokens).toBe(16)
  expect(reference.text.startsWith(completion.choices[0]?.text ?? '-')).toBe(true)
})

const LegacyLogprobs = z.object({
  tokens: z.array(z.string()),
  token_logprobs: z.array(z.number()),
  top_logprobs: z.array(z.record(z.string(), z.number())),
  text_offset: z.array(z.int())
})
const CompletionWithLogprobs = z.object({ choices: z.array(z.object({ text: z.string(), logprobs: LegacyLogprobs })) })

test('logprobs: each token\'s log-probability is node-llama-cpp\'s, the chosen token the likeliest of its alternatives; the answer is unchanged', async () => {
  const response = await postCompletions({ model: MODEL, prompt: PROMPT, max_tokens: MAX_TOKENS, temperature: 0, logprobs: 3 })
  expect(response.status).toBe(200)
  const choice = CompletionWithLogprobs.parse(await response.json()).choices[0]
  expect(choice?.text).toBe(reference.text)
  const logprobs = choice?.logprobs
  expect(logprobs?.tokens.join('')).toBe(reference.text)
  expect(logprobs?.tokens).toHaveLength(MAX_TOKENS)
  expect(logprobs?.token_logprobs).toHaveLength(reference.logprobs.length)
  for (const [index, logprob] of (logprobs?.token_logprobs ?? []).entries()) {
    expect(Math.abs(logprob - (reference.logprobs[index] ?? Number.NaN)), `token ${index}`).toBeLessThan(1e-4)
    const top = logprobs?.top_logprobs[index] ?? {}
    // Greedy: the chosen token is the likeliest; its alternatives are no more likely; 3 asked for, the chosen one among them.
    expect(Object.keys(top).length).toBeLessThanOrEqual(4)
    expect(Object.keys(top).length).toBeGreaterThanOrEqual(3)
    expect(top[logprobs?.tokens[index] ?? '']).toBe(logprob)
    expect(Math.max(...Object.values(top))).toBeCloseTo(logprob, 6)
  }
  // Offsets: where each token's text starts in the answer.
  expect(logprobs?.text_offset[0]).toBe(0)
  for (const [index, offset] of (logprobs?.text_offset ?? []).entries()) {
    expect(reference.text.slice(offset, offset + (logprobs?.tokens[index]?.length ?? 0))).toBe(logprobs?.tokens[index])
  }

  // Streamed, the chunks' logprobs add up to the same, offsets carrying on from chunk to chunk.
  const streamed = await fetch(`${node.url}/v1/completions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model: MODEL, prompt: PROMPT, max_tokens: MAX_TOKENS, temperature: 0, logprobs: 3, stream: true }) })
  const chunks = (await streamed.text()).split('\n\n').filter((event) => event.startsWith('data: {')).map((event) => z.object({ choices: z.array(z.object({ text: z.string(), logprobs: LegacyLogprobs })) }).parse(JSON.parse(event.slice('data: '.length))))
  const joined = { tokens: [] as string[], token_logprobs: [] as number[], top_logprobs: [] as Array<Record<string, number>>, text_offset: [] as number[] }
  for (const chunk of chunks) {
    for (const key of ['tokens', 'token_logprobs', 'top_logprobs', 'text_offset'] as const) {
      (joined[key] as unknown[]).push(...(chunk.choices[0]?.logprobs[key] ?? []))
    }
  }
  expect(joined).toEqual(logprobs)

  // Above temperature 0 a seed repeats the answer and its logprobs; each chosen token is among its own top.
  const seeded = async (): Promise<unknown> => (await postCompletions({ model: MODEL, prompt: PROMPT, max_tokens: 16, temperature: 0.9, seed: 5, logprobs: 2 })).json()
  const first = CompletionWithLogprobs.parse(await seeded())
  expect(CompletionWithLogprobs.parse(await seeded())).toEqual(first)
  const sampled = first.choices[0]?.logprobs
  expect(sampled?.tokens.join('')).toBe(first.choices[0]?.text)
  for (const [index, logprob] of (sampled?.token_logprobs ?? []).entries()) {
    expect(logprob).toBeLessThanOrEqual(0)
    expect(sampled?.top_logprobs[index]?.[sampled.tokens[index] ?? '']).toBe(logprob)
  }
})

test('with a drafter attached, a completion (and its logprobs) is the one without, and the drafter\'s drafts were verified', async () => {
  test.setTimeout(120_000)
  const pair = await ensureDemoPair()
  await waitFor('the verifier\'s WebRTC address', async () => {
    const health = await (await fetch(`${node.url}/health`)).json() as { addresses: string[] }
    return health.addresses.some((address) => address.includes('/p2p-circuit/webrtc/')) ? true : undefined
  }, 30_000)
  // The distilled draft: about 3x cheaper per token than the target, so its drafts arrive in time to be verified.
  const drafter = await startNodeDrafter(node.url, await createLlamaDraftEngine(pair.draft, { contextSize: 512 }))
  drafters.push(drafter)
  await waitFor('the verifier to take the drafter', async () => (await readMetrics(node.url)).get('shoal_gpu_node_drafters') === 1 ? true : undefined)
  const body = { model: MODEL, prompt: PROMPT, max_tokens: MAX_TOKENS, temperature: 0 }
  const alone: unknown = await (await postCompletions({ ...body, logprobs: 5, privacy: 'verifier-only' })).json()

  /**
   * Asks (with drafters allowed) until an answer had drafts verified and accepted in it: the verifier never
   * waits for drafts, so one answer may get none, or only the few the drafter sent before it caught up.
   */
  const drafted = async (request: Record<string, unknown>): Promise<{ answer: unknown, verified: number, accepted: number }> => waitFor('an answer with drafts verified and accepted in it', async () => {
    const before = await readMetrics(node.url)
    const response = await postCompletions({ ...request, privacy: 'drafters-allowed' })
    expect(response.status).toBe(200)
    const answer: unknown = await response.json()
    const after = await readMetrics(node.url)
    const delta = (name: string): number => (after.get(name) ?? 0) - (before.get(name) ?? 0)
    const verified = delta('shoal_gpu_node_draft_tokens_verified_total')
    const accepted = delta('shoal_gpu_node_draft_tokens_accepted_total')
    return verified > 0 && accepted > 0 ? { answer, verified, accepted } : undefined
  }, 60_000)

  const plain = await drafted(body)
  expect((plain.answer as { choices: Array<{ text: string }> }).choices[0]?.text).toBe(reference.text)
  expect(plain.accepted).toBeGreaterThan(0)
  expect(plain.accepted).toBeLessThanOrEqual(plain.verified)
  // Log-probabilities too: each position of a drafted pass scores the same tokens as a pass of one token
  // does, to llama.cpp's batched arithmetic (a pass of several tokens rounds a little differently).
  const scored = await drafted({ ...body, logprobs: 5 })
  const drafts = CompletionWithLogprobs.parse(scored.answer).choices[0]
  const own = CompletionWithLogprobs.parse(alone).choices[0]
  expect(drafts?.text).toBe(own?.text)
  expect(drafts?.logprobs.tokens).toEqual(own?.logprobs.tokens)
  expect(drafts?.logprobs.text_offset).toEqual(own?.logprobs.text_offset)
  expect(drafts?.logprobs.top_logprobs.map((top) => Object.keys(top).sort())).toEqual(own?.logprobs.top_logprobs.map((top) => Object.keys(top).sort()))
  for (const [index, logprob] of (drafts?.logprobs.token_logprobs ?? []).entries()) {
    expect(Math.abs(logprob - (own?.logprobs.token_logprobs[index] ?? Number.NaN)), `token ${index}`).toBeLessThan(1e-4)
  }
  // Streaming with the drafter: the same text again.
  const stream = await client.completions.create({ ...body, stream: true, privacy: 'drafters-allowed' } as OpenAI.CompletionCreateParamsStreaming)
  let text = ''
  for await (const chunk of stream) {
    text += chunk.choices.map((choice) => choice.text).join('')
  }
  expect(text).toBe(reference.text)
})

test('bad requests get a 400 naming the problem, and the server keeps answering', async () => {
  const cases: Array<{ body: Record<string, unknown>, status: number, param: string | null, message: RegExp }> = [
    { body: { model: MODEL }, status: 400, param: 'prompt', message: /prompt/ },
    { body: { model: MODEL, prompt: [] }, status: 400, param: 'prompt', message: /must not be empty/ },
    { body: { model: MODEL, prompt: ['one', 'two'] }, status: 400, param: 'prompt', message: /one prompt/ },
    { body: { model: MODEL, prompt: [1, -2] }, status: 400, param: 'prompt', message: /token ids/ },
    { body: { model: MODEL, prompt: [[1], [2]] }, status: 400, param: 'prompt', message: /one prompt/ },
    { body: { model: MODEL, prompt: { text: 'x' } }, status: 400, param: 'prompt', message: /must be a string/ },
    { body: { model: MODEL, prompt: [1, 99999999] }, status: 400, param: null, message: /not a token of this model/ },
    { body: { model: MODEL, prompt: '' }, status: 400, param: null, message: /prompt is empty/ },
    { body: { model: MODEL, prompt: 'a', n: 2 }, status: 400, param: 'n', message: /n=1/ },
    { body: { model: MODEL, prompt: 'a', best_of: 3 }, status: 400, param: 'best_of', message: /best_of=1/ },
    { body: { model: MODEL, prompt: 'a', suffix: 'the end' }, status: 400, param: null, message: /fill-in-the-middle/ },
    { body: { model: MODEL, prompt: 'a', logprobs: 6 }, status: 400, param: 'logprobs', message: /at most 5/ },
    { body: { model: MODEL, prompt: 'a', logprobs: true }, status: 400, param: 'logprobs', message: /logprobs/ },
    { body: { model: MODEL, prompt: 'a', logprobs: 1, echo: true }, status: 400, param: 'logprobs', message: /echo/ },
    { body: { model: MODEL, prompt: 'a', max_tokens: 0 }, status: 400, param: 'max_tokens', message: /max_tokens/ },
    { body: { model: MODEL, prompt: 'a', max_tokens: 5000 }, status: 400, param: 'max_tokens', message: /more than this server allows/ },
    { body: { model: MODEL, prompt: 'a', temperature: 3 }, status: 400, param: 'temperature', message: /at most 2/ },
    { body: { model: MODEL, prompt: 'a', stop: ['a', 'b', 'c', 'd', 'e'] }, status: 400, param: 'stop', message: /at most 4/ },
    { body: { model: 'gpt-4', prompt: 'a' }, status: 404, param: 'model', message: /does not exist/ }
  ]
  for (const { body, status, param, message } of cases) {
    const response = await postCompletions(body)
    const label = JSON.stringify(body)
    expect(response.status, label).toBe(status)
    const error = OpenAiError.parse(await response.json()).error
    expect(error.param, label).toBe(param)
    expect(error.message, label).toMatch(message)
  }
  // The official client raises them as API errors.
  const refused = await client.completions.create({ model: MODEL, prompt: 'a', n: 2 }).catch((err: unknown) => err)
  expect(refused).toBeInstanceOf(APIError)
  expect((refused as APIError).status).toBe(400)
  expect((await fetch(`${node.url}/health`)).status).toBe(200)
  expect(node.child.exitCode).toBeNull()
})

test('suffix on a model with fill-in-the-middle tokens: the infill node-llama-cpp\'s LlamaCompletion writes, laid out <PRE> prompt <SUF> suffix <MID>', async () => {
  test.setTimeout(90_000)
  // A small random model whose file names three of its tokens as the fill-in-the-middle ones.
  const spec = demoModelSpec('target', { width: 64, layers: 2, contextLength: 512 })
  const [pre, suf, mid] = [100, 101, 102]
  spec.metadata.push(
    ['tokenizer.ggml.fim_pre_token_id', { type: GgufValueType.UINT32, value: pre }],
    ['tokenizer.ggml.fim_suf_token_id', { type: GgufValueType.UINT32, value: suf }],
    ['tokenizer.ggml.fim_mid_token_id', { type: GgufValueType.UINT32, value: mid }]
  )
  const modelPath = join(await temporaryDirectory(), 'fill-in-the-middle.gguf')
  await writeGgufFile(modelPath, spec)
  const prefix = 'def add(a, b):'
  const suffix = '    return c'
  const maxTokens = 12

  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1, logLevel: LlamaLogLevel.error })
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 })
  const context = await model.createContext({ contextSize: 512, sequences: 1, threads: 1 })
  const completion = new LlamaCompletion({ contextSequence: context.getSequence() })
  const prefixTokens = model.tokenize(prefix, true)
  const suffixTokens = model.tokenize(suffix, true)
  const infill = await completion.generateInfillCompletion(prefixTokens, suffixTokens, { temperature: 0, repeatPenalty: false, maxTokens })
  completion.dispose()
  await context.dispose()
  await model.dispose()
  expect(infill.length).toBeGreaterThan(0)

  const fim = await startGpuNode({ relayUrl: `http://127.0.0.1:${await freePort()}`, extraArgs: ['--model', modelPath, '--model-name', 'fim', '--threads', '1', '--gpu', 'off'] })
  try {
    await waitFor('the model to load', async () => (await fetch(`${fim.url}/v1/models`)).ok ? true : undefined, 30_000)
    const answer = await new OpenAI({ baseURL: `${fim.url}/v1`, apiKey: 'unused', maxRetries: 0 }).completions.create({ model: 'fim', prompt: prefix, suffix, max_tokens: maxTokens, temperature: 0 })
    expect(answer.choices[0]?.text).toBe(infill)
    // Ollama's `suffix` is the same fill in the middle.
    expect((await ollamaGenerate(fim.url, { model: 'fim', prompt: prefix, suffix, options: { temperature: 0, num_predict: maxTokens } })).json.response).toBe(infill)
    expect(answer.usage?.prompt_tokens).toBe(prefixTokens.length + suffixTokens.length + 3)
    const receipt = await receiptFromJson((answer as unknown as { receipt: unknown }).receipt)
    expect(receipt.promptHash).toBe(await promptHash([{ role: 'prompt', content: prefix }, { role: 'suffix', content: suffix }]))
    // Ollama's clients see it can fill in: `insert`.
    const shown = await (await fetch(`${fim.url}/api/show`, { method: 'POST', body: JSON.stringify({ model: 'fim' }) })).json() as { capabilities: string[] }
    expect(shown.capabilities).toContain('insert')
  } finally {
    await fim.stop()
  }
})

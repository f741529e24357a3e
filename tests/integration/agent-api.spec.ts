/**
 * What agents ask of the HTTP API, through the official `openai` and `ollama`
 * clients, on a real gpu-node running the random demo model: its text is
 * noise, so only the grammar can make a JSON answer or a tool call's
 * arguments validate. The same questions asked again with a contributing
 * drafter get the same answers, token for token.
 */
import { expect, test } from '@playwright/test'
import { Ajv } from 'ajv'
import { ChatOpenAI } from '@langchain/openai'
import { getLlama, resolveChatWrapper } from 'node-llama-cpp'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { toolCallSyntax } from '../../gpu-node/src/verifier/tool-call-syntax.ts'
import { createLlamaDraftEngine, startNodeDrafter } from '../support/drafters.ts'
import { readMetrics } from '../support/metrics.ts'
import { ensureDemoModels } from '../support/models.ts'
import { startGpuNode, startRelay, waitFor } from '../support/processes.ts'
import type { NodeDrafter } from '../support/drafters.ts'
import type { ShoalProcess } from '../support/processes.ts'
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionTool } from 'openai/resources/chat/completions'
import { z } from 'zod'

test.describe.configure({ mode: 'serial' })

const MODEL = 'shoal-demo'
const ANSWER = {
  type: 'object',
  properties: { ok: { type: 'boolean' }, colour: { type: 'string', enum: ['red', 'green', 'blue'] }, tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] }, maxItems: 3 } },
  required: ['ok', 'colour', 'tags'],
  additionalProperties: false
}
const WEATHER = { type: 'object', properties: { city: { type: 'string', enum: ['Paris', 'Oslo'] }, celsius: { type: 'boolean' } }, required: ['city', 'celsius'], additionalProperties: false }
const TIME = { type: 'object', properties: { zone: { type: 'string', enum: ['UTC', 'CET'] } }, required: ['zone'], additionalProperties: false }
const TOOLS: ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', description: 'The weather in a city', parameters: WEATHER, strict: true } },
  { type: 'function', function: { name: 'get_time', description: 'The time in a zone', parameters: TIME } }
]
const validators = { answer: new Ajv().compile(ANSWER), get_weather: new Ajv().compile(WEATHER), get_time: new Ajv().compile(TIME) }

/**
 * Passes padded to 10 ms, as a GPU takes them: on this CPU the random model writes a token in about
 * 1 ms, before any draft could arrive, and the drafting check below would see none.
 */
const EMULATED_GPU = ['--emulate-pass-cost', '10,0.25']

let relay: ShoalProcess
let verifier: ShoalProcess
let openai: OpenAI
let target: string
/** OpenAI's logit_bias toward the first token of the model's call syntax: the answer begins a call, and the grammar holds it to one. */
let towardCall: Record<string, number>

/** The first token of the served model's call start (its chat wrapper's), as the verifier's grammar knows it. */
async function callStartToken (modelPath: string): Promise<number> {
  const llama = await getLlama({ gpu: false, build: 'never' })
  try {
    const model = await llama.loadModel({ modelPath, gpuLayers: 0, vocabOnly: true })
    const token = model.tokenize(toolCallSyntax(resolveChatWrapper(model), model)?.startToken ?? '', true)[0]
    if (token === undefined) throw new Error('the demo model\'s chat wrapper has no call syntax')
    return token
  } finally {
    await llama.dispose()
  }
}

test.beforeAll(async () => {
  test.setTimeout(120_000)
  target = (await ensureDemoModels()).target
  towardCall = { [await callStartToken(target)]: 100 }
  QUESTIONS.push({ name: 'tool_choice auto, biased toward a call', params: { model: MODEL, messages: [{ role: 'user', content: 'Weather?' }], temperature: 0, max_tokens: 200, tools: TOOLS, logit_bias: towardCall } })
  relay = await startRelay()
  verifier = await startGpuNode({ relayUrl: relay.url, extraArgs: ['--model', target, '--model-name', MODEL, '--threads', '1', '--gpu', 'off', '--capacity', '2', ...EMULATED_GPU] })
  await waitFor('the verifier\'s WebRTC address', async () => {
    const health = await (await fetch(`${verifier.url}/health`)).json() as { addresses: string[] }
    return health.addresses.some((address) => address.includes('/p2p-circuit/webrtc/')) ? true : undefined
  }, 30_000)
  openai = new OpenAI({ baseURL: `${verifier.url}/v1`, apiKey: 'unused', maxRetries: 0 })
})

test.afterAll(async () => {
  await verifier?.stop()
  await relay?.stop()
})

/** The questions, asked the way agents ask them; the answers kept to compare with drafting. */
const QUESTIONS: Array<{ name: string, params: ChatCompletionCreateParamsNonStreaming }> = [
  { name: 'json_schema', params: { model: MODEL, messages: [{ role: 'user', content: 'Describe the sea.' }], temperature: 0, max_tokens: 200, response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: ANSWER, strict: true } } } },
  { name: 'json_schema, sampled', params: { model: MODEL, messages: [{ role: 'user', content: 'hello' }], temperature: 0.9, seed: 11, max_tokens: 200, response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: ANSWER, strict: true } } } },
  { name: 'tool_choice required', params: { model: MODEL, messages: [{ role: 'user', content: 'What now?' }], temperature: 0, max_tokens: 200, tools: TOOLS, tool_choice: 'required' } },
  { name: 'tool_choice get_time', params: { model: MODEL, messages: [{ role: 'user', content: 'What time is it?' }], temperature: 0, max_tokens: 200, tools: TOOLS, tool_choice: { type: 'function', function: { name: 'get_time' } } } }
]

async function askAll (privacy: 'verifier-only' | 'drafters-allowed'): Promise<string[]> {
  const answers: string[] = []
  for (const { params } of QUESTIONS) {
    const completion = await openai.chat.completions.create({ ...params, privacy } as ChatCompletionCreateParamsNonStreaming)
    const message = completion.choices[0]?.message
    // Call ids are fresh for every answer; everything else must be the same.
    answers.push(JSON.stringify({ ...message, tool_calls: message?.tool_calls?.map(({ id: _id, ...call }) => call) }))
  }
  return answers
}

let alone: string[] = []

test('json_schema answers validate against their schema, whole and streamed', async () => {
  for (const { params } of QUESTIONS.slice(0, 2)) {
    const completion = await openai.chat.completions.create(params)
    const content = completion.choices[0]?.message.content ?? ''
    expect(completion.choices[0]?.finish_reason).toBe('stop')
    expect(validators.answer(JSON.parse(content)), content).toBe(true)
    let streamed = ''
    for await (const chunk of await openai.chat.completions.create({ ...params, stream: true })) {
      streamed += chunk.choices[0]?.delta.content ?? ''
    }
    expect(streamed).toBe(content)
  }
  // json_object: JSON from the first token.
  const json = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], temperature: 0, max_tokens: 16, response_format: { type: 'json_object' } })
  expect(json.choices[0]?.message.content?.trimStart().startsWith('{')).toBe(true)
})

test('a forced tool call (required, or by name) comes as tool_calls whose arguments fit the tool, whole and streamed', async () => {
  for (const { params } of QUESTIONS.slice(2, 4)) {
    const completion = await openai.chat.completions.create(params)
    const choice = completion.choices[0]
    expect(choice?.finish_reason).toBe('tool_calls')
    expect(choice?.message.content).toBeNull()
    const call = choice?.message.tool_calls?.[0]
    expect(choice?.message.tool_calls).toHaveLength(1)
    if (call?.type !== 'function') throw new Error('no function call')
    const name = call.function.name as 'get_weather' | 'get_time'
    if (typeof params.tool_choice === 'object' && params.tool_choice.type === 'function') {
      expect(name).toBe(params.tool_choice.function.name)
    }
    expect(validators[name](JSON.parse(call.function.arguments)), call.function.arguments).toBe(true)
    expect(call.id).toMatch(/^call_/)

    const streamed: Array<{ name?: string, arguments?: string }> = []
    let finishReason: string | null = null
    for await (const chunk of await openai.chat.completions.create({ ...params, stream: true })) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        streamed.push({ ...(delta.function?.name === undefined ? {} : { name: delta.function.name }), ...(delta.function?.arguments === undefined ? {} : { arguments: delta.function.arguments }) })
      }
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason
    }
    expect(finishReason).toBe('tool_calls')
    // The name first, then the arguments in pieces, as the model writes them.
    expect(streamed[0]).toEqual({ name, arguments: '' })
    expect(streamed.length).toBeGreaterThan(2)
    expect(streamed.slice(1).every((piece) => piece.name === undefined)).toBe(true)
    expect(streamed.map((piece) => piece.arguments ?? '').join('')).toBe(call.function.arguments)
  }
})

test('a tool\'s result in a later turn is taken, and the model answers in text', async () => {
  const completion = await openai.chat.completions.create({
    model: MODEL,
    temperature: 0,
    max_tokens: 8,
    tools: TOOLS,
    messages: [
      { role: 'user', content: 'Weather in Oslo?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo","celsius":true}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temperature":-3}' }
    ]
  })
  expect(completion.choices[0]?.finish_reason).toBe('length')
  expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0)
  // It costs prompt tokens: the call and its result are in the prompt.
  const bare = await openai.chat.completions.create({ model: MODEL, temperature: 0, max_tokens: 1, tools: TOOLS, messages: [{ role: 'user', content: 'Weather in Oslo?' }] })
  expect(completion.usage?.prompt_tokens).toBeGreaterThan(bare.usage?.prompt_tokens ?? Infinity)
})

test('tool_choice auto: biased toward the call syntax the model calls a tool on its own, arguments that fit and streamed in pieces; unbiased it answers in text; none never calls', async () => {
  const params: ChatCompletionCreateParamsNonStreaming = { model: MODEL, messages: [{ role: 'user', content: 'Weather?' }], temperature: 0.8, seed: 3, max_tokens: 200, tools: TOOLS, logit_bias: towardCall }
  const completion = await openai.chat.completions.create(params)
  const choice = completion.choices[0]
  expect(choice?.finish_reason).toBe('tool_calls')
  expect(choice?.message.content).toBeNull()
  expect(choice?.message.tool_calls).toHaveLength(1)
  const call = choice?.message.tool_calls?.[0]
  if (call?.type !== 'function') throw new Error('no function call')
  const name = call.function.name as 'get_weather' | 'get_time'
  expect(validators[name](JSON.parse(call.function.arguments)), call.function.arguments).toBe(true)

  // Streamed: the first piece has the id, type and name; the arguments follow in pieces that add up to them.
  const pieces: Array<{ index: number, id?: string, type?: string, name?: string, arguments?: string }> = []
  let finishReason: string | null = null
  let content = ''
  for await (const chunk of await openai.chat.completions.create({ ...params, stream: true })) {
    for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
      pieces.push({ index: delta.index, ...(delta.id == null ? {} : { id: delta.id }), ...(delta.type == null ? {} : { type: delta.type }), ...(delta.function?.name == null ? {} : { name: delta.function.name }), arguments: delta.function?.arguments ?? '' })
    }
    content += chunk.choices[0]?.delta.content ?? ''
    finishReason = chunk.choices[0]?.finish_reason ?? finishReason
  }
  expect(finishReason).toBe('tool_calls')
  expect(content).toBe('')
  expect(pieces[0]).toMatchObject({ index: 0, type: 'function', name, arguments: '' })
  expect(pieces[0]?.id).toMatch(/^call_/)
  expect(pieces.length).toBeGreaterThan(2)
  expect(pieces.every((piece) => piece.index === 0)).toBe(true)
  expect(pieces.map((piece) => piece.arguments).join('')).toBe(call.function.arguments)

  // Unbiased, the random model writes text; with `none` even the bias gives text.
  for (const unbiased of [{ logit_bias: null }, { tool_choice: 'none' as const }]) {
    const text = await openai.chat.completions.create({ ...params, max_tokens: 24, ...unbiased })
    expect(text.choices[0]?.finish_reason).toBe('length')
    expect(text.choices[0]?.message.tool_calls ?? []).toHaveLength(0)
    expect(text.choices[0]?.message.content?.length).toBeGreaterThan(0)
  }
})

test('LangChain: a tool bound with a zod schema is called, forced or on the model\'s own (biased toward the call syntax), with args that fit the schema', async () => {
  const weather = { name: 'get_weather', description: 'The weather in a city', schema: z.object({ city: z.enum(['Paris', 'Oslo']), celsius: z.boolean() }) }
  const model = new ChatOpenAI({ model: MODEL, temperature: 0, maxTokens: 200, apiKey: 'unused', maxRetries: 0, configuration: { baseURL: `${verifier.url}/v1` } })
  const forced = await model.bindTools([weather], { tool_choice: 'get_weather' }).invoke('Weather in Oslo?')
  expect(forced.tool_calls).toHaveLength(1)
  expect(forced.tool_calls?.[0]?.name).toBe('get_weather')
  expect(weather.schema.safeParse(forced.tool_calls?.[0]?.args).success, JSON.stringify(forced.tool_calls?.[0]?.args)).toBe(true)
  expect(forced.tool_calls?.[0]?.id).toMatch(/^call_/)
  // No tool_choice: the model decides; the bias makes it begin a call.
  const biased = new ChatOpenAI({ model: MODEL, temperature: 0, maxTokens: 200, apiKey: 'unused', maxRetries: 0, logitBias: towardCall, configuration: { baseURL: `${verifier.url}/v1` } })
  const own = await biased.bindTools([weather]).invoke('Weather in Oslo?')
  expect(own.tool_calls).toHaveLength(1)
  expect(weather.schema.safeParse(own.tool_calls?.[0]?.args).success, JSON.stringify(own.tool_calls?.[0]?.args)).toBe(true)
  expect(own.response_metadata.finish_reason).toBe('tool_calls')
  // Unbiased, a text answer and no calls.
  const text = await new ChatOpenAI({ model: MODEL, temperature: 0, maxTokens: 16, apiKey: 'unused', maxRetries: 0, configuration: { baseURL: `${verifier.url}/v1` } }).bindTools([weather]).invoke('Weather in Oslo?')
  expect(text.tool_calls ?? []).toHaveLength(0)
  expect(String(text.content).length).toBeGreaterThan(0)
})

test('logprobs: at temperature 0 each token is its top alternative, and the lists are sorted, whole and streamed', async () => {
  const params = { model: MODEL, messages: [{ role: 'user' as const, content: 'Tell me a story.' }], temperature: 0, max_tokens: 12, logprobs: true, top_logprobs: 5 }
  const completion = await openai.chat.completions.create(params)
  const tokens = completion.choices[0]?.logprobs?.content ?? []
  expect(tokens).toHaveLength(12)
  expect(tokens.map((token) => token.token).join('')).toBe(completion.choices[0]?.message.content)
  for (const token of tokens) {
    expect(token.top_logprobs).toHaveLength(5)
    expect(token.top_logprobs[0]?.token).toBe(token.token)
    expect(token.top_logprobs[0]?.logprob).toBeCloseTo(token.logprob, 6)
    expect(token.bytes).toEqual([...Buffer.from(token.token)])
    const sorted = token.top_logprobs.map((top) => top.logprob)
    expect(sorted).toEqual([...sorted].sort((a, b) => b - a))
  }
  const streamed = []
  for await (const chunk of await openai.chat.completions.create({ ...params, stream: true })) {
    streamed.push(...chunk.choices[0]?.logprobs?.content ?? [])
  }
  expect(streamed).toEqual(tokens)
})

test('Ollama: format (a schema, or "json") constrains /api/chat; tools and tool turns are taken', async () => {
  const ollama = new Ollama({ host: verifier.url })
  const answer = await ollama.chat({ model: MODEL, messages: [{ role: 'user', content: 'Describe the sea.' }], format: ANSWER, options: { temperature: 0, num_predict: 200 } })
  expect(validators.answer(JSON.parse(answer.message.content)), answer.message.content).toBe(true)
  const json = await ollama.generate({ model: MODEL, prompt: 'hi', format: 'json', options: { temperature: 0, num_predict: 16 } })
  expect(json.response?.trimStart().startsWith('{')).toBe(true)
  const withTools = await ollama.chat({
    model: MODEL,
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'The weather in a city', parameters: WEATHER as never } }],
    messages: [
      { role: 'user', content: 'Weather in Oslo?' },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Oslo', celsius: true } } }] },
      { role: 'tool', content: '{"temperature":-3}' }
    ],
    options: { temperature: 0, num_predict: 4 }
  })
  expect(withTools.done_reason).toBe('length')
})

test('Ollama: a tool the model calls on its own (biased toward the call syntax with Shoal\'s logit_bias option) comes as message.tool_calls, whole and streamed', async () => {
  const ollama = new Ollama({ host: verifier.url })
  const request = {
    model: MODEL,
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'The weather in a city', parameters: WEATHER as never } }],
    messages: [{ role: 'user', content: 'Weather in Oslo?' }],
    options: { temperature: 0, num_predict: 200, logit_bias: towardCall } as never
  }
  const answer = await ollama.chat(request)
  expect(answer.done_reason).toBe('stop')
  expect(answer.message.content).toBe('')
  expect(answer.message.tool_calls).toHaveLength(1)
  expect(answer.message.tool_calls?.[0]?.function.name).toBe('get_weather')
  expect(validators.get_weather(answer.message.tool_calls?.[0]?.function.arguments)).toBe(true)
  const streamed = []
  for await (const part of await ollama.chat({ ...request, stream: true })) {
    streamed.push(part)
  }
  expect(streamed.flatMap((part) => part.message.tool_calls ?? [])).toEqual(answer.message.tool_calls)
  expect(streamed.map((part) => part.message.content).join('')).toBe('')
})

test('bad agent requests are 400s that name the parameter', async () => {
  const refusal = async (body: Record<string, unknown>): Promise<{ status: number, param: unknown }> => {
    const response = await fetch(`${verifier.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'x' }], ...body }) })
    return { status: response.status, param: ((await response.json()) as { error: { param: unknown } }).error.param }
  }
  expect(await refusal({ tools: TOOLS, tool_choice: { type: 'function', function: { name: 'nope' } } })).toEqual({ status: 400, param: 'tool_choice' })
  expect(await refusal({ logprobs: true, top_logprobs: 50 })).toEqual({ status: 400, param: 'top_logprobs' })
  expect(await refusal({ logit_bias: { 1: 101 } })).toEqual({ status: 400, param: 'logit_bias.1' })
  expect(await refusal({ logit_bias: { word: 1 } })).toMatchObject({ status: 400 })
  expect(await refusal({ logit_bias: { 99999999: 1 } })).toMatchObject({ status: 400 })
  expect(await refusal({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: 'not an object' } } })).toEqual({ status: 400, param: 'response_format.json_schema.schema' })
  // A schema node-llama-cpp cannot make a grammar of (it never ends) is refused, not answered unconstrained.
  const loop = { $defs: { loop: { $ref: '#/$defs/loop' } }, $ref: '#/$defs/loop' }
  expect((await refusal({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: loop } } })).status).toBe(400)
  expect((await fetch(`${verifier.url}/health`)).ok).toBe(true)
})

test('with a contributing drafter the answers are the same, and its drafts were judged', async () => {
  test.setTimeout(180_000)
  alone = await askAll('drafters-allowed')
  const drafter: NodeDrafter = await startNodeDrafter(verifier.url, await createLlamaDraftEngine(target))
  try {
    await waitFor('the verifier to take the drafter', async () => (await readMetrics(verifier.url)).get('shoal_gpu_node_drafters') === 1 ? true : undefined)
    const before = await readMetrics(verifier.url)
    const drafted = await askAll('drafters-allowed')
    const after = await readMetrics(verifier.url)
    expect(drafted).toEqual(alone)
    const delta = (name: string): number => (after.get(name) ?? 0) - (before.get(name) ?? 0)
    // The drafter got a job and its drafts were compared with the verifier's tokens. It drafts
    // unconstrained, the random model's own next words, which the grammar forbids where it wants JSON:
    // those are rejected drafts, and the verifier soon closes the job as not paying (the in-process
    // spec, constrained-answers, shows drafts the grammar allows being accepted).
    expect(delta('shoal_gpu_node_draft_jobs_opened_total')).toBeGreaterThan(0)
    expect(delta('shoal_gpu_node_draft_positions_verified_total')).toBeGreaterThan(0)
  } finally {
    await drafter.stop()
  }
})

/**
 * Answers constrained by a grammar (a JSON schema, any JSON, a forced tool
 * call), in this process on the random demo model: its text is noise, so only
 * the grammar can make an answer validate. With drafts (perfect ones, and
 * garbage the grammar forbids) the answer is the same, token for token.
 */
import { expect, test } from '@playwright/test'
import { Ajv } from 'ajv'
import { LlamaGrammar, LlamaGrammarEvaluationState, resolveChatWrapper } from 'node-llama-cpp'
import { readToolCallAnswer } from '#protocol'
import { createLlamaVerifier } from '../../gpu-node/src/verifier/llama-verifier.ts'
import { autoToolCallGrammar } from '../../gpu-node/src/verifier/tool-call-grammar.ts'
import { toolCallSyntax } from '../../gpu-node/src/verifier/tool-call-syntax.ts'
import type { ToolCallSyntax } from '../../gpu-node/src/verifier/tool-call-syntax.ts'
import { ensureDemoModels } from '../support/models.ts'
import type { LlamaVerifier } from '../../gpu-node/src/verifier/llama-verifier.ts'
import type { AnswerToolCall, CompletionRequest, DraftSource, TokenLogprob, Work } from '../../gpu-node/src/verifier/types.ts'

test.describe.configure({ mode: 'serial' })

let verifier: LlamaVerifier

test.beforeAll(async () => {
  const models = await ensureDemoModels()
  verifier = await createLlamaVerifier({ modelPath: models.target, threads: 1, gpu: false, capacity: 2, queueSize: 8, perClientMaxConcurrent: 8, perClientMaxTokens: 4096, contextSize: 2048 })
})

test.afterAll(async () => {
  await verifier?.dispose()
})

const SCHEMA = {
  type: 'object',
  properties: { ok: { type: 'boolean' }, colour: { enum: ['red', 'green', 'blue'] }, tags: { type: 'array', items: { enum: ['a', 'b'] }, maxItems: 3 } },
  required: ['ok', 'colour', 'tags'],
  additionalProperties: false
}

const WEATHER = { type: 'object', properties: { city: { enum: ['Paris', 'Oslo'] }, celsius: { type: 'boolean' } }, required: ['city', 'celsius'], additionalProperties: false }
const TIME = { type: 'object', properties: { zone: { enum: ['UTC', 'CET'] } }, required: ['zone'], additionalProperties: false }
const TOOLS = [{ name: 'get_weather', description: 'The weather in a city', parameters: WEATHER }, { name: 'get_time', parameters: TIME }]

function request (prompt: string, options: Partial<CompletionRequest> = {}): CompletionRequest {
  return { messages: [{ role: 'user', content: prompt }], maxTokens: 200, temperature: 0, topP: 1, stop: [], clientId: 'test', privacy: 'drafters-allowed', ...options }
}

/** A draft source proposing `propose(verifiedSoFar, max)` at once; records the verified tokens. */
function source (propose: (verifiedSoFar: number, max: number) => number[]): DraftSource & { verified: number[] } {
  const verified: number[] = []
  return { verified, take: (max) => propose(verified.length, max), settle: (step) => { verified.push(...step.tokens) }, close: () => {} }
}

async function answer (input: CompletionRequest, drafts?: DraftSource): Promise<{ text: string, content: string, work: Work, finishReason: string, logprobs: TokenLogprob[], toolCalls?: AnswerToolCall[] }> {
  let text = ''
  let content = ''
  const logprobs: TokenLogprob[] = []
  for await (const event of verifier.complete(input, drafts === undefined ? {} : { drafts: () => drafts })) {
    if (event.type === 'delta') {
      text += event.text
      if (event.toolCall !== true) content += event.text
      logprobs.push(...event.logprobs ?? [])
    }
    if (event.type === 'done') return { text, content, work: event.work, finishReason: event.finishReason, logprobs, ...(event.toolCalls === undefined ? {} : { toolCalls: event.toolCalls }) }
  }
  throw new Error('no done event')
}

/**
 * The same answer alone, with perfect drafts and with garbage drafts (which
 * a grammar that fixes every character forbids; one that lets text be free
 * may accept a lucky one).
 */
async function sameWithDrafts (input: CompletionRequest, { freeText = false } = {}): Promise<string> {
  const recorder = source(() => [])
  const alone = await answer(input, recorder)
  const tokens = recorder.verified
  const perfect = await answer(input, source((at, max) => tokens.slice(at, at + Math.min(max, 6))))
  expect(perfect.text).toBe(alone.text)
  expect(perfect.work.acceptedTokens).toBeGreaterThan(0)
  expect(perfect.work.passes).toBeLessThan(alone.work.passes)
  const garbage = await answer(input, source((at, max) => Array.from({ length: Math.min(max, 4) }, (_, index) => (at * 7 + index * 13) % 200)))
  expect(garbage.text).toBe(alone.text)
  if (freeText) {
    expect(garbage.work.passes).toBeLessThanOrEqual(alone.work.passes)
  } else {
    expect(garbage.work.passes).toBe(alone.work.passes)
  }
  return alone.text
}

test('a json_schema answer validates against its schema, and is the same with drafts', async () => {
  const validate = new Ajv().compile(SCHEMA)
  for (const [prompt, temperature] of [['Describe the sea.', 0], ['hello', 0.9]] as const) {
    const input = request(prompt, { temperature, seed: 7, responseFormat: { type: 'json_schema', schema: SCHEMA } })
    const text = await sameWithDrafts(input)
    expect(validate(JSON.parse(text)), text).toBe(true)
  }
  // Unconstrained, the random model's answer is no JSON at all.
  const free = await answer(request('Describe the sea.'))
  expect(() => JSON.parse(free.text)).toThrow()
})

test('anyOf (which clients\' schema generators write for unions) constrains as oneOf', async () => {
  const schema = { type: 'object', properties: { value: { anyOf: [{ type: 'boolean' }, { type: 'string', enum: ['none'] }] } }, required: ['value'], additionalProperties: false }
  const { text } = await answer(request('hello', { responseFormat: { type: 'json_schema', schema } }))
  expect(new Ajv().compile(schema)(JSON.parse(text)), text).toBe(true)
})

test('a json answer is JSON from its first token', async () => {
  const { text } = await answer(request('hello', { responseFormat: { type: 'json' }, maxTokens: 24 }))
  expect(text.trimStart().startsWith('{')).toBe(true)
})

test('a forced tool call (required, or by name) has arguments that fit the tool, with or without drafts', async () => {
  const validators = { get_weather: new Ajv().compile(WEATHER), get_time: new Ajv().compile(TIME) }
  const required = readToolCallAnswer(await sameWithDrafts(request('What now?', { tools: TOOLS, toolChoice: 'required' })))
  expect(required).toBeDefined()
  expect(Object.keys(validators)).toContain(required?.name)
  expect(validators[required?.name as keyof typeof validators](JSON.parse(required?.arguments ?? ''))).toBe(true)
  for (const name of ['get_weather', 'get_time'] as const) {
    const call = readToolCallAnswer(await sameWithDrafts(request('What now?', { tools: TOOLS, toolChoice: { name } })))
    expect(call?.name).toBe(name)
    expect(validators[name](JSON.parse(call?.arguments ?? '')), call?.arguments).toBe(true)
  }
})

/** The first token of the chat wrapper's call start: biased toward, the model begins a call with it. */
function callStartToken (): number {
  const model = verifier.loadedModel
  const syntax = toolCallSyntax(resolveChatWrapper(model), model)
  const token = model.tokenize(syntax?.startToken ?? '', true)[0]
  if (token === undefined) throw new Error('the chat wrapper has no call syntax')
  return token
}

test('tool_choice auto: an answer that begins the call syntax (a logit bias here) is held to a call with arguments that fit, the same with drafts; unbiased it is text; none never calls', async () => {
  const validators = { get_weather: new Ajv().compile(WEATHER), get_time: new Ajv().compile(TIME) }
  const biased = [{ token: callStartToken(), bias: 100 }]
  for (const options of [{ temperature: 0 }, { temperature: 0.9, seed: 5 }]) {
    const input = request('Weather?', { tools: TOOLS, logitBias: biased, ...options })
    const text = await sameWithDrafts(input, { freeText: true })
    const { toolCalls, content, finishReason } = await answer(input)
    expect(finishReason).toBe('stop')
    expect(content).toBe('')
    expect(toolCalls, text).toHaveLength(1)
    const call = toolCalls?.[0]
    expect(Object.keys(validators)).toContain(call?.name)
    expect(validators[call?.name as keyof typeof validators](JSON.parse(call?.arguments ?? '')), call?.arguments).toBe(true)
    // The arguments are the model's own text, as the answer holds it.
    expect(text).toContain(call?.arguments)
  }
  // Unbiased, the random model does not begin the syntax: its answer is text.
  const free = await answer(request('Weather?', { tools: TOOLS, maxTokens: 40 }))
  expect(free.toolCalls).toBeUndefined()
  expect(free.content.length).toBeGreaterThan(0)
  expect(free.content).toBe(free.text)
  // `none`: the same bias gives text, never a call.
  const none = await answer(request('Weather?', { tools: TOOLS, toolChoice: 'none', logitBias: biased, maxTokens: 20 }))
  expect(none.toolCalls).toBeUndefined()
  expect(none.content).toBe(none.text)
  expect(none.finishReason).toBe('length')
})

test('the grammar of an answer that may call tools: free text, then calls in the wrapper\'s syntax (several only with a parallel form and parallel calls allowed), then nothing', () => {
  const model = verifier.loadedModel
  // Qwen 3's syntax (its section suffix is the end of the turn, so none): the name inside JSON, calls one after another.
  const qwen: ToolCallSyntax = { start: '<tool_call>\n{"name": "', startToken: '<tool_call>\n{"name": "', prefix: '<tool_call>\n{"name": "', optionalPrefixSpace: false, paramsPrefix: '", "arguments": ', suffix: '}\n</tool_call>', parallel: { betweenCalls: '\n', sectionSuffix: '' } }
  const accepts = (parallel: boolean, text: string): boolean => {
    const grammar = new LlamaGrammar(model.llama, { grammar: autoToolCallGrammar(model.llama, qwen, TOOLS, parallel) })
    const state = new LlamaGrammarEvaluationState({ model, grammar })
    for (const token of model.tokenize(text, false)) {
      if (!state.canBeNextToken(token)) return false
      state.acceptToken(token)
    }
    return true
  }
  const weather = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo", "celsius": true}}\n</tool_call>'
  const time = '<tool_call>\n{"name": "get_time", "arguments": {"zone": "UTC"}}\n</tool_call>'
  expect(accepts(true, 'Some text with <tags> and { braces }.')).toBe(true)
  expect(accepts(true, `Let me look. ${weather}`)).toBe(true)
  expect(accepts(true, `${weather}\n${time}`)).toBe(true)
  expect(accepts(false, weather)).toBe(true)
  expect(accepts(false, `${weather}\n${time}`)).toBe(false)
  // Only offered tools, only arguments that fit, and nothing after the calls.
  expect(accepts(true, '<tool_call>\n{"name": "get_mail", "arguments": {}}\n</tool_call>')).toBe(false)
  expect(accepts(true, weather.replace('Oslo', 'Rome'))).toBe(false)
  expect(accepts(true, `${weather} and more`)).toBe(false)
})

test('text held back in case it began a stop string comes out when the answer ends at an end-of-generation token', async () => {
  // A call's grammar allows only an end of generation after its suffix `)`; a stop string beginning with `)` holds that `)` back until then.
  const input = request('Weather?', { tools: TOOLS, logitBias: [{ token: callStartToken(), bias: 100 }] })
  const plain = await answer(input)
  const held = await answer({ ...input, stop: [')!'] })
  expect(plain.text.endsWith(')')).toBe(true)
  expect(held.finishReason).toBe('stop')
  expect(held.text).toBe(plain.text)
  expect(held.toolCalls).toEqual(plain.toolCalls)
})

test('a logit bias naming a token outside the vocabulary, or over 100, is refused at once', () => {
  expect(() => verifier.complete(request('x', { logitBias: [{ token: 10_000_000, bias: 1 }] }), {})).toThrow(/vocabulary/)
  expect(() => verifier.complete(request('x', { logitBias: [{ token: 1, bias: 101 }] }), {})).toThrow(expect.objectContaining({ name: 'InvalidRequestError' }))
})

test('earlier tool calls and their results go into the prompt', async () => {
  const before = verifier.tokenizeChat([{ role: 'user', content: 'Weather?' }])
  const after = verifier.tokenizeChat([
    { role: 'user', content: 'Weather?' },
    { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo","celsius":true}' }] },
    { role: 'tool', content: '{"temperature":-3}', toolCallId: 'call_1' }
  ])
  expect(after.length).toBeGreaterThan(before.length)
  const text = await answer(request('x', {
    messages: [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo","celsius":true}' }] },
      { role: 'tool', content: '{"temperature":-3}', toolCallId: 'call_1' }
    ],
    maxTokens: 8
  }))
  expect(text.finishReason).toBe('length')
})

test('logprobs: at temperature 0 each chosen token is the likeliest, and its top list is sorted and holds it', async () => {
  const { logprobs, text } = await answer(request('Tell me a story.', { topLogprobs: 5, maxTokens: 16 }))
  expect(logprobs).toHaveLength(16)
  expect(logprobs.map((entry) => entry.text).join('')).toBe(text)
  for (const entry of logprobs) {
    expect(entry.top).toHaveLength(5)
    expect(entry.top[0]?.text).toBe(entry.text)
    expect(entry.top[0]?.logprob).toBeCloseTo(entry.logprob, 9)
    expect(entry.logprob).toBeLessThanOrEqual(0)
    for (let index = 1; index < entry.top.length; index++) {
      expect(entry.top[index]?.logprob ?? 0).toBeLessThanOrEqual(entry.top[index - 1]?.logprob ?? 0)
    }
  }
  // Constrained by a grammar, the probabilities are of the tokens it allows: a JSON object begins with '{'.
  const constrained = await answer(request('hello', { topLogprobs: 20, maxTokens: 3, responseFormat: { type: 'json_schema', schema: SCHEMA } }))
  expect(constrained.logprobs[0]?.text.trim()).toBe('{')
  expect(constrained.logprobs[0]?.top.every((alternative) => alternative.text.trim() === '{' || alternative.text.trim() === '')).toBe(true)
})

test('a tool choice naming no tool, a schema that cannot be a grammar and tools that cannot be documented are refused at once', () => {
  expect(() => verifier.complete(request('x', { tools: TOOLS, toolChoice: { name: 'nope' } }), {})).toThrow(/toolChoice/)
  expect(() => verifier.complete(request('x', { toolChoice: 'required' }), {})).toThrow(/at least one tool/)
  expect(() => verifier.complete(request('x', { responseFormat: { type: 'json_schema', schema: { $defs: { loop: { $ref: '#/$defs/loop' } }, $ref: '#/$defs/loop' } } }), {})).toThrow(/cannot be enforced/)
  // Parameters node-llama-cpp cannot walk: refused whether the call is forced (a grammar) or not (the prompt's documentation).
  const unwalkable = [{ name: 'f', parameters: { oneOf: 3 } }]
  expect(() => verifier.complete(request('x', { tools: unwalkable, toolChoice: 'required' }), {})).toThrow(expect.objectContaining({ name: 'InvalidRequestError' }))
  expect(() => verifier.complete(request('x', { tools: unwalkable }), {})).toThrow(expect.objectContaining({ name: 'InvalidRequestError', message: expect.stringContaining('cannot be documented') }))
})

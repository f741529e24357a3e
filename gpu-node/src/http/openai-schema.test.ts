import { expect, test } from '@playwright/test'
import { MAX_CHAT_MAX_TOKENS, MAX_CHAT_MESSAGES, MAX_CHAT_STOP_LENGTH, MAX_CHAT_STOP_SEQUENCES, MAX_CHAT_TEMPERATURE } from '#protocol'
import { stopStrings } from './chat-fields.ts'
import { OPENAI_MAX_STOP_SEQUENCES } from './constants.ts'
import { ChatCompletionRequest, toCompletionRequest } from './openai-schema.ts'
import { parseRequest } from './validation.ts'
import type { ApiError } from './errors.ts'

const user = { role: 'user', content: 'hi' }
const weather = { type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }

function rejection (body: unknown): Pick<ApiError, 'status' | 'message' | 'param' | 'code'> {
  try {
    parseRequest(ChatCompletionRequest, body)
  } catch (err) {
    const { status, message, param, code } = err as ApiError
    return { status, message, param, code }
  }
  throw new Error(`accepted ${JSON.stringify(body)}`)
}

test('maps a full request onto the verifier request, ignoring unknown fields', () => {
  const parsed = parseRequest(ChatCompletionRequest, {
    model: 'm',
    messages: [
      { role: 'developer', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }], name: 'ann' },
      { role: 'assistant', content: null },
      user
    ],
    max_tokens: 7,
    max_completion_tokens: 9,
    temperature: 0,
    top_p: 0.5,
    seed: 42,
    stop: 'END',
    n: 1,
    user: 'someone',
    presence_penalty: 0,
    metadata: { anything: true },
    privacy: 'drafters-allowed'
  })
  expect(toCompletionRequest(parsed, { defaultMaxTokens: 100, maxTokens: 1000, clientId: 'http:1' })).toEqual({
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'a\nb' },
      { role: 'assistant', content: '' },
      { role: 'user', content: 'hi' }
    ],
    maxTokens: 9,
    temperature: 0,
    topP: 0.5,
    seed: 42,
    stop: ['END'],
    clientId: 'http:1',
    privacy: 'drafters-allowed'
  })
})

test('fills OpenAI defaults and accepts explicit nulls', () => {
  const parsed = parseRequest(ChatCompletionRequest, { model: 'm', messages: [user], stop: null, max_tokens: null, temperature: null, stream: null })
  expect(toCompletionRequest(parsed, { defaultMaxTokens: 100, maxTokens: 1000, clientId: 'c' })).toEqual({
    messages: [{ role: 'user', content: 'hi' }], maxTokens: 100, temperature: 1, topP: 1, stop: [], clientId: 'c', privacy: 'verifier-only'
  })
})

test('names the offending parameter', () => {
  expect(rejection({ model: 'm' })).toEqual({ status: 400, message: "Missing required parameter: 'messages'.", param: 'messages', code: 'missing_required_parameter' })
  expect(rejection({ model: 'm', messages: [] })).toMatchObject({ param: 'messages' })
  expect(rejection({ model: 'm', messages: [user], temperature: 5 })).toMatchObject({ status: 400, param: 'temperature', message: expect.stringContaining("Invalid 'temperature'") })
  expect(rejection({ model: 'm', messages: [user], temperature: '0' })).toMatchObject({ param: 'temperature', code: 'invalid_type' })
  expect(rejection({ model: 'm', messages: [user], n: 2 })).toEqual({ status: 400, message: "Invalid 'n': only n=1 is supported", param: 'n', code: 'invalid_value' })
  expect(rejection({ model: 'm', messages: [user], stop: ['a', 'b', 'c', 'd', 'e'] })).toMatchObject({ param: 'stop' })
  expect(rejection({ model: 'm', messages: [user], max_tokens: 0 })).toMatchObject({ param: 'max_tokens' })
  expect(rejection({ model: 'm', messages: [user], max_tokens: 1.5 })).toMatchObject({ param: 'max_tokens' })
  expect(rejection({ model: 'm', messages: [user], tools: [{ type: 'function' }] })).toMatchObject({ param: 'tools[0].function' })
  expect(rejection({ model: 'm', messages: [user], tools: [{ type: 'retrieval', function: { name: 'f' } }] })).toMatchObject({ param: 'tools[0].type', message: expect.stringContaining('only function tools') })
  expect(rejection({ model: 'm', messages: [user], tools: [weather], tool_choice: { type: 'function', function: { name: 'nope' } } })).toMatchObject({ param: 'tool_choice', message: expect.stringContaining('names no offered tool') })
  expect(rejection({ model: 'm', messages: [user], tool_choice: 'required' })).toMatchObject({ param: 'tool_choice', message: expect.stringContaining('at least one tool') })
  expect(rejection({ model: 'm', messages: [user], response_format: { type: 'xml' } })).toMatchObject({ param: 'response_format.type', message: expect.stringContaining('text, json_object or json_schema') })
  expect(rejection({ model: 'm', messages: [user], logprobs: true, top_logprobs: 21 })).toMatchObject({ param: 'top_logprobs', message: expect.stringContaining('at most 20') })
  expect(rejection({ model: 'm', messages: [user], top_logprobs: 2 })).toMatchObject({ param: 'top_logprobs', message: expect.stringContaining('needs logprobs') })
  expect(rejection({ model: 'm', messages: [{ role: 'tool', content: 'x' }] })).toMatchObject({ param: 'messages[0].tool_call_id' })
  expect(rejection({ model: 'm', messages: [{ role: 'robot', content: 'x' }] })).toMatchObject({ param: 'messages[0].role' })
  expect(rejection({ model: 'm', messages: [{ role: 'user' }] })).toMatchObject({ param: 'messages[0].content' })
  expect(rejection({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }))
    .toMatchObject({ param: 'messages[0].content[0].type', message: expect.stringContaining('only text content parts') })
  expect(rejection([])).toMatchObject({ param: null, message: expect.stringContaining('expected object') })
})

test('tools, tool choices, tool turns, response formats and logprobs reach the verifier request', () => {
  const parsed = parseRequest(ChatCompletionRequest, {
    model: 'm',
    messages: [
      user,
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"celsius":-3}' }
    ],
    tools: [weather, { type: 'function', function: { name: 'get_time' } }],
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
    parallel_tool_calls: false,
    response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' }, strict: true } },
    logprobs: true,
    top_logprobs: 3
  })
  expect(toCompletionRequest(parsed, { defaultMaxTokens: 100, maxTokens: 1000, clientId: 'c' })).toMatchObject({
    messages: [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' }] },
      { role: 'tool', content: '{"celsius":-3}', toolCallId: 'call_1' }
    ],
    tools: [{ name: 'get_weather', description: 'Weather now', parameters: weather.function.parameters }, { name: 'get_time' }],
    toolChoice: { name: 'get_weather' },
    responseFormat: { type: 'json_schema', schema: { type: 'object' } },
    topLogprobs: 3
  })
  const json = (format: unknown): unknown => toCompletionRequest(parseRequest(ChatCompletionRequest, { model: 'm', messages: [user], response_format: format }), { defaultMaxTokens: 1, maxTokens: 1, clientId: 'c' }).responseFormat
  expect(json({ type: 'json_object' })).toEqual({ type: 'json' })
  expect(json({ type: 'json_schema', json_schema: { name: 'any' } })).toEqual({ type: 'json' })
  expect(json({ type: 'text' })).toBeUndefined()
  expect(toCompletionRequest(parseRequest(ChatCompletionRequest, { model: 'm', messages: [user], logprobs: true }), { defaultMaxTokens: 1, maxTokens: 1, clientId: 'c' }).topLogprobs).toBe(0)
})

test('asking for more tokens than allowed per request is a 400 naming the parameter', () => {
  const parsed = parseRequest(ChatCompletionRequest, { model: 'm', messages: [user], max_completion_tokens: 1001 })
  expect(() => toCompletionRequest(parsed, { defaultMaxTokens: 100, maxTokens: 1000, clientId: 'c' })).toThrow(expect.objectContaining({ status: 400, param: 'max_completion_tokens' }))
})

test('the protocol\'s limits hold at the edge: at the limit is accepted, one over is a 400 that names the limit', () => {
  const messages = (count: number): unknown[] => Array.from({ length: count }, () => user)
  const stops = (count: number): string[] => Array.from({ length: count }, (_, index) => `s${index}`)
  expect(parseRequest(ChatCompletionRequest, { model: 'm', messages: messages(MAX_CHAT_MESSAGES) }).messages).toHaveLength(MAX_CHAT_MESSAGES)
  expect(rejection({ model: 'm', messages: messages(MAX_CHAT_MESSAGES + 1) }))
    .toEqual({ status: 400, param: 'messages', code: 'invalid_value', message: `Invalid 'messages': at most ${MAX_CHAT_MESSAGES} messages are allowed (the Shoal protocol's limit)` })
  // OpenAI's own limit on stop strings narrows the protocol's, and the 400 says whose it is.
  expect(OPENAI_MAX_STOP_SEQUENCES).toBeLessThanOrEqual(MAX_CHAT_STOP_SEQUENCES)
  expect(parseRequest(ChatCompletionRequest, { model: 'm', messages: [user], stop: stops(OPENAI_MAX_STOP_SEQUENCES) }).stop).toHaveLength(OPENAI_MAX_STOP_SEQUENCES)
  expect(rejection({ model: 'm', messages: [user], stop: stops(OPENAI_MAX_STOP_SEQUENCES + 1) }))
    .toMatchObject({ status: 400, param: 'stop', message: `Invalid 'stop': at most ${OPENAI_MAX_STOP_SEQUENCES} stop strings are allowed (OpenAI's limit)` })
  expect(parseRequest(ChatCompletionRequest, { model: 'm', messages: [user], stop: 'x'.repeat(MAX_CHAT_STOP_LENGTH) }).stop).toEqual(['x'.repeat(MAX_CHAT_STOP_LENGTH)])
  expect(rejection({ model: 'm', messages: [user], stop: 'x'.repeat(MAX_CHAT_STOP_LENGTH + 1) }))
    .toMatchObject({ status: 400, param: 'stop[0]', message: expect.stringContaining(`at most ${MAX_CHAT_STOP_LENGTH} characters`) })
  expect(parseRequest(ChatCompletionRequest, { model: 'm', messages: [user], temperature: MAX_CHAT_TEMPERATURE }).temperature).toBe(MAX_CHAT_TEMPERATURE)
  expect(rejection({ model: 'm', messages: [user], temperature: MAX_CHAT_TEMPERATURE + 0.1 }))
    .toMatchObject({ status: 400, param: 'temperature', message: `Invalid 'temperature': the temperature is at most ${MAX_CHAT_TEMPERATURE} (the Shoal protocol's limit)` })
  expect(parseRequest(ChatCompletionRequest, { model: 'm', messages: [user], max_tokens: MAX_CHAT_MAX_TOKENS }).max_tokens).toBe(MAX_CHAT_MAX_TOKENS)
  expect(rejection({ model: 'm', messages: [user], max_tokens: MAX_CHAT_MAX_TOKENS + 1 }))
    .toMatchObject({ status: 400, param: 'max_tokens', message: expect.stringContaining(`at most ${MAX_CHAT_MAX_TOKENS} tokens`) })
})

test('a dialect may narrow the protocol\'s limits, never widen them', () => {
  expect(() => stopStrings(MAX_CHAT_STOP_SEQUENCES + 1)).toThrow(RangeError)
})

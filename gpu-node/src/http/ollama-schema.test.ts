import { expect, test } from '@playwright/test'
import { MAX_CHAT_MESSAGES, MAX_CHAT_STOP_SEQUENCES, MAX_CHAT_TEMPERATURE } from '#protocol'
import { generateMessages, OllamaChatRequest, OllamaGenerateRequest, toCompletionRequest } from './ollama-schema.ts'
import { parseRequest } from './validation.ts'
import type { ApiError } from './errors.ts'

function rejection (schema: typeof OllamaChatRequest | typeof OllamaGenerateRequest, body: unknown): string {
  try {
    parseRequest(schema, body)
  } catch (err) {
    return (err as ApiError).message
  }
  throw new Error(`accepted ${JSON.stringify(body)}`)
}

test('chat: options map onto the verifier request; Ollama defaults otherwise', () => {
  const parsed = parseRequest(OllamaChatRequest, {
    model: 'm',
    messages: [{ role: 'user', content: 'hi', images: [] }],
    options: { temperature: 0, top_p: 0.2, seed: 3, num_predict: 5, stop: ['x'], num_ctx: 4096, top_k: 1 },
    keep_alive: '5m'
  })
  expect(toCompletionRequest(parsed.messages ?? [], parsed.options, { defaultMaxTokens: 50, maxTokens: 500, clientId: 'c' })).toEqual({
    messages: [{ role: 'user', content: 'hi' }], maxTokens: 5, temperature: 0, topP: 0.2, seed: 3, stop: ['x'], clientId: 'c'
  })
  const bare = parseRequest(OllamaChatRequest, { model: 'm', messages: [{ role: 'user', content: 'hi' }], options: { num_predict: -1, stop: 'y' } })
  expect(toCompletionRequest([], bare.options, { defaultMaxTokens: 50, maxTokens: 500, clientId: 'c' })).toMatchObject({ maxTokens: 50, temperature: 0.8, topP: 0.9, stop: ['y'] })
})

test('generate: the system prompt comes first, then the prompt as the user turn', () => {
  const parsed = parseRequest(OllamaGenerateRequest, { model: 'm', prompt: 'why?', system: 'be terse', stream: false })
  expect(generateMessages(parsed)).toEqual([{ role: 'system', content: 'be terse' }, { role: 'user', content: 'why?' }])
  expect(generateMessages(parseRequest(OllamaGenerateRequest, { model: 'm', prompt: 'why?' }))).toEqual([{ role: 'user', content: 'why?' }])
})

test('refuses what it cannot honour, by name', () => {
  expect(rejection(OllamaChatRequest, { messages: [] })).toBe("Missing required parameter: 'model'.")
  expect(rejection(OllamaChatRequest, { model: 'm', format: 'xml' })).toContain("'format'")
  expect(rejection(OllamaChatRequest, { model: 'm', tools: [{ type: 'function', function: { name: 'has space' } }] })).toContain("'tools[0].function.name'")
  expect(rejection(OllamaChatRequest, { model: 'm', messages: [{ role: 'user', content: 'x', images: ['aGk='] }] })).toContain("'messages[0].images'")
  expect(rejection(OllamaChatRequest, { model: 'm', options: { temperature: 3 } })).toContain("'options.temperature'")
  expect(rejection(OllamaGenerateRequest, { model: 'm', prompt: 'x', raw: 'yes' })).toContain("'raw'")
  expect(rejection(OllamaGenerateRequest, { model: 'm', prompt: 'x', context: [1, 2] })).toContain("'context'")
  expect(rejection(OllamaGenerateRequest, { model: 'm', prompt: 5 })).toContain("'prompt'")
})

test('the protocol\'s limits hold at the edge: at the limit is accepted, one over is a 400 that names the limit', () => {
  const turn = { role: 'user', content: 'hi' }
  const stops = (count: number): string[] => Array.from({ length: count }, (_, index) => `s${index}`)
  expect(parseRequest(OllamaChatRequest, { model: 'm', messages: Array.from({ length: MAX_CHAT_MESSAGES }, () => turn) }).messages).toHaveLength(MAX_CHAT_MESSAGES)
  expect(rejection(OllamaChatRequest, { model: 'm', messages: Array.from({ length: MAX_CHAT_MESSAGES + 1 }, () => turn) }))
    .toBe(`Invalid 'messages': at most ${MAX_CHAT_MESSAGES} messages are allowed (the Shoal protocol's limit)`)
  // Ollama has no limit of its own on stop strings: the protocol's applies, not OpenAI's 4.
  expect(parseRequest(OllamaChatRequest, { model: 'm', options: { stop: stops(MAX_CHAT_STOP_SEQUENCES) } }).options?.stop).toHaveLength(MAX_CHAT_STOP_SEQUENCES)
  expect(rejection(OllamaGenerateRequest, { model: 'm', options: { stop: stops(MAX_CHAT_STOP_SEQUENCES + 1) } }))
    .toBe(`Invalid 'options.stop': at most ${MAX_CHAT_STOP_SEQUENCES} stop strings are allowed (the Shoal protocol's limit)`)
  expect(parseRequest(OllamaChatRequest, { model: 'm', options: { temperature: MAX_CHAT_TEMPERATURE } }).options?.temperature).toBe(MAX_CHAT_TEMPERATURE)
  expect(rejection(OllamaChatRequest, { model: 'm', options: { temperature: MAX_CHAT_TEMPERATURE + 0.5 } })).toContain(`at most ${MAX_CHAT_TEMPERATURE}`)
})

test('format, tools and tool turns reach the verifier request; calls get ids and results answer them in order', () => {
  expect(parseRequest(OllamaChatRequest, { model: 'm', format: 'json' }).format).toEqual({ type: 'json' })
  expect(parseRequest(OllamaGenerateRequest, { model: 'm', format: { type: 'object' } }).format).toEqual({ type: 'json_schema', schema: { type: 'object' } })
  expect(parseRequest(OllamaChatRequest, { model: 'm', format: '' }).format).toBeUndefined()
  const parsed = parseRequest(OllamaChatRequest, {
    model: 'm',
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: { type: 'object' } } }],
    messages: [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Oslo' } } }, { function: { name: 'get_weather', arguments: { city: 'Rome' } } }] },
      { role: 'tool', content: '-3' },
      { role: 'tool', content: '21' }
    ]
  })
  expect(parsed.tools).toEqual([{ name: 'get_weather', description: 'Weather now', parameters: { type: 'object' } }])
  expect(parsed.messages).toEqual([
    { role: 'user', content: 'Weather?' },
    { role: 'assistant', content: '', toolCalls: [{ id: 'call_1_0', name: 'get_weather', arguments: '{"city":"Oslo"}' }, { id: 'call_1_1', name: 'get_weather', arguments: '{"city":"Rome"}' }] },
    { role: 'tool', content: '-3', toolCallId: 'call_1_0' },
    { role: 'tool', content: '21', toolCallId: 'call_1_1' }
  ])
})

test('an answer another verifier began comes as shoal_continuation on both routes', () => {
  const continuation = { text: 'The sea', tokens: [7, 8], tokenizerFingerprint: 'sha256:x' }
  expect(parseRequest(OllamaChatRequest, { model: 'm', messages: [{ role: 'user', content: 'hi' }], shoal_continuation: continuation }).shoal_continuation).toEqual(continuation)
  expect(parseRequest(OllamaGenerateRequest, { model: 'm', prompt: 'Once', raw: true, shoal_continuation: continuation }).shoal_continuation).toEqual(continuation)
  expect(rejection(OllamaGenerateRequest, { model: 'm', prompt: 'Once', shoal_continuation: { text: 'x', tokens: 'no' } })).toContain('shoal_continuation')
})

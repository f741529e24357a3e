import { expect, test } from '@playwright/test'
import {
  decodeChatControl,
  decodeChatEvent,
  decodeChatRequest,
  encodeChatControl,
  encodeChatEvent,
  encodeChatRequest,
  splitDeltaText
} from './chat.ts'
import type { ChatServerEvent, ValidChatRequest } from './chat.ts'
import { MAX_CHAT_EVENT_BYTES, MAX_CHAT_MESSAGES, MAX_CHAT_REQUEST_BYTES, MAX_CHAT_STOP_SEQUENCES, MAX_PRESENTED_RECEIPTS, MAX_RECEIPT_BYTES } from './limits.ts'
import { ChatErrorCode, ChatEvent, ChatPrivacy, ChatRequest, ChatRole, FinishReason } from './messages.ts'

const request: ValidChatRequest = {
  requestId: 'req-1',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hello, wörld 👋' },
    { role: 'assistant', content: '' },
    { role: 'user', content: 'Again?' }
  ],
  maxTokens: 64,
  temperature: 0.7,
  topP: 0.9,
  seed: 42,
  stop: ['\n\n', 'User:'],
  privacy: 'drafters-allowed'
}

const malformed = expect.objectContaining({ name: 'MalformedMessageError' })
const tooLarge = expect.objectContaining({ name: 'MessageTooLargeError' })

/** The wire form of `request`, to corrupt one field at a time. */
function wire (overrides: Partial<ChatRequest> = {}): Uint8Array {
  return ChatRequest.encode({
    requestId: 'req-1',
    messages: [{ role: ChatRole.USER, content: 'hi', toolCalls: [] }],
    maxTokens: 16,
    temperature: 0,
    topP: 1,
    stop: [],
    privacy: ChatPrivacy.VERIFIER_ONLY,
    ...overrides
  })
}

test('a chat request survives an encode/decode round trip, doubles exact', () => {
  expect(decodeChatRequest(encodeChatRequest(request))).toEqual(request)
  const minimal: ValidChatRequest = { requestId: 'x', messages: [{ role: 'user', content: 'hi' }], maxTokens: 1, temperature: 0, topP: 1, stop: [], privacy: 'verifier-only' }
  const decoded = decodeChatRequest(encodeChatRequest(minimal))
  expect(decoded).toEqual(minimal)
  expect('seed' in decoded).toBe(false)
})

test('unset fields take their documented defaults: top_p 1, privacy verifier-only', () => {
  const decoded = decodeChatRequest(ChatRequest.encode({ requestId: 'r', messages: [{ role: ChatRole.USER, content: 'hi', toolCalls: [] }], maxTokens: 5, temperature: 0, topP: 0, stop: [], privacy: ChatPrivacy.VERIFIER_ONLY }))
  expect(decoded.topP).toBe(1)
  expect(decoded.privacy).toBe('verifier-only')
})

test('requests with bad fields are malformed, on both encode and decode', () => {
  const bad: Array<[string, Partial<ValidChatRequest>, Partial<ChatRequest>]> = [
    ['empty messages', { messages: [] }, { messages: [] }],
    ['unspecified role', { messages: [{ role: 'robot' as 'user', content: 'x' }] }, { messages: [{ role: ChatRole.CHAT_ROLE_UNSPECIFIED, content: 'x', toolCalls: [] }] }],
    ['NaN temperature', { temperature: Number.NaN }, { temperature: Number.NaN }],
    ['negative temperature', { temperature: -0.1 }, { temperature: -0.1 }],
    ['huge temperature', { temperature: 2.5 }, { temperature: 2.5 }],
    ['infinite top_p', { topP: Number.POSITIVE_INFINITY }, { topP: Number.POSITIVE_INFINITY }],
    ['top_p above 1', { topP: 1.5 }, { topP: 1.5 }],
    ['zero max tokens', { maxTokens: 0 }, { maxTokens: 0 }],
    ['too many max tokens', { maxTokens: 1_000_000 }, { maxTokens: 1_000_000 }],
    ['empty request id', { requestId: '' }, { requestId: '' }],
    ['request id with spaces', { requestId: 'a b' }, { requestId: 'a b' }],
    ['long request id', { requestId: 'x'.repeat(65) }, { requestId: 'x'.repeat(65) }],
    ['empty stop string', { stop: [''] }, { stop: [''] }],
    ['too many stop strings', { stop: Array.from({ length: MAX_CHAT_STOP_SEQUENCES + 1 }, (_, index) => `s${index}`) }, { stop: Array.from({ length: MAX_CHAT_STOP_SEQUENCES + 1 }, (_, index) => `s${index}`) }]
  ]
  for (const [what, local, remote] of bad) {
    expect(() => encodeChatRequest({ ...request, ...local }), what).toThrow(malformed)
    expect(() => decodeChatRequest(wire(remote)), what).toThrow(malformed)
  }
  expect(() => encodeChatRequest({ ...request, seed: 1.5 })).toThrow(malformed)
  expect(() => encodeChatRequest({ ...request, seed: -1 })).toThrow(malformed)
})

test('too many messages are refused by count, and bytes that are not a request as malformed', () => {
  const messages = Array.from({ length: MAX_CHAT_MESSAGES + 1 }, () => ({ role: ChatRole.USER, content: 'x', toolCalls: [] }))
  expect(() => decodeChatRequest(wire({ messages }))).toThrow(expect.objectContaining({ name: 'MalformedMessageError', message: expect.stringContaining(`at most ${MAX_CHAT_MESSAGES}`) }))
  expect(() => decodeChatRequest(wire({ messages: messages.slice(0, MAX_CHAT_MESSAGES) }))).not.toThrow()
  expect(() => decodeChatRequest(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toThrow(malformed)
  expect(() => decodeChatRequest(new Uint8Array(0))).toThrow(malformed)
  // An unknown enum value (role 9) does not decode.
  expect(() => decodeChatRequest(new Uint8Array([0x0a, 0x01, 0x78, 0x12, 0x02, 0x08, 0x09, 0x18, 0x01]))).toThrow(malformed)
})

test('oversized requests are refused as too large, before decoding', () => {
  const huge = { ...request, messages: [{ role: 'user' as const, content: 'x'.repeat(MAX_CHAT_REQUEST_BYTES) }] }
  expect(() => encodeChatRequest(huge)).toThrow(tooLarge)
  expect(() => decodeChatRequest(new Uint8Array(MAX_CHAT_REQUEST_BYTES + 1))).toThrow(tooLarge)
})

test('every chat event survives an encode/decode round trip', () => {
  const events: ChatServerEvent[] = [
    { type: 'queued', position: 0, etaMs: 0, tier: 'consumer' },
    { type: 'queued', position: 3, etaMs: 1500, tier: 'contributor' },
    { type: 'started', model: 'shoal-demo', tokenizerFingerprint: 'sha256:abc', contextLength: 2048, demo: true, agent: 'shoal/0.1.0' },
    { type: 'delta', text: '' },
    { type: 'delta', text: 'Hello 👋' },
    { type: 'done', finishReason: 'stop', usage: { promptTokens: 12, completionTokens: 3 }, timings: { queuedMs: 0, firstTokenMs: 4, totalMs: 9 } },
    { type: 'done', finishReason: 'length', usage: { promptTokens: 1, completionTokens: 1 }, timings: { queuedMs: 1, firstTokenMs: 2, totalMs: 3 } },
    { type: 'done', finishReason: 'cancelled', usage: { promptTokens: 0, completionTokens: 0 }, timings: { queuedMs: 0, firstTokenMs: 0, totalMs: 0 } },
    { type: 'error', code: 'BUSY', message: 'busy', retryAfterSeconds: 7 },
    { type: 'error', code: 'MALFORMED_MESSAGE', message: 'bad' },
    { type: 'error', code: 'TIMEOUT', message: 'late' }
  ]
  for (const event of events) {
    expect(decodeChatEvent(encodeChatEvent(event))).toEqual(event)
  }
})

test('events are bounded: long error messages are cut, oversized deltas refused, counts clamped', () => {
  const error = decodeChatEvent(encodeChatEvent({ type: 'error', code: 'INTERNAL', message: 'x'.repeat(10_000) }))
  expect(error.type === 'error' && error.message.length).toBe(1024)
  expect(() => encodeChatEvent({ type: 'delta', text: 'x'.repeat(MAX_CHAT_EVENT_BYTES) })).toThrow(tooLarge)
  expect(() => decodeChatEvent(new Uint8Array(MAX_CHAT_EVENT_BYTES + 1))).toThrow(tooLarge)
  const done = decodeChatEvent(encodeChatEvent({ type: 'done', finishReason: 'stop', usage: { promptTokens: -3, completionTokens: 2.6 }, timings: { queuedMs: 1e12, firstTokenMs: 0, totalMs: 0 } }))
  expect(done).toMatchObject({ usage: { promptTokens: 0, completionTokens: 3 }, timings: { queuedMs: 0xffff_ffff } })
  expect(() => encodeChatEvent({ type: 'queued', position: Number.NaN, etaMs: 0, tier: 'consumer' })).toThrow(malformed)
})

test('events with no event, no finish reason or no error code are malformed', () => {
  expect(() => decodeChatEvent(new Uint8Array(0))).toThrow(malformed)
  expect(() => decodeChatEvent(new Uint8Array([0xff, 0x01]))).toThrow(malformed)
  const noReason = ChatEvent.encode({ done: { finishReason: FinishReason.FINISH_REASON_UNSPECIFIED, promptTokens: 0, completionTokens: 0, queuedMs: 0, firstTokenMs: 0, totalMs: 0 } })
  expect(() => decodeChatEvent(noReason)).toThrow(malformed)
  const noCode = ChatEvent.encode({ error: { code: ChatErrorCode.CHAT_ERROR_UNSPECIFIED, message: 'x', retryAfterSeconds: 0 } })
  expect(() => decodeChatEvent(noCode)).toThrow(malformed)
})

test('control messages round trip and are bounded', () => {
  expect(decodeChatControl(encodeChatControl({ cancel: true }))).toEqual({ cancel: true })
  expect(decodeChatControl(encodeChatControl({ cancel: false }))).toEqual({ cancel: false })
  expect(() => decodeChatControl(new Uint8Array(65))).toThrow(tooLarge)
  expect(() => decodeChatControl(new Uint8Array([0x08]))).toThrow(malformed)
})

test('delta text is split into pieces that fit an event, never inside a surrogate pair', () => {
  expect(splitDeltaText('abc', 2)).toEqual(['ab', 'c'])
  expect(splitDeltaText('a👋b', 2)).toEqual(['a', '👋', 'b'])
  const long = '👋'.repeat(20_000)
  const pieces = splitDeltaText(long)
  expect(pieces.join('')).toBe(long)
  for (const piece of pieces) {
    expect(encodeChatEvent({ type: 'delta', text: piece }).byteLength).toBeLessThanOrEqual(MAX_CHAT_EVENT_BYTES)
  }
})

test('presented receipts and a done event\'s receipt travel byte for byte; too many or too large are malformed', () => {
  const receipt = { body: new Uint8Array([1, 2, 3]), signature: new Uint8Array(64).fill(7) }
  const presenting: ValidChatRequest = { ...request, receipts: [receipt, receipt] }
  expect(decodeChatRequest(encodeChatRequest(presenting)).receipts).toEqual([receipt, receipt])
  expect(() => encodeChatRequest({ ...request, receipts: Array.from({ length: MAX_PRESENTED_RECEIPTS + 1 }, () => receipt) })).toThrow(malformed)
  expect(() => decodeChatRequest(wire({ receipts: Array.from({ length: MAX_PRESENTED_RECEIPTS + 1 }, () => receipt) }))).toThrow(malformed)
  expect(() => decodeChatRequest(wire({ receipts: [{ body: new Uint8Array(MAX_RECEIPT_BYTES + 1), signature: receipt.signature }] }))).toThrow(malformed)

  const done: ChatServerEvent = { type: 'done', finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 2 }, timings: { queuedMs: 0, firstTokenMs: 1, totalMs: 2 }, receipt }
  expect(decodeChatEvent(encodeChatEvent(done))).toEqual(done)
})

test('response formats, tools, tool choices and tool turns survive a round trip; bad ones are malformed', () => {
  const agent: ValidChatRequest = {
    ...request,
    messages: [
      { role: 'user', content: 'Weather in Oslo?' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' }] },
      { role: 'tool', content: '{"celsius":-3}', toolCallId: 'call_1' }
    ],
    responseFormat: { type: 'json_schema', schema: { type: 'object', properties: { ok: { type: 'boolean' } } } },
    tools: [{ name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } } } }, { name: 'get_time' }],
    toolChoice: { name: 'get_weather' }
  }
  expect(decodeChatRequest(encodeChatRequest(agent))).toEqual(agent)
  for (const toolChoice of ['auto', 'none', 'required'] as const) {
    expect(decodeChatRequest(encodeChatRequest({ ...agent, toolChoice })).toolChoice).toBe(toolChoice)
  }
  expect(decodeChatRequest(encodeChatRequest({ ...request, responseFormat: { type: 'json' } })).responseFormat).toEqual({ type: 'json' })
  expect('toolChoice' in decodeChatRequest(encodeChatRequest(request))).toBe(false)
  expect(() => encodeChatRequest({ ...agent, toolChoice: { name: 'nope' } })).toThrow(expect.objectContaining({ name: 'MalformedMessageError', message: expect.stringContaining('toolChoice') }))
  expect(() => encodeChatRequest({ ...request, toolChoice: 'required' })).toThrow(malformed)
  expect(() => encodeChatRequest({ ...agent, tools: [{ name: 'has space' }] })).toThrow(malformed)
  expect(() => encodeChatRequest({ ...agent, tools: [{ name: 'a' }, { name: 'a' }], toolChoice: 'auto' })).toThrow(malformed)
  expect(() => decodeChatRequest(wire({ tools: [{ name: 'f', parameters: '{not json' }] }))).toThrow(malformed)
  expect(() => decodeChatRequest(wire({ responseFormat: { jsonSchema: '[1]' } }))).toThrow(malformed)
  expect(() => decodeChatRequest(wire({ responseFormat: {} }))).toThrow(malformed)
})

test('a logit bias survives a round trip; over 100, or on more than 300 tokens, it is malformed', () => {
  const biased: ValidChatRequest = { ...request, logitBias: [{ token: 124, bias: 100 }, { token: 7, bias: -0.5 }] }
  expect(decodeChatRequest(encodeChatRequest(biased))).toEqual(biased)
  expect('logitBias' in decodeChatRequest(encodeChatRequest(request))).toBe(false)
  expect(() => encodeChatRequest({ ...request, logitBias: [{ token: 1, bias: 100.5 }] })).toThrow(malformed)
  expect(() => encodeChatRequest({ ...request, logitBias: Array.from({ length: 301 }, (_, token) => ({ token, bias: 1 })) })).toThrow(malformed)
  expect(() => decodeChatRequest(wire({ logitBias: Array.from({ length: 301 }, (_, token) => ({ token, bias: 1 })) }))).toThrow(malformed)
})

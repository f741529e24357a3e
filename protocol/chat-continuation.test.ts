import { expect, test } from '@playwright/test'
import { decodeChatEvent, decodeChatRequest, encodeChatEvent, encodeChatRequest } from './chat.ts'
import type { ValidChatRequest } from './chat.ts'
import { MAX_CHAT_CONTINUATION_TOKENS } from './limits.ts'
import { ChatPrivacy, ChatRequest, ChatRole } from './messages.ts'

const request: ValidChatRequest = {
  requestId: 'req-1',
  messages: [{ role: 'user', content: 'Tell me a story.' }],
  maxTokens: 64,
  temperature: 0,
  topP: 1,
  stop: [],
  privacy: 'verifier-only'
}

const malformed = expect.objectContaining({ name: 'MalformedMessageError' })

function wireWithContinuation (continuation: { text?: string, tokens?: number[], tokenizerFingerprint?: string }): Uint8Array {
  return ChatRequest.encode({
    requestId: 'req-1',
    messages: [{ role: ChatRole.USER, content: 'hi', toolCalls: [] }],
    maxTokens: 16,
    temperature: 0,
    topP: 1,
    stop: [],
    privacy: ChatPrivacy.VERIFIER_ONLY,
    receipts: [],
    continuation: { text: '', tokens: [], tokenizerFingerprint: 'fp', ...continuation }
  })
}

test('a continuation survives the wire as it was sent', () => {
  const continued = { ...request, continuation: { text: 'Once upon', tokens: [7, 0, 4_000_000_000], tokenizerFingerprint: 'sha256:abc' } }
  expect(decodeChatRequest(encodeChatRequest(continued))).toEqual(continued)
  // A request without one decodes without one (not an empty continuation).
  expect(decodeChatRequest(encodeChatRequest(request))).not.toHaveProperty('continuation')
})

test('a continuation that cannot be continued is refused by field', () => {
  expect(() => decodeChatRequest(wireWithContinuation({ text: 'Once', tokens: [] }))).toThrow(malformed)
  expect(() => decodeChatRequest(wireWithContinuation({ tokens: [1], tokenizerFingerprint: '' }))).toThrow(malformed)
  expect(() => decodeChatRequest(wireWithContinuation({ tokens: [1], tokenizerFingerprint: 'x'.repeat(513) }))).toThrow(malformed)
  const tooMany = wireWithContinuation({ tokens: Array.from({ length: MAX_CHAT_CONTINUATION_TOKENS + 1 }, () => 1) })
  expect(() => decodeChatRequest(tooMany)).toThrow(/at most 32768 tokens/)
  expect(() => encodeChatRequest({ ...request, continuation: { text: '', tokens: [1.5], tokenizerFingerprint: 'fp' } })).toThrow(malformed)
  expect(() => encodeChatRequest({ ...request, continuation: { text: '', tokens: [-1], tokenizerFingerprint: 'fp' } })).toThrow(malformed)
})

test('a delta carries its tokens, and one without tokens decodes without them', () => {
  expect(decodeChatEvent(encodeChatEvent({ type: 'delta', text: ' upon', tokens: [12, 345] }))).toEqual({ type: 'delta', text: ' upon', tokens: [12, 345] })
  expect(decodeChatEvent(encodeChatEvent({ type: 'delta', text: '' }))).toEqual({ type: 'delta', text: '' })
})

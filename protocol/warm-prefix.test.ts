import { expect, test } from '@playwright/test'
import { decodeChatRequest, encodeChatRequest } from './chat.ts'
import type { ValidChatRequest } from './chat.ts'
import { WARM_PREFIX_PATTERN, warmPrefixHash } from './warm-prefix.ts'

const CONVERSATION = [{ role: 'user', content: 'Tell me a story.' }, { role: 'assistant', content: 'Once upon a time…' }]

test('a warm-prefix hash is short hex, the same for the same key and conversation, and differs with either', async () => {
  const hash = await warmPrefixHash('key-1', CONVERSATION)
  expect(hash).toMatch(WARM_PREFIX_PATTERN)
  expect(await warmPrefixHash('key-1', CONVERSATION.map((message) => ({ ...message })))).toBe(hash)
  expect(await warmPrefixHash('key-2', CONVERSATION)).not.toBe(hash)
  expect(await warmPrefixHash('key-1', [...CONVERSATION, { role: 'user', content: 'More.' }])).not.toBe(hash)
  // Turn boundaries count: the same text split otherwise is another conversation.
  expect(await warmPrefixHash('key-1', [{ role: 'user', content: 'Tell me a story.Once upon a time…' }])).not.toBe(hash)
})

test('a chat request carries its warm key, bounded like a request id', () => {
  const request: ValidChatRequest = { requestId: 'r', messages: [{ role: 'user', content: 'hi' }], maxTokens: 8, temperature: 0, topP: 1, stop: [], privacy: 'verifier-only', warmKey: 'conversation-key' }
  expect(decodeChatRequest(encodeChatRequest(request))).toEqual(request)
  const { warmKey: _, ...without } = request
  expect(decodeChatRequest(encodeChatRequest(without))).not.toHaveProperty('warmKey')
  for (const warmKey of ['', 'x'.repeat(65), 'has space']) {
    expect(() => encodeChatRequest({ ...request, warmKey })).toThrow(expect.objectContaining({ name: 'MalformedMessageError' }))
  }
})

import { expect, test } from '@playwright/test'
import { MAX_CHAT_TEMPERATURE } from '#protocol'
import { wllamaChatRequestSchema } from './wllama-protocol.ts'

const request = { operationId: 'op-1', messages: [{ role: 'user', content: 'Hi' }], maxTokens: 8, topP: 1, stop: [] }

test('the worker takes the temperatures a verifier takes, and no higher', () => {
  expect(MAX_CHAT_TEMPERATURE).toBe(2)
  expect(wllamaChatRequestSchema.safeParse({ ...request, temperature: 0 }).success).toBe(true)
  expect(wllamaChatRequestSchema.safeParse({ ...request, temperature: MAX_CHAT_TEMPERATURE }).success).toBe(true)
  expect(wllamaChatRequestSchema.safeParse({ ...request, temperature: MAX_CHAT_TEMPERATURE + 0.5 }).success).toBe(false)
  expect(wllamaChatRequestSchema.safeParse({ ...request, temperature: -0.1 }).success).toBe(false)
})

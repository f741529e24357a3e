import { expect, test } from '@playwright/test'
import { continuableRequest } from './continuable-request.ts'

const body = (json: object): Uint8Array => new TextEncoder().encode(JSON.stringify(json))

test('streamed answers without tools can be continued on the four routes; others only fail over', () => {
  expect(continuableRequest('/v1/chat/completions', body({ model: 'm', stream: false }))).toBeUndefined()
  expect(continuableRequest('/v1/chat/completions', body({ model: 'm', stream: true, tools: [{ type: 'function' }] }))).toBeUndefined()
  expect(continuableRequest('/v1/chat/completions', new TextEncoder().encode('not json'))).toBeUndefined()
  expect(continuableRequest('/v1/chat/completions', body({ model: 'm', stream: true, shoal_continuation: { text: '' } }))).toBeUndefined()
  expect(continuableRequest('/v1/completions', body({ model: 'm', prompt: 'a' }))).toBeUndefined()
  expect(continuableRequest('/v1/completions', body({ model: 'm', prompt: 'a', stream: true, echo: true }))).toBeUndefined()
  expect(continuableRequest('/api/chat', body({ model: 'm', stream: false }))).toBeUndefined()
  expect(continuableRequest('/api/chat', body({ model: 'm', tools: [{ function: { name: 'f' } }] }))).toBeUndefined()
  expect(continuableRequest('/v1/embeddings', body({ model: 'm', stream: true }))).toBeUndefined()

  expect(continuableRequest('/v1/chat/completions', body({ model: 'm', stream: true, max_completion_tokens: 5, max_tokens: 9 }))).toMatchObject({ dialect: 'chat', maxTokens: 5, contentType: 'text/event-stream' })
  expect(continuableRequest('/v1/chat/completions', body({ model: 'm', stream: true }))?.maxTokens).toBeUndefined()
  // A completion without max_tokens writes OpenAI's 16.
  expect(continuableRequest('/v1/completions', body({ model: 'm', prompt: 'a', stream: true }))).toMatchObject({ dialect: 'completion', maxTokens: 16 })
  // Ollama streams by default; num_predict below 0 runs to the context's end, 0 is one token.
  expect(continuableRequest('/api/chat', body({ model: 'm', options: { num_predict: 40 } }))).toMatchObject({ dialect: 'ollama-chat', maxTokens: 40, contentType: 'application/x-ndjson' })
  expect(continuableRequest('/api/generate', body({ model: 'm', options: { num_predict: -1 } }))?.maxTokens).toBeUndefined()
  expect(continuableRequest('/api/generate?x=1', body({ model: 'm', stream: true, options: { num_predict: 0 } }))).toMatchObject({ dialect: 'ollama-generate', maxTokens: 1 })
})

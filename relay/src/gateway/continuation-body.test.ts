import { expect, test } from '@playwright/test'
import { continuableRequest } from './continuable-request.ts'
import { continuationBody } from './continuation-body.ts'
import type { ContinuableRequest } from './continuable-request.ts'

const request = (path: string, json: object): ContinuableRequest => {
  const parsed = continuableRequest(path, new TextEncoder().encode(JSON.stringify(json)))
  if (parsed === undefined) {
    throw new Error(`${path} ${JSON.stringify(json)} is not continuable`)
  }
  return parsed
}
const parsed = (body: Uint8Array | undefined): unknown => body === undefined ? undefined : JSON.parse(Buffer.from(body).toString('utf8'))
const soFar = { text: 'Once', tokens: [7, 8], untokenized: false }
const continuation = { text: 'Once', tokens: [7, 8], tokenizerFingerprint: 'sha256:x' }

test('the next verifier is asked for what is left of the token limit, in each dialect\'s field', () => {
  expect(parsed(continuationBody(request('/v1/chat/completions', { model: 'm', stream: true, messages: [], max_completion_tokens: 5 }), soFar, 'sha256:x'))).toEqual({
    model: 'm', stream: true, messages: [], max_tokens: 3, shoal_continuation: continuation
  })
  expect(parsed(continuationBody(request('/v1/chat/completions', { model: 'm', stream: true, messages: [] }), soFar, 'sha256:x'))).toEqual({
    model: 'm', stream: true, messages: [], shoal_continuation: continuation
  })
  expect(parsed(continuationBody(request('/v1/completions', { model: 'm', stream: true, prompt: 'a' }), soFar, 'sha256:x'))).toEqual({
    model: 'm', stream: true, prompt: 'a', max_tokens: 14, shoal_continuation: continuation
  })
  expect(parsed(continuationBody(request('/api/chat', { model: 'm', messages: [], options: { temperature: 0, num_predict: 10 } }), soFar, 'sha256:x'))).toEqual({
    model: 'm', messages: [], options: { temperature: 0, num_predict: 8 }, shoal_continuation: continuation
  })
  expect(parsed(continuationBody(request('/api/generate', { model: 'm', prompt: 'a', raw: true, options: { num_predict: -1 } }), soFar, 'sha256:x'))).toEqual({
    model: 'm', prompt: 'a', raw: true, options: { num_predict: -1 }, shoal_continuation: continuation
  })
})

test('an answer with every token it was allowed, or text without tokens, is not continued', () => {
  expect(continuationBody(request('/v1/chat/completions', { model: 'm', stream: true, max_tokens: 2 }), soFar, 'sha256:x')).toBeUndefined()
  expect(continuationBody(request('/api/chat', { model: 'm' }), { ...soFar, untokenized: true }, 'sha256:x')).toBeUndefined()
})

import { expect, test } from '@playwright/test'
import { CompletionsRequest, OPENAI_COMPLETIONS_DEFAULT_MAX_TOKENS, toPromptCompletionRequest } from './completions-schema.ts'
import { parseRequest } from './validation.ts'
import type { ApiError } from './errors.ts'

const LIMITS = { defaultMaxTokens: 512, maxTokens: 4096, clientId: 'http:1' }

function rejection (body: unknown): Pick<ApiError, 'status' | 'message' | 'param'> {
  try {
    toPromptCompletionRequest(parseRequest(CompletionsRequest, body), LIMITS)
  } catch (err) {
    const { status, message, param } = err as ApiError
    return { status, message, param }
  }
  throw new Error(`accepted ${JSON.stringify(body)}`)
}

test('maps a full request onto the verifier\'s prompt request, ignoring unknown fields', () => {
  const parsed = parseRequest(CompletionsRequest, {
    model: 'm',
    prompt: 'Once',
    suffix: 'end',
    max_tokens: 9,
    temperature: 0,
    top_p: 0.5,
    seed: 3,
    stop: '.',
    echo: false,
    logprobs: 2,
    n: 1,
    best_of: 1,
    presence_penalty: 0.5,
    logit_bias: { 1: 2 },
    privacy: 'drafters-allowed'
  })
  expect(toPromptCompletionRequest(parsed, LIMITS)).toEqual({
    prompt: 'Once', suffix: 'end', echo: false, logprobs: 2, maxTokens: 9, temperature: 0, topP: 0.5, seed: 3, stop: ['.'], clientId: 'http:1', privacy: 'drafters-allowed'
  })
})

test('a prompt may be text, token ids, or a list of one of either; defaults are OpenAI\'s', () => {
  for (const [prompt, expected] of [['a b', 'a b'], [[1, 2], [1, 2]], [['a b'], 'a b'], [[[3, 4]], [3, 4]], ['', '']] as const) {
    const request = toPromptCompletionRequest(parseRequest(CompletionsRequest, { model: 'm', prompt }), LIMITS)
    expect(request.prompt).toEqual(expected)
    expect(request).toMatchObject({ maxTokens: OPENAI_COMPLETIONS_DEFAULT_MAX_TOKENS, temperature: 1, topP: 1, stop: [], echo: false, privacy: 'verifier-only' })
  }
  // A server that allows fewer tokens than OpenAI's default caps it.
  expect(toPromptCompletionRequest(parseRequest(CompletionsRequest, { model: 'm', prompt: 'a' }), { ...LIMITS, defaultMaxTokens: 4 }).maxTokens).toBe(4)
})

test('refuses, naming the field, what one answer from this server cannot honour', () => {
  expect(rejection({ model: 'm', prompt: ['a', 'b'] })).toMatchObject({ status: 400, param: 'prompt', message: /only one prompt per request/ })
  expect(rejection({ model: 'm', prompt: [] })).toMatchObject({ param: 'prompt', message: /must not be empty/ })
  expect(rejection({ model: 'm', prompt: [1.5] })).toMatchObject({ param: 'prompt', message: /integers from 0/ })
  expect(rejection({ model: 'm', prompt: [[1], 'a'] })).toMatchObject({ param: 'prompt', message: /one prompt/ })
  expect(rejection({ model: 'm', prompt: [[]] })).toMatchObject({ param: 'prompt[0]', message: /non-empty array of token ids/ })
  expect(rejection({ model: 'm', prompt: null })).toMatchObject({ param: 'prompt', message: /must be a string/ })
  expect(rejection({ model: 'm', prompt: 'a', n: 3 })).toMatchObject({ param: 'n', message: /n=1/ })
  expect(rejection({ model: 'm', prompt: 'a', logprobs: 6 })).toMatchObject({ param: 'logprobs', message: /at most 5/ })
  expect(rejection({ model: 'm', prompt: 'a', logprobs: 0, echo: true })).toMatchObject({ param: 'logprobs', message: /echo/ })
  expect(rejection({ model: 'm', prompt: 'a', stop: ['1', '2', '3', '4', '5'] })).toMatchObject({ param: 'stop', message: /OpenAI's limit/ })
  expect(rejection({ model: 'm', prompt: 'a', max_tokens: 5000 })).toMatchObject({ param: 'max_tokens', message: /more than this server allows per request \(4096\)/ })
})

test('an answer another verifier began is continued from its tokens, unless its prompt was echoed', () => {
  const continuation = { text: ' upon', tokens: [7, 8], tokenizerFingerprint: 'sha256:x' }
  const request = toPromptCompletionRequest(parseRequest(CompletionsRequest, { model: 'm', prompt: 'Once', max_tokens: 3, shoal_continuation: continuation }), LIMITS)
  expect(request.continuation).toEqual(continuation)
  expect(request.maxTokens).toBe(3)
  expect(rejection({ model: 'm', prompt: 'Once', echo: true, shoal_continuation: continuation })).toMatchObject({ status: 400, param: 'shoal_continuation' })
  expect(rejection({ model: 'm', prompt: 'Once', shoal_continuation: { ...continuation, tokens: [] } }).status).toBe(400)
})

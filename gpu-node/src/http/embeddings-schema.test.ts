import { expect, test } from '@playwright/test'
import { MAX_EMBEDDING_INPUTS } from '#protocol'
import { float32Base64, normalized } from './embeddings-handlers.ts'
import { EmbeddingsRequest, OllamaEmbedRequest } from './embeddings-schema.ts'
import { parseRequest } from './validation.ts'
import type { ApiError } from './errors.ts'

function rejection (schema: typeof EmbeddingsRequest | typeof OllamaEmbedRequest, body: unknown): Pick<ApiError, 'status' | 'message' | 'param'> {
  try {
    parseRequest(schema, body)
  } catch (err) {
    const { status, message, param } = err as ApiError
    return { status, message, param }
  }
  throw new Error(`accepted ${JSON.stringify(body)}`)
}

test('OpenAI\'s input is always a list of inputs: texts or token-id lists', () => {
  const input = (value: unknown): unknown => parseRequest(EmbeddingsRequest, { model: 'm', input: value }).input
  expect(input('a')).toEqual(['a'])
  expect(input(['a', 'b'])).toEqual(['a', 'b'])
  expect(input([1, 2])).toEqual([[1, 2]])
  expect(input([[1], [2, 3]])).toEqual([[1], [2, 3]])
  expect(input(['a', [4]])).toEqual(['a', [4]])
  expect(parseRequest(EmbeddingsRequest, { model: 'm', input: 'a', encoding_format: 'base64', dimensions: 8, user: 'u' })).toMatchObject({ encoding_format: 'base64', dimensions: 8 })
})

test('refuses, naming the field, inputs that are not texts or token ids, or too many', () => {
  expect(rejection(EmbeddingsRequest, { model: 'm', input: [] })).toMatchObject({ status: 400, param: 'input', message: /must not be empty/ })
  expect(rejection(EmbeddingsRequest, { model: 'm', input: 5 })).toMatchObject({ param: 'input', message: /must be a string/ })
  expect(rejection(EmbeddingsRequest, { model: 'm', input: [1, -1] })).toMatchObject({ param: 'input', message: /token ids/ })
  expect(rejection(EmbeddingsRequest, { model: 'm', input: ['a', null] })).toMatchObject({ param: 'input[1]', message: /must be a string or an array of token ids/ })
  expect(rejection(EmbeddingsRequest, { model: 'm', input: ['a', [0.5]] })).toMatchObject({ param: 'input[1]', message: /token ids/ })
  const tooMany = Array.from({ length: MAX_EMBEDDING_INPUTS + 1 }, () => 'a')
  expect(rejection(EmbeddingsRequest, { model: 'm', input: tooMany })).toMatchObject({ param: 'input', message: /at most 2048 inputs/ })
  expect(rejection(OllamaEmbedRequest, { model: 'm', input: tooMany })).toMatchObject({ param: 'input', message: /at most 2048 inputs/ })
  expect(rejection(EmbeddingsRequest, { model: 'm', input: 'a', encoding_format: 'binary' })).toMatchObject({ param: 'encoding_format' })
  expect(rejection(EmbeddingsRequest, { model: 'm', input: 'a', dimensions: 0 })).toMatchObject({ param: 'dimensions' })
})

test('vectors are scaled to length 1, and base64 carries their little-endian float32s', () => {
  expect(normalized([3, 4])).toEqual([0.6, 0.8])
  expect(normalized([0, 0])).toEqual([0, 0])
  const bytes = Buffer.from(float32Base64([1, -2.5, 0.1]), 'base64')
  expect(bytes.length).toBe(12)
  expect([bytes.readFloatLE(0), bytes.readFloatLE(4), bytes.readFloatLE(8)]).toEqual([1, -2.5, Math.fround(0.1)])
})

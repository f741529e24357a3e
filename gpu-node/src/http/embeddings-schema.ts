import { z } from 'zod'
import { MAX_EMBEDDING_INPUTS } from '#protocol'

/**
 * Embedding requests: OpenAI's `POST /v1/embeddings` and Ollama's
 * `POST /api/embed` and `POST /api/embeddings`. Unknown fields (`user`,
 * `options`, `keep_alive`) are ignored.
 */

const TooMany = `at most ${MAX_EMBEDDING_INPUTS} inputs are allowed (the Shoal protocol's limit)`

/**
 * OpenAI's `input`: a string, an array of strings, an array of token ids,
 * or an array of token-id arrays; always a list of inputs here.
 */
const OpenAiInput = z.unknown().transform((value, context): Array<string | number[]> => {
  const fail = (message: string, path: PropertyKey[] = []): never => {
    context.addIssue({ code: 'custom', message, path })
    return z.NEVER
  }
  if (typeof value === 'string') {
    return [value]
  }
  if (!Array.isArray(value)) {
    return fail('must be a string, an array of strings, an array of token ids, or an array of token-id arrays')
  }
  if (value.length === 0) {
    return fail('must not be empty')
  }
  if (value.every((item) => typeof item === 'number')) {
    return [tokenIds(value, fail)]
  }
  if (value.length > MAX_EMBEDDING_INPUTS) {
    return fail(TooMany)
  }
  return value.map((item, index): string | number[] => {
    if (typeof item === 'string') {
      return item
    }
    if (Array.isArray(item)) {
      return tokenIds(item, (message) => fail(message, [index]))
    }
    return fail('must be a string or an array of token ids', [index])
  })
})

function tokenIds (value: unknown[], fail: (message: string) => never): number[] {
  const ids = z.array(z.int().min(0)).min(1).safeParse(value)
  return ids.success ? ids.data : fail('token ids must be a non-empty array of integers from 0')
}

export const EmbeddingsRequest = z.object({
  model: z.string().min(1),
  input: OpenAiInput,
  encoding_format: z.enum(['float', 'base64'], { error: 'must be "float" or "base64"' }).nullish(),
  dimensions: z.int().min(1).nullish(),
  user: z.string().max(256).nullish()
})
export type EmbeddingsRequest = z.output<typeof EmbeddingsRequest>

/** Ollama's `POST /api/embed`: `input` a string or strings; `truncate` (default true) cuts what is too long. */
export const OllamaEmbedRequest = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).max(MAX_EMBEDDING_INPUTS, { error: TooMany })], { error: 'must be a string or an array of strings' }).nullish(),
  truncate: z.boolean().nullish(),
  dimensions: z.int().min(1).nullish()
})
export type OllamaEmbedRequest = z.output<typeof OllamaEmbedRequest>

/** Ollama's older `POST /api/embeddings`: one `prompt`. */
export const OllamaEmbeddingsRequest = z.object({
  model: z.string().min(1),
  prompt: z.string().nullish()
})
export type OllamaEmbeddingsRequest = z.output<typeof OllamaEmbeddingsRequest>

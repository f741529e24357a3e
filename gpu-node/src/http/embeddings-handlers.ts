import { sendJson } from '#server'
import { EmbeddingsRequest, OllamaEmbeddingsRequest, OllamaEmbedRequest } from './embeddings-schema.ts'
import { ApiError, ClientGoneError, invalidRequest, isClientGone } from './errors.ts'
import { readJsonBody } from './read-json-body.ts'
import { parseRequest } from './validation.ts'
import type { ApiContext } from './api-context.ts'
import type { Embeddings } from '../embedding/types.ts'
import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * `POST /v1/embeddings`: OpenAI's shape, unit-length vectors (as OpenAI's
 * are, so cosine similarity is a dot product), as float arrays or base64 of
 * little-endian float32s (what OpenAI's SDKs ask for by default).
 */
export async function handleEmbeddings (context: ApiContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = parseRequest(EmbeddingsRequest, await readJsonBody(request, { requireJsonContentType: true }))
  const { model } = context.embedder
  if (body.model !== model.name) {
    throw new ApiError(404, `The model \`${body.model}\` does not exist; this server embeds with \`${model.name}\`.`, { type: 'invalid_request_error', code: 'model_not_found', param: 'model' })
  }
  checkDimensions(context, body.dimensions)
  const { vectors, promptTokens } = await embed(context, response, body.input, false)
  const base64 = body.encoding_format === 'base64'
  sendJson(response, 200, {
    object: 'list',
    data: vectors.map((vector, index) => {
      const unit = normalized(vector)
      return { object: 'embedding', index, embedding: base64 ? float32Base64(unit) : unit }
    }),
    model: model.name,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens }
  })
}

/** `POST /api/embed`: Ollama's newer route, unit-length vectors as Ollama gives; `truncate` defaults to true. */
export async function handleOllamaEmbed (context: ApiContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = parseRequest(OllamaEmbedRequest, await readJsonBody(request, { requireJsonContentType: false }))
  checkOllamaModel(context, body.model)
  checkDimensions(context, body.dimensions)
  const inputs = typeof body.input === 'string' ? [body.input] : body.input ?? []
  const startedAt = performance.now()
  // No input is Ollama's "load the model": an empty answer at once.
  const { vectors, promptTokens } = inputs.length === 0 ? { vectors: [], promptTokens: 0 } : await embed(context, response, inputs, body.truncate ?? true)
  sendJson(response, 200, {
    model: body.model,
    embeddings: vectors.map(normalized),
    total_duration: Math.round((performance.now() - startedAt) * 1e6),
    load_duration: 0,
    prompt_eval_count: promptTokens
  })
}

/** `POST /api/embeddings`: Ollama's older route, one prompt, its vector as the model computes it (not normalized, as Ollama's). */
export async function handleOllamaEmbeddings (context: ApiContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = parseRequest(OllamaEmbeddingsRequest, await readJsonBody(request, { requireJsonContentType: false }))
  checkOllamaModel(context, body.model)
  if (body.prompt == null || body.prompt === '') {
    sendJson(response, 200, { embedding: [] })
    return
  }
  const { vectors } = await embed(context, response, [body.prompt], false)
  sendJson(response, 200, { embedding: vectors[0] ?? [] })
}

/** Embeds `inputs`, stopping between them once the client has gone. */
async function embed (context: ApiContext, response: ServerResponse, inputs: ReadonlyArray<string | readonly number[]>, truncate: boolean): Promise<Embeddings> {
  const controller = new AbortController()
  const onClose = (): void => {
    if (!response.writableFinished) {
      controller.abort(new ClientGoneError())
    }
  }
  response.on('close', onClose)
  try {
    return await context.embedder.embed(inputs, { truncate, signal: controller.signal })
  } catch (err) {
    throw controller.signal.aborted || isClientGone(err) ? new ClientGoneError() : err
  } finally {
    response.off('close', onClose)
  }
}

/** @throws {ApiError} 400 unless `dimensions` is absent or the model's own (vectors are not shortened here) */
function checkDimensions (context: ApiContext, dimensions: number | null | undefined): void {
  const own = context.embedder.model.dimensions
  if (dimensions != null && dimensions !== own) {
    throw invalidRequest(`Invalid 'dimensions': this model's embeddings have ${own} dimensions and cannot be shortened to ${dimensions}`, { param: 'dimensions', code: 'invalid_value' })
  }
}

/** Ollama names models `name:tag` and fills in `latest`; both spellings reach the embedding model. */
function checkOllamaModel (context: ApiContext, model: string): void {
  const name = context.embedder.model.name
  if (model !== name && model !== `${name}:latest`) {
    throw new ApiError(404, `model "${model}" not found; this server embeds with "${name}"`, { type: 'not_found_error', code: 'model_not_found', param: 'model' })
  }
}

/** `vector` scaled to length 1 (a zero vector stays zero). */
export function normalized (vector: readonly number[]): number[] {
  const length = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0))
  return length === 0 ? [...vector] : vector.map((value) => value / length)
}

/** Little-endian float32s in base64, as OpenAI's `encoding_format: "base64"` carries them. */
export function float32Base64 (vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4)
  for (const [index, value] of vector.entries()) {
    bytes.writeFloatLE(value, index * 4)
  }
  return bytes.toString('base64')
}

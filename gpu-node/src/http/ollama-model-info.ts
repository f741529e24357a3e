import { createHash } from 'node:crypto'
import { z } from 'zod'
import { sendJson } from '#server'
import { ApiError } from './errors.ts'
import { readJsonBody } from './read-json-body.ts'
import { parseRequest } from './validation.ts'
import type { ApiContext } from './api-context.ts'
import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * What Ollama clients ask about models before they use them: `/api/show`
 * (one model's details, template and capabilities), `/api/ps` (what is
 * loaded) and the entries `/api/tags` lists, all from the served model's
 * file (see model/model-details.ts).
 */

/** `POST /api/show`: Ollama names the model in `model`, older clients in `name`. */
const ShowRequest = z.object({
  model: z.string().min(1).nullish(),
  name: z.string().min(1).nullish(),
  verbose: z.boolean().nullish()
}).refine((request) => request.model != null || request.name != null, { error: 'a model is required', path: ['model'] })

/** The loaded model never expires here (it is loaded before the API opens and stays until the node stops). */
const NEVER_EXPIRES = '9999-12-31T23:59:59.000Z'

/** `POST /api/show`: the served model's details, its chat template, and what it can do. */
export async function handleOllamaShow (context: ApiContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = parseRequest(ShowRequest, await readJsonBody(request, { requireJsonContentType: false }))
  const asked = body.model ?? body.name ?? ''
  const served = context.verifier.model.name
  if (asked !== served && asked !== `${served}:latest`) {
    throw new ApiError(404, `model "${asked}" not found; this server serves "${served}"`, { type: 'not_found_error', code: 'model_not_found', param: 'model' })
  }
  const details = context.modelDetails
  sendJson(response, 200, {
    license: String(details.metadata['general.license'] ?? ''),
    modelfile: `# Served by Shoal\nFROM ${served}\n`,
    parameters: '',
    template: details.chatTemplate ?? '',
    system: '',
    details: ollamaDetails(context),
    messages: [],
    model_info: {
      ...details.metadata,
      'general.parameter_count': details.parameterCount
    },
    capabilities: capabilities(context),
    modified_at: modifiedAt(context)
  })
}

/** `GET /api/ps`: the loaded model, its size (and how much is on the GPU) and the context it runs with. */
export async function handleOllamaPs (context: ApiContext, _request: IncomingMessage, response: ServerResponse): Promise<void> {
  const details = context.modelDetails
  sendJson(response, 200, {
    models: [{
      ...ollamaModelEntry(context),
      expires_at: NEVER_EXPIRES,
      size_vram: details.gpuBytes,
      context_length: details.contextLength
    }]
  })
}

/** The served model as Ollama lists it (`/api/tags`, `/api/ps`). */
export function ollamaModelEntry (context: ApiContext): Record<string, unknown> {
  const { model } = context.verifier
  return {
    name: model.name,
    model: model.name,
    modified_at: modifiedAt(context),
    size: context.modelDetails.sizeBytes,
    // Ollama's digest names a manifest; this one names the model and its tokenizer.
    digest: createHash('sha256').update(`${model.name}\0${model.tokenizerFingerprint}`).digest('hex'),
    details: ollamaDetails(context)
  }
}

function ollamaDetails (context: ApiContext): Record<string, unknown> {
  const { architecture, parameterCount, quantization } = context.modelDetails
  return {
    parent_model: '',
    format: 'gguf',
    family: architecture,
    families: architecture === '' ? null : [architecture],
    parameter_size: parameterSize(parameterCount),
    quantization_level: quantization
  }
}

/** Ollama's capability names: `completion` always, `insert` with fill-in-the-middle tokens, `embedding` when the served model embeds too. */
function capabilities (context: ApiContext): string[] {
  return [
    'completion',
    ...(context.modelDetails.fillInTheMiddle ? ['insert'] : []),
    ...(context.embedder.model.name === context.verifier.model.name ? ['embedding'] : [])
  ]
}

function modifiedAt (context: ApiContext): string {
  return new Date(context.modelCreatedAt * 1000).toISOString()
}

/** 2164416 → `2.2M`, 7615616512 → `7.6B`, as Ollama shows sizes. */
export function parameterSize (count: number): string {
  for (const [scale, unit] of [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'K']] as const) {
    if (count >= scale) {
      return `${(count / scale).toFixed(1)}${unit}`
    }
  }
  return String(count)
}

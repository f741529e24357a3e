/*
 * What the HTTP targets share: every route that reads a body, with valid
 * bodies to mutate and odd content types, and the checks on each answer. The
 * same inputs go to a gpu-node's own port (http-bodies.ts) and to a relay's
 * gateway (gateway-bodies.ts), which reads them too before it forwards them.
 */
import fc from 'fast-check'
import { textFrom } from './byte-inputs.ts'
import { jsonTextFrom } from './json-inputs.ts'

/** Statuses that are a proper refusal of a bad or unlucky request; anything else from a fuzzed body is a bug. */
export const REFUSED_STATUSES = [400, 404, 405, 408, 413, 415, 422, 429, 503]
/** A route's valid bodies, to mutate. */
const ROUTES: Array<{ path: string, seeds: unknown[] }> = [
  {
    path: '/v1/chat/completions',
    seeds: [
      { model: 'shoal-demo', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Tell me a story.' }], max_tokens: 4, temperature: 0 },
      { model: 'shoal-demo', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], stream: true, stream_options: { include_usage: true }, max_completion_tokens: 3, stop: ['\n'], seed: 7, top_p: 0.5 },
      { model: 'shoal-demo', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 6, logprobs: true, top_logprobs: 2, response_format: { type: 'json_schema', json_schema: { name: 'a', schema: { type: 'object', properties: { ok: { type: 'boolean' }, n: { anyOf: [{ type: 'integer' }, { type: 'null' }] }, tags: { type: 'array', items: { enum: ['x', 'y'] }, maxItems: 2 } } } } } },
      { model: 'shoal-demo', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'c1', content: '1' }], max_tokens: 6, stream: true, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 8 } } } } }], tool_choice: 'required' },
      // The model's own calls: a bias toward the demo model's call start (`|`, token 124), one call or several.
      { model: 'shoal-demo', messages: [{ role: 'user', content: 'Weather?' }], max_tokens: 40, stream: true, logit_bias: { 124: 100, 7: -100 }, parallel_tool_calls: false, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { zone: { enum: ['UTC', 'CET'] } } } } }, { type: 'function', function: { name: 'g' } }] }
    ]
  },
  {
    path: '/v1/completions',
    seeds: [
      { model: 'shoal-demo', prompt: 'Once upon a time', max_tokens: 4, temperature: 0, echo: true },
      { model: 'shoal-demo', prompt: [[12, 40, 7]], stream: true, stream_options: { include_usage: true }, max_tokens: 3, stop: ['.'], seed: 2, top_p: 0.5 }
    ]
  },
  {
    path: '/v1/embeddings',
    seeds: [
      { model: 'shoal-demo', input: ['a cat', 'a dog'], encoding_format: 'float' },
      { model: 'shoal-demo', input: [[5, 6, 7]], encoding_format: 'base64', dimensions: 256 }
    ]
  },
  {
    path: '/api/embed',
    seeds: [{ model: 'shoal-demo', input: ['a cat', 'a dog'], truncate: false }]
  },
  {
    path: '/api/embeddings',
    seeds: [{ model: 'shoal-demo', prompt: 'a cat' }]
  },
  {
    path: '/api/show',
    seeds: [{ model: 'shoal-demo', verbose: true }, { name: 'shoal-demo:latest' }]
  },
  {
    path: '/api/chat',
    seeds: [
      { model: 'shoal-demo', messages: [{ role: 'user', content: 'Hello' }], stream: false, options: { num_predict: 4, temperature: 0 } },
      { model: 'shoal-demo', messages: [{ role: 'system', content: 'x' }, { role: 'user', content: 'y' }], options: { num_predict: 2, stop: ['.'], seed: 3 } },
      { model: 'shoal-demo', messages: [{ role: 'user', content: 'y' }], format: { type: 'object', properties: { a: { type: 'string' } } }, tools: [{ type: 'function', function: { name: 'g', parameters: { type: 'object' } } }], options: { num_predict: 4 } }
    ]
  },
  {
    path: '/api/generate',
    seeds: [
      { model: 'shoal-demo', prompt: 'Once upon a time', stream: false, options: { num_predict: 4 } },
      { model: 'shoal-demo', prompt: 'Hi', system: 'Be kind.', options: { num_predict: 2, top_p: 0.9 } },
      { model: 'shoal-demo', prompt: 'Once upon', raw: true, suffix: 'the end', stream: false, options: { num_predict: 3 } }
    ]
  }
]
const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/vnd.api+json', '']

export interface HttpInput {
  path: string
  contentType: string
  body: string
}

/** Fuzzed requests to every route: mostly mutated JSON seeds, some byte-edited text. */
export const httpInputs = fc.oneof(...ROUTES.map((route) => fc.record({
  path: fc.constant(route.path),
  contentType: fc.constantFrom(...CONTENT_TYPES),
  body: fc.oneof({ weight: 4, arbitrary: jsonTextFrom(route.seeds) }, { weight: 1, arbitrary: textFrom(route.seeds.map((seed) => JSON.stringify(seed))) })
})))

/** The node's answer to a fuzzed body was a refusal: named by status, so the report counts refusals by kind. */
export class HttpRefusal extends Error {
  constructor (readonly status: number) {
    super(`HTTP ${status}`)
    this.name = `HTTP ${status}`
  }
}

/**
 * Sends one fuzzed request to `baseUrl` and reads the answer to its end.
 * Resolves on a 2xx whose stream is whole; throws `HttpRefusal` on a 4xx,
 * 429 or 503 with a JSON error (and Retry-After on 429 and 503); throws
 * anything else on a 5xx, an error without a JSON body, or a broken stream.
 */
export async function sendFuzzedRequest (baseUrl: string, input: HttpInput): Promise<void> {
  const response = await fetch(`${baseUrl}${input.path}`, {
    method: 'POST',
    headers: input.contentType === '' ? {} : { 'content-type': input.contentType },
    body: input.body,
    signal: AbortSignal.timeout(30_000)
  })
  // Read every answer to its end: a stream that breaks off rejects here, and is a failure too.
  const text = await response.text()
  if (response.ok) {
    checkStreamEnd(response.headers.get('content-type') ?? '', text)
    return
  }
  if (!REFUSED_STATUSES.includes(response.status)) {
    throw new Error(`HTTP ${response.status} to a fuzzed body: ${text.slice(0, 300)}`)
  }
  let error: unknown
  try {
    error = JSON.parse(text)
  } catch {
    throw new Error(`HTTP ${response.status} without a JSON error body: ${text.slice(0, 300)}`)
  }
  if (typeof error !== 'object' || error === null || !('error' in error)) {
    throw new Error(`HTTP ${response.status} with a body that names no error: ${text.slice(0, 300)}`)
  }
  if ((response.status === 429 || response.status === 503) && response.headers.get('retry-after') == null) {
    throw new Error(`HTTP ${response.status} without Retry-After`)
  }
  throw new HttpRefusal(response.status)
}

/** A streamed answer ended as its API ends one: OpenAI's SSE with `data: [DONE]`, Ollama's NDJSON with a `done` line. */
function checkStreamEnd (contentType: string, text: string): void {
  if (contentType.startsWith('text/event-stream') && !text.endsWith('data: [DONE]\n\n')) {
    throw new Error(`a 2xx event stream that does not end with data: [DONE]: …${text.slice(-300)}`)
  }
  if (contentType.startsWith('application/x-ndjson')) {
    const last = text.trimEnd().split('\n').at(-1) ?? ''
    let done: unknown
    try {
      done = (JSON.parse(last) as { done?: unknown }).done
    } catch {
      done = undefined
    }
    if (done !== true) {
      throw new Error(`a 2xx NDJSON stream whose last line is not done: ${last.slice(0, 300)}`)
    }
  }
}

/** Throws unless `url`'s /health answers ok: a fuzzed server must still be well afterwards. */
export async function checkHealthy (url: string, what: string): Promise<void> {
  const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(10_000) })
  if (!health.ok) {
    throw new Error(`after fuzzing, ${what}'s /health answers HTTP ${health.status}`)
  }
}

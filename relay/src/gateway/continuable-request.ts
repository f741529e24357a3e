/*
 * A streamed answer through the gateway is continued on another verifier when
 * the one writing it goes away mid-answer (see answer-relay.ts). The gateway
 * asks for each piece's tokens (`STREAM_TOKENS_HEADER`), keeps them with the
 * text the client was sent (a stream reader per dialect: chat-stream-reader.ts,
 * completion-stream-reader.ts, ollama-stream-reader.ts), strips them, and on a
 * cut asks the next verifier (same model, same tokenizer) to go on from that
 * text and those tokens (continuation-body.ts, protocol/chat-continuation.ts).
 * At temperature 0 the client's text is then the one a single verifier writes.
 */

/** The streamed routes an answer can be continued on, each with its own chunks. */
export type Dialect = 'chat' | 'completion' | 'ollama-chat' | 'ollama-generate'

/** What the gateway reads from the request's JSON body to continue its answer. */
export interface ContinuableRequest {
  dialect: Dialect
  body: Record<string, unknown>
  /** The answer's token limit, when it has one: the next verifier writes what is left of it. */
  maxTokens?: number
  /** The `Content-Type` of the verifier's stream; any other answer (an error, a whole answer) is relayed as it is. */
  contentType: 'text/event-stream' | 'application/x-ndjson'
}

/** OpenAI's `max_tokens` for a completion that sets none; the verifiers' default too (gpu-node's completions-schema.ts). */
const COMPLETIONS_DEFAULT_MAX_TOKENS = 16

const DIALECTS: Record<string, Dialect> = {
  '/v1/chat/completions': 'chat',
  '/v1/completions': 'completion',
  '/api/chat': 'ollama-chat',
  '/api/generate': 'ollama-generate'
}

/**
 * The request, when its answer can be continued: a streamed JSON request on
 * one of the four routes, without tools (a forced call is sent whole at the
 * end, and calls the model makes on its own are not text to continue), and
 * for `/v1/completions` without `echo` (the prompt is not the model's to
 * write again). Anything else only fails over before the first byte.
 */
export function continuableRequest (path: string, body: Uint8Array): ContinuableRequest | undefined {
  const dialect = DIALECTS[path.split('?')[0] ?? path]
  if (dialect === undefined) {
    return undefined
  }
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(body).toString('utf8'))
  } catch {
    return undefined
  }
  if (!isRecord(json) || json.shoal_continuation != null || (Array.isArray(json.tools) && json.tools.length > 0)) {
    return undefined
  }
  switch (dialect) {
    case 'chat':
    case 'completion': {
      if (json.stream !== true || (dialect === 'completion' && json.echo === true)) {
        return undefined
      }
      const limit = dialect === 'chat' ? json.max_completion_tokens ?? json.max_tokens : json.max_tokens ?? COMPLETIONS_DEFAULT_MAX_TOKENS
      return { dialect, body: json, ...(typeof limit === 'number' ? { maxTokens: limit } : {}), contentType: 'text/event-stream' }
    }
    case 'ollama-chat':
    case 'ollama-generate': {
      // Ollama streams unless told not to.
      if (json.stream === false) {
        return undefined
      }
      const limit = isRecord(json.options) ? json.options.num_predict : undefined
      // Below 0: until the context is full; 0 is one token, as the verifier takes it.
      return { dialect, body: json, ...(typeof limit === 'number' && limit >= 0 ? { maxTokens: Math.max(1, limit) } : {}), contentType: 'application/x-ndjson' }
    }
  }
}

export function isRecord (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/*
 * A streamed chat completion through the gateway is continued on another
 * verifier when the one writing it goes away mid-answer. The gateway asks
 * for each chunk's tokens (`STREAM_TOKENS_HEADER`), keeps them with the text
 * the client was sent, strips them, and forwards only whole SSE events; on a
 * cut it asks the next verifier (same model, same tokenizer) to continue from
 * that text and those tokens (`shoal_continuation`, protocol/chat-continuation.ts).
 * At temperature 0 the client's text is then the one a single verifier writes.
 */

/** What the gateway reads from the request's JSON body to continue its answer. */
export interface ContinuableChat {
  body: Record<string, unknown>
  /** `max_completion_tokens` or `max_tokens`, when set: the next verifier writes what is left of it. */
  maxTokens?: number
}

/**
 * The request, when it is a streamed chat completion that can be continued:
 * a JSON object with `stream: true` and no tools (a forced tool call is sent
 * whole at the end, so there is nothing to continue).
 */
export function continuableChat (path: string, body: Uint8Array): ContinuableChat | undefined {
  if (path !== '/v1/chat/completions') {
    return undefined
  }
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(body).toString('utf8'))
  } catch {
    return undefined
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return undefined
  }
  const request = json as Record<string, unknown>
  if (request.stream !== true || (Array.isArray(request.tools) && request.tools.length > 0) || request.shoal_continuation != null) {
    return undefined
  }
  const limit = request.max_completion_tokens ?? request.max_tokens
  return { body: request, ...(typeof limit === 'number' ? { maxTokens: limit } : {}) }
}

/**
 * The body that asks the next verifier to go on from `answer`, or undefined
 * when the answer already has every token it was allowed.
 */
export function continuationBody (chat: ContinuableChat, answer: StreamedAnswer, tokenizerFingerprint: string): Uint8Array | undefined {
  const left = chat.maxTokens === undefined ? undefined : chat.maxTokens - answer.tokens.length
  if (answer.untokenized || (left !== undefined && left <= 0)) {
    return undefined
  }
  const { max_tokens: _max, max_completion_tokens: _completion, ...rest } = chat.body
  return Buffer.from(JSON.stringify({
    ...rest,
    ...(left === undefined ? {} : { max_tokens: left }),
    shoal_continuation: { text: answer.text, tokens: answer.tokens, tokenizerFingerprint }
  }))
}

/**
 * Reads the verifier's SSE stream as it comes and says what to forward:
 * whole events only (a half event cut by the verifier's death is never
 * sent), without `shoal_tokens`. After a hand-over the next verifier's
 * opening chunk (the role) is dropped and its chunks take the first
 * verifier's `id` and `created`, so the client reads one answer.
 */
export class StreamedAnswer {
  text = ''
  readonly tokens: number[] = []
  /** A chunk with a `finish_reason` was forwarded: the answer is whole. */
  finished = false
  /** `data: [DONE]` was forwarded. */
  done = false
  /** Text came without its tokens (a verifier that does not send them): it cannot be continued. */
  untokenized = false
  #pending = ''
  #identity: { id: unknown, created: unknown } | undefined
  #skipOpening = false
  readonly #decoder = new TextDecoder()

  /** The forwardable bytes of `chunk` (and what was pending before it). */
  push (chunk: Uint8Array): string {
    this.#pending += this.#decoder.decode(chunk, { stream: true })
    let out = ''
    let end = this.#pending.indexOf('\n\n')
    while (end >= 0) {
      out += this.#event(this.#pending.slice(0, end))
      this.#pending = this.#pending.slice(end + 2)
      end = this.#pending.indexOf('\n\n')
    }
    return out
  }

  /** The next verifier's stream begins: what is pending of the last is dropped. */
  handOver (): void {
    this.#pending = ''
    this.#skipOpening = true
  }

  #event (event: string): string {
    if (event === 'data: [DONE]') {
      this.done = true
      return `${event}\n\n`
    }
    if (!event.startsWith('data: ')) {
      return `${event}\n\n`
    }
    let chunk: Record<string, unknown>
    try {
      chunk = JSON.parse(event.slice('data: '.length)) as Record<string, unknown>
    } catch {
      return `${event}\n\n`
    }
    const tokens = chunk.shoal_tokens
    delete chunk.shoal_tokens
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] as { delta?: { role?: unknown, content?: unknown }, logprobs?: unknown, finish_reason?: unknown } | undefined : undefined
    if (this.#skipOpening && typeof choice?.delta?.role === 'string' && (choice.delta.content ?? '') === '') {
      // The next verifier's opening chunk: the client already had the first's.
      this.#skipOpening = false
      return ''
    }
    this.#identity ??= { id: chunk.id, created: chunk.created }
    chunk.id = this.#identity.id
    chunk.created = this.#identity.created
    if (typeof choice?.delta?.content === 'string') {
      this.text += choice.delta.content
      this.untokenized ||= choice.delta.content !== '' && !Array.isArray(tokens)
    }
    if (Array.isArray(tokens)) {
      this.tokens.push(...tokens.filter((token): token is number => typeof token === 'number'))
    }
    if (choice?.finish_reason != null) {
      this.finished = true
    }
    // A delta that only brought tokens (its text held back for a stop string) says nothing to the client.
    if (choice?.delta?.content === '' && choice.delta.role === undefined && choice.logprobs == null && choice.finish_reason == null && Array.isArray(tokens)) {
      return ''
    }
    return `data: ${JSON.stringify(chunk)}\n\n`
  }
}

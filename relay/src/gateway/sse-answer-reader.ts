import { AnswerReader } from './answer-reader.ts'
import { isRecord } from './continuable-request.ts'

/**
 * OpenAI's streams (chat and completions): SSE events, `data: [DONE]` at the
 * end. Comments (`: queued ...`) go through as they are. After a hand-over
 * the next verifier's chunks take the first's `id` and `created`, so the
 * client reads one answer, and a usage chunk counts the whole answer.
 */
export abstract class SseAnswerReader extends AnswerReader {
  /** `data: [DONE]` was forwarded. */
  done = false
  #identity: { id: unknown, created: unknown } | undefined

  constructor () {
    super('\n\n')
  }

  override ending (): string {
    return this.finished && !this.done ? 'data: [DONE]\n\n' : ''
  }

  protected record (event: string): string {
    if (event === 'data: [DONE]') {
      this.done = true
      return `${event}\n\n`
    }
    if (!event.startsWith('data: ')) {
      return `${event}\n\n`
    }
    let chunk: unknown
    try {
      chunk = JSON.parse(event.slice('data: '.length))
    } catch {
      return `${event}\n\n`
    }
    if (!isRecord(chunk)) {
      return `${event}\n\n`
    }
    const tokens = chunk.shoal_tokens
    delete chunk.shoal_tokens
    const choice = Array.isArray(chunk.choices) && isRecord(chunk.choices[0]) ? chunk.choices[0] : undefined
    if (this.chunk(choice, tokens) === 'drop') {
      return ''
    }
    this.#identity ??= { id: chunk.id, created: chunk.created }
    chunk.id = this.#identity.id
    chunk.created = this.#identity.created
    if (choice?.finish_reason != null) {
      this.finished = true
    }
    if (isRecord(chunk.usage)) {
      this.countWhole(chunk.usage, 'prompt_tokens', 'completion_tokens')
    }
    return `data: ${JSON.stringify(chunk)}\n\n`
  }

  /** Reads one chunk's first choice (and its tokens): kept for the client, or dropped. */
  protected abstract chunk (choice: Record<string, unknown> | undefined, tokens: unknown): 'keep' | 'drop'
}

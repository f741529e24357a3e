import { isRecord } from './continuable-request.ts'
import { SseAnswerReader } from './sse-answer-reader.ts'

/**
 * A streamed chat completion (`chat.completion.chunk` events): the text is
 * each delta's `content`. After a hand-over the next verifier's opening chunk
 * (the role) is dropped: the client had the first's.
 */
export class ChatStreamReader extends SseAnswerReader {
  #skipOpening = false

  override handOver (): void {
    super.handOver()
    this.#skipOpening = true
  }

  protected chunk (choice: Record<string, unknown> | undefined, tokens: unknown): 'keep' | 'drop' {
    const delta = isRecord(choice?.delta) ? choice.delta : undefined
    if (this.#skipOpening && typeof delta?.role === 'string' && (delta.content ?? '') === '') {
      this.#skipOpening = false
      return 'drop'
    }
    this.take(delta?.content, tokens)
    // A delta that only brought tokens (its text held back for a stop string) says nothing to the client.
    const onlyTokens = delta?.content === '' && delta.role === undefined && choice?.logprobs == null && choice?.finish_reason == null && Array.isArray(tokens)
    return onlyTokens ? 'drop' : 'keep'
  }
}

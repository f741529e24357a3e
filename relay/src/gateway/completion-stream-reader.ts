import { SseAnswerReader } from './sse-answer-reader.ts'

/** A streamed `/v1/completions` answer (`text_completion` events): the text is each choice's `text`. */
export class CompletionStreamReader extends SseAnswerReader {
  protected chunk (choice: Record<string, unknown> | undefined, tokens: unknown): 'keep' | 'drop' {
    this.take(choice?.text, tokens)
    // A piece that only brought tokens (its text held back for a stop string) says nothing to the client.
    const onlyTokens = choice?.text === '' && choice.logprobs == null && choice.finish_reason == null && Array.isArray(tokens)
    return onlyTokens ? 'drop' : 'keep'
  }
}

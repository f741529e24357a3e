import { AnswerReader } from './answer-reader.ts'
import { isRecord } from './continuable-request.ts'

/**
 * A streamed Ollama answer: NDJSON lines, the text in `message.content`
 * (`/api/chat`) or `response` (`/api/generate`), the last line `done: true`
 * with the statistics, whose counts are told as the whole answer's after a
 * hand-over. An error line goes through as it is.
 */
export class OllamaStreamReader extends AnswerReader {
  readonly #route: 'chat' | 'generate'

  constructor (route: 'chat' | 'generate') {
    super('\n')
    this.#route = route
  }

  protected record (line: string): string {
    let object: unknown
    try {
      object = JSON.parse(line)
    } catch {
      return line === '' ? '' : `${line}\n`
    }
    if (!isRecord(object)) {
      return `${line}\n`
    }
    const tokens = object.shoal_tokens
    delete object.shoal_tokens
    const text = this.#route === 'chat' ? (isRecord(object.message) ? object.message.content : undefined) : object.response
    this.take(text, tokens)
    if (object.done === true) {
      this.finished = true
      this.countWhole(object, 'prompt_eval_count', 'eval_count')
    } else if (text === '' && Array.isArray(tokens)) {
      // A line that only brought tokens (its text held back for a stop string) says nothing to the client.
      return ''
    }
    return `${JSON.stringify(object)}\n`
  }
}

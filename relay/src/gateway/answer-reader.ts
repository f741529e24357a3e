import type { AnswerSoFar } from './continuation-body.ts'

/**
 * Reads a verifier's streamed answer as it comes and says what to forward
 * to the client: whole records only (SSE events, NDJSON lines; half of one
 * cut by the verifier's death is never sent), each without the
 * `shoal_tokens` the gateway asked for. It keeps the text forwarded and the
 * tokens it came from, for the next verifier to continue from. Each dialect
 * reads its own chunks (chat-stream-reader.ts, completion-stream-reader.ts,
 * ollama-stream-reader.ts).
 */
export abstract class AnswerReader implements AnswerSoFar {
  text = ''
  readonly tokens: number[] = []
  /** The answer's last piece (a `finish_reason`, Ollama's `done`) was forwarded: it is whole. */
  finished = false
  untokenized = false
  /**
   * How many of `tokens` the verifier writing now was handed: its counts
   * (prompt and completion tokens) hold them as prompt, and are told as the
   * whole answer's.
   */
  protected handed = 0
  #pending = ''
  readonly #separator: string
  readonly #decoder = new TextDecoder()

  constructor (separator: string) {
    this.#separator = separator
  }

  /** The forwardable bytes of `chunk` (and what was pending before it). */
  push (chunk: Uint8Array): string {
    this.#pending += this.#decoder.decode(chunk, { stream: true })
    let out = ''
    let end = this.#pending.indexOf(this.#separator)
    while (end >= 0) {
      out += this.record(this.#pending.slice(0, end))
      this.#pending = this.#pending.slice(end + this.#separator.length)
      end = this.#pending.indexOf(this.#separator)
    }
    return out
  }

  /** The next verifier's stream begins: what is pending of the last is dropped. */
  handOver (): void {
    this.#pending = ''
    this.handed = this.tokens.length
  }

  /** What the client still needs when the stream was cut after the answer's last piece (SSE's `data: [DONE]`). */
  ending (): string {
    return ''
  }

  /** What to forward of one whole record (without its separator): itself, rewritten, or nothing. */
  protected abstract record (record: string): string

  /** Keeps one piece's text and the tokens it came with. */
  protected take (text: unknown, tokens: unknown): void {
    if (typeof text === 'string') {
      this.text += text
      this.untokenized ||= text !== '' && !Array.isArray(tokens)
    }
    if (Array.isArray(tokens)) {
      this.tokens.push(...tokens.filter((token): token is number => typeof token === 'number'))
    }
  }

  /** Tells `counts` (a usage object, Ollama's last line) as the whole answer's: the handed tokens were written, not prompted. */
  protected countWhole (counts: Record<string, unknown>, promptField: string, completionField: string): void {
    const prompt = counts[promptField]
    const completion = counts[completionField]
    if (this.handed > 0 && typeof prompt === 'number' && typeof completion === 'number') {
      counts[promptField] = prompt - this.handed
      counts[completionField] = completion + this.handed
    }
  }
}

/**
 * Turns generated tokens into text deltas that are safe to send:
 *
 * - whole characters only: a token may end inside a multi-byte UTF-8
 *   character (byte-level vocabularies split "é" into two tokens), and
 *   llama.cpp's detokenizer then yields U+FFFD for the missing part. Such
 *   tokens are held until the character completes, or, if it never does,
 *   released as they are after a few tokens;
 * - no stop string, ever: text that could be the start of a stop string is
 *   held until it is known not to be one; the text before a stop string is
 *   released and the stream reports the stop;
 * - with a marker (an answer's tool call start, see tool-call-syntax.ts):
 *   the text from the marker on comes as `call`, not `text`, and text that
 *   could be the marker's start is held until it is known not to be.
 */

/** Detokenizes `tokens`, given the tokens before them (llama.cpp needs them for leading spaces). */
export type Detokenize<Token> = (tokens: readonly Token[], previousTokens: readonly Token[]) => string

const REPLACEMENT_CHARACTER = '\uFFFD'
/** A UTF-8 character has at most 4 bytes, so 4 tokens complete any character a tokenizer split. */
const MAX_HELD_TOKENS = 4
/** Tokens of context given to the detokenizer (node-llama-cpp uses the same amount). */
const CONTEXT_TOKENS = 16

export interface TextStep {
  /** Text to send now (may be empty). */
  text: string
  /** True when a stop string was found; `text` is what came before it. */
  stopped: boolean
  /** Text from the marker on (the marker included), once it has come. */
  call?: string
}

export class TextStream<Token> {
  readonly #detokenize: Detokenize<Token>
  readonly #stopStrings: string[]
  #pendingTokens: Token[] = []
  #contextTokens: Token[] = []
  #heldText = ''
  #stopped = false
  readonly #marker: string | undefined
  #marked = false

  constructor (detokenize: Detokenize<Token>, stopStrings: readonly string[], marker?: string) {
    this.#detokenize = detokenize
    this.#stopStrings = stopStrings.filter((stop) => stop.length > 0)
    this.#marker = marker === '' ? undefined : marker
  }

  /** Whether the marker has come: what is released from now on is `call` text. */
  get marked (): boolean {
    return this.#marked
  }

  /** Adds one generated token. */
  push (token: Token): TextStep {
    if (this.#stopped) {
      return { text: '', stopped: true }
    }
    this.#pendingTokens.push(token)
    const text = this.#detokenize(this.#pendingTokens, this.#contextTokens)
    if (text.endsWith(REPLACEMENT_CHARACTER) && this.#pendingTokens.length < MAX_HELD_TOKENS) {
      return { text: '', stopped: false }
    }
    this.#contextTokens = [...this.#contextTokens, ...this.#pendingTokens].slice(-CONTEXT_TOKENS)
    this.#pendingTokens = []
    return this.#release(this.#heldText + text)
  }

  /** Everything still held, at the end of generation (no stop string followed); call text once {@link marked}. */
  finish (): string {
    if (this.#stopped) {
      return ''
    }
    const pending = this.#pendingTokens.length > 0 ? this.#detokenize(this.#pendingTokens, this.#contextTokens) : ''
    const text = this.#heldText + pending
    this.#pendingTokens = []
    this.#heldText = ''
    return text
  }

  #release (text: string): TextStep {
    let stopAt = -1
    for (const stop of this.#stopStrings) {
      const index = text.indexOf(stop)
      if (index !== -1 && (stopAt === -1 || index < stopAt)) {
        stopAt = index
      }
    }
    if (stopAt !== -1) {
      this.#stopped = true
      this.#heldText = ''
      return this.#split(text.slice(0, stopAt), true)
    }
    const hold = this.#partialStopLength(text)
    this.#heldText = text.slice(text.length - hold)
    return this.#split(text.slice(0, text.length - hold), false)
  }

  /** Released text, as text before the marker and call text from it on. */
  #split (text: string, stopped: boolean): TextStep {
    if (this.#marked) {
      return { text: '', stopped, call: text }
    }
    const at = this.#marker === undefined ? -1 : text.indexOf(this.#marker)
    if (at === -1) {
      return { text, stopped }
    }
    this.#marked = true
    return { text: text.slice(0, at), stopped, call: text.slice(at) }
  }

  /** Length of the longest end of `text` that some stop string (or the marker, until it came) starts with. */
  #partialStopLength (text: string): number {
    let longest = 0
    for (const stop of this.#marked || this.#marker === undefined ? this.#stopStrings : [...this.#stopStrings, this.#marker]) {
      for (let length = Math.min(stop.length - 1, text.length); length > longest; length--) {
        if (text.endsWith(stop.slice(0, length))) {
          longest = length
          break
        }
      }
    }
    return longest
  }
}

import type { ChatMessage } from './engine.ts'

/**
 * Chat messages → the pieces of a ChatML prompt, exactly as node-llama-cpp's
 * `ChatMLChatWrapper` renders them for the verifier (see
 * gpu-node/src/verifier/chat-prompt.ts), so a local greedy answer is
 * byte-identical to the verifier's:
 *
 * - the model's BOS token first;
 * - consecutive system messages joined by a blank line into one turn;
 * - `<|im_start|>role\n` … `<|im_end|>\n` around each turn, parsed as
 *   special tokens; the message text is tokenized as plain text, so a user
 *   who types `<|im_end|>` gets those characters, not the token;
 * - the answer's turn left open (`<|im_start|>assistant\n`); a trailing
 *   assistant message is continued (a prefill).
 *
 * Each piece is tokenized on its own, as node-llama-cpp does.
 */
export type PromptPiece =
  | { kind: 'bos' }
  | { kind: 'special', text: string }
  | { kind: 'text', text: string }

/** Stop text of ChatML answers (plain text: the model may spell it without the special token). */
export const CHATML_STOP_STRINGS: readonly string[] = ['<|im_end|>']

/** The special token that ends a ChatML turn. */
export const CHATML_END_OF_TURN = '<|im_end|>'

interface Turn {
  role: ChatMessage['role']
  text: string
}

export function chatMlPromptPieces (messages: readonly ChatMessage[]): PromptPiece[] {
  const turns: Turn[] = []
  for (const message of messages) {
    const last = turns.at(-1)
    if (message.role === 'system' && last?.role === 'system') {
      last.text += `\n\n${message.content}`
    } else {
      turns.push({ role: message.role, text: message.content })
    }
  }
  if (turns.at(-1)?.role !== 'assistant') {
    turns.push({ role: 'assistant', text: '' })
  }
  const pieces: PromptPiece[] = [{ kind: 'bos' }]
  turns.forEach((turn, index) => {
    const isLast = index === turns.length - 1
    pieces.push({ kind: 'special', text: `<|im_start|>${turn.role}\n` })
    if (turn.text !== '') {
      pieces.push({ kind: 'text', text: turn.text })
    }
    if (!isLast) {
      pieces.push({ kind: 'special', text: `${CHATML_END_OF_TURN}\n` })
    }
  })
  return pieces
}

/**
 * Whether a GGUF chat template is ChatML (the demo model's, Qwen's and
 * others'), which {@link chatMlPromptPieces} renders exactly. Other
 * templates go through llama.cpp's own template code instead.
 */
export function isChatMlTemplate (template: string | null | undefined): boolean {
  return template == null || template === '' || template.includes('<|im_start|>')
}

/**
 * Hands out finished text as tokens arrive, holding back any tail that could
 * still become a stop string, the way node-llama-cpp does (it never shows
 * text it later takes back). Bytes are decoded as UTF-8 across token
 * boundaries.
 */
export class StopStringStream {
  readonly #stops: readonly string[]
  readonly #decoder = new TextDecoder('utf-8')
  #pending = ''
  #stopped = false

  constructor (stops: readonly string[]) {
    this.#stops = stops.filter((stop) => stop !== '')
  }

  get stopped (): boolean {
    return this.#stopped
  }

  /** Adds a token's bytes; returns the text now safe to show ('' if none). After a stop string, always ''. */
  push (bytes: Uint8Array): string {
    if (this.#stopped) {
      return ''
    }
    this.#pending += this.#decoder.decode(bytes, { stream: true })
    let cut = -1
    for (const stop of this.#stops) {
      const at = this.#pending.indexOf(stop)
      if (at !== -1 && (cut === -1 || at < cut)) {
        cut = at
      }
    }
    if (cut !== -1) {
      this.#stopped = true
      const text = this.#pending.slice(0, cut)
      this.#pending = ''
      return text
    }
    const hold = this.#heldBack()
    const text = this.#pending.slice(0, this.#pending.length - hold)
    this.#pending = this.#pending.slice(this.#pending.length - hold)
    return text
  }

  /** The text held back when the answer ends for another reason (token limit, end of turn). */
  flush (): string {
    if (this.#stopped) {
      return ''
    }
    const text = this.#pending + this.#decoder.decode()
    this.#pending = ''
    return text
  }

  /** Length of the longest tail of the pending text that begins some stop string. */
  #heldBack (): number {
    let longest = 0
    for (const stop of this.#stops) {
      for (let length = Math.min(stop.length - 1, this.#pending.length); length > longest; length--) {
        if (this.#pending.endsWith(stop.slice(0, length))) {
          longest = length
          break
        }
      }
    }
    return longest
  }
}

import type { ToolCallPart } from '../verifier/tool-call-syntax.ts'

/** Where a forced call's arguments begin: after its name (protocol/tool-call-answer.ts writes `name` first), at their first character. */
const HEAD = /^\s*\{\s*"name"\s*:\s*"([a-zA-Z0-9_-]+)"\s*,\s*"arguments"\s*:\s*(?=\S)/
/** What may close the call after its arguments: the object's own brace, with whitespace. */
const TAIL = /\s*\}?\s*$/

/**
 * A forced call's answer (`{"name": ..., "arguments": {...}}`, held to that
 * by its grammar) read as it is written, for streaming it as OpenAI does:
 * the name once it is whole, then the arguments' text in pieces. The
 * arguments are the model's own text; what could be the call's closing brace
 * is held until more follows or the answer ends.
 */
export class ForcedCallStream {
  #text = ''
  #name: string | undefined
  #argumentsFrom = 0
  #sent = 0

  /** Takes more of the answer's text; returns the parts it completes. */
  push (text: string): ToolCallPart[] {
    this.#text += text
    const parts: ToolCallPart[] = []
    if (this.#name === undefined) {
      const head = HEAD.exec(this.#text)
      if (head === null) {
        return parts
      }
      this.#name = head[1] ?? ''
      this.#argumentsFrom = head[0].length
      this.#sent = this.#argumentsFrom
      parts.push({ index: 0, name: this.#name, arguments: '' })
    }
    const sendable = this.#text.length - (TAIL.exec(this.#text.slice(this.#sent))?.[0].length ?? 0)
    return [...parts, ...this.#send(sendable)]
  }

  /** At the end of the answer: the rest of the arguments (the closing brace left out). */
  finish (): ToolCallPart[] {
    if (this.#name === undefined) {
      return []
    }
    return this.#send(this.#text.length - (TAIL.exec(this.#text.slice(this.#sent))?.[0].length ?? 0))
  }

  /** The call's name, once it is whole. */
  get name (): string | undefined {
    return this.#name
  }

  /** The arguments as written, once the answer is whole. */
  get arguments (): string {
    return this.#text.slice(this.#argumentsFrom).replace(TAIL, '')
  }

  #send (until: number): ToolCallPart[] {
    if (until <= this.#sent) {
      return []
    }
    const piece = this.#text.slice(this.#sent, until)
    this.#sent = until
    return [{ index: 0, arguments: piece }]
  }
}

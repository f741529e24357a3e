import { LlamaText } from 'node-llama-cpp'
import type { ChatWrapper, LlamaModel } from 'node-llama-cpp'

/**
 * How the model's chat wrapper writes function calls (its
 * `settings.functions`), as the texts an answer holds: the wrapper renders
 * earlier calls this way in the prompt, so this is what the model writes when
 * it calls a tool on its own (`tool_choice: "auto"`).
 *
 * A call is `prefix name paramsPrefix {arguments} suffix`; with a
 * parallelism form the calls of one answer are
 * `sectionPrefix call (betweenCalls call)* sectionSuffix`. `{{functionName}}`
 * in the params prefix or suffix stands for the tool's name.
 */
export interface ToolCallSyntax {
  /** What begins the call section: the section prefix (if any), then the first call's prefix. */
  start: string
  /** The text of `start`'s first token: an answer that begins with it is a call. */
  startToken: string
  prefix: string
  /** A space may come before the name. */
  optionalPrefixSpace: boolean
  paramsPrefix: string
  suffix: string
  /** Several calls in one answer, when the wrapper has a form for it. */
  parallel?: { betweenCalls: string, sectionSuffix: string }
}

const FUNCTION_NAME = '{{functionName}}'

/** The wrapper's call syntax, or undefined when it has none that is plain text. */
export function toolCallSyntax (chatWrapper: ChatWrapper, model: LlamaModel): ToolCallSyntax | undefined {
  const call = chatWrapper.settings.functions.call
  const parallelism = chatWrapper.settings.functions.parallelism?.call
  const prefix = LlamaText(call.prefix).toString()
  const start = LlamaText(parallelism?.sectionPrefix ?? '').toString() + prefix
  if (start === '') {
    return undefined
  }
  const first = model.tokenize(start, true)[0]
  const startToken = first === undefined ? start : model.detokenize([first], true)
  return {
    start,
    // A first token whose text is not where `start` begins (a tokenizer quirk) leaves only the whole start.
    startToken: startToken !== '' && start.startsWith(startToken) ? startToken : start,
    prefix,
    optionalPrefixSpace: call.optionalPrefixSpace,
    paramsPrefix: LlamaText(call.paramsPrefix).toString(),
    suffix: LlamaText(call.suffix).toString(),
    ...(parallelism === undefined
      ? {}
      : { parallel: { betweenCalls: LlamaText(parallelism.betweenCalls ?? '').toString(), sectionSuffix: sectionSuffix(LlamaText(parallelism.sectionSuffix ?? '').toString(), model) } })
  }
}

/**
 * A section suffix that begins with the end of the model's turn is that end
 * (Qwen's `<|im_end|>`): the answer ends there, with the end-of-generation
 * token, which no grammar spells. Otherwise the grammar holds the calls to it.
 */
function sectionSuffix (text: string, model: LlamaModel): string {
  const ends = [model.tokens.eosString, model.tokens.eotString].filter((end): end is string => end != null && end !== '')
  return ends.some((end) => text.startsWith(end)) ? '' : text
}

/** The params prefix or suffix for one tool. */
export function forTool (text: string, name: string): string {
  return text.replaceAll(FUNCTION_NAME, name)
}

/** A piece of a call as it is written: its name first (with its index), then its arguments' text in pieces. */
export interface ToolCallPart {
  index: number
  name?: string
  arguments: string
}

/**
 * Reads a call section (the answer's text from `syntax.start` on) as it
 * comes, into the calls' names and their arguments' text: written under the
 * grammar of tool-call-grammar.ts, so always well formed; only where each
 * part ends needs finding. The arguments end where the suffix follows text
 * that parses as JSON (a proper prefix of a JSON object never does), so the
 * last characters that could begin the suffix are held until that is known.
 */
export class ToolCallReader {
  readonly #syntax: ToolCallSyntax
  /** Longest first, should one tool's name begin another's. */
  readonly #names: string[]
  #buffer = ''
  #phase: 'start' | 'name' | 'arguments' | 'between' | 'over' = 'start'
  #name = ''
  #arguments = ''
  readonly #calls: Array<{ name: string, arguments: string }> = []

  constructor (syntax: ToolCallSyntax, names: readonly string[]) {
    this.#syntax = syntax
    this.#names = [...names].sort((a, b) => b.length - a.length)
  }

  /** The calls read whole so far. */
  get calls (): Array<{ name: string, arguments: string }> {
    return [...this.#calls]
  }

  /** Whether the section ended after whole calls (nothing left half read). */
  get complete (): boolean {
    return this.#calls.length > 0 && (this.#phase === 'between' || this.#phase === 'over')
  }

  /** Takes more of the section's text; returns the parts it completes. */
  push (text: string): ToolCallPart[] {
    this.#buffer += text
    const parts: ToolCallPart[] = []
    for (let progressed = true; progressed;) {
      progressed = this.#step(parts)
    }
    return parts
  }

  #step (parts: ToolCallPart[]): boolean {
    const syntax = this.#syntax
    switch (this.#phase) {
      case 'start':
      case 'between': {
        const opening = this.#phase === 'start' ? syntax.start : syntax.parallel === undefined ? undefined : syntax.parallel.betweenCalls + syntax.prefix
        if (opening === undefined || this.#buffer.length < opening.length) {
          return false
        }
        if (!this.#buffer.startsWith(opening) || opening === '') {
          this.#phase = 'over'
          return false
        }
        this.#buffer = this.#buffer.slice(opening.length)
        this.#phase = 'name'
        return true
      }
      case 'name': {
        const text = syntax.optionalPrefixSpace && this.#buffer.startsWith(' ') ? this.#buffer.slice(1) : this.#buffer
        const name = this.#names.find((candidate) => text.startsWith(candidate + forTool(syntax.paramsPrefix, candidate)))
        if (name === undefined) {
          return false
        }
        this.#buffer = text.slice(name.length + forTool(syntax.paramsPrefix, name).length)
        this.#name = name
        this.#arguments = ''
        this.#phase = 'arguments'
        parts.push({ index: this.#calls.length, name, arguments: '' })
        return true
      }
      case 'arguments': {
        const suffix = forTool(syntax.suffix, this.#name)
        const text = this.#arguments + this.#buffer
        const end = argumentsEnd(text, suffix)
        if (end === undefined) {
          const sendable = Math.max(this.#arguments.length, text.length - Math.max(0, suffix.length - 1))
          this.#push(parts, text.slice(this.#arguments.length, sendable))
          this.#buffer = text.slice(sendable)
          return false
        }
        this.#push(parts, text.slice(this.#arguments.length, end))
        this.#calls.push({ name: this.#name, arguments: this.#arguments })
        this.#buffer = text.slice(end + suffix.length)
        this.#phase = 'between'
        return true
      }
      case 'over':
        return false
    }
  }

  #push (parts: ToolCallPart[], piece: string): void {
    if (piece === '') {
      return
    }
    this.#arguments += piece
    parts.push({ index: this.#calls.length, arguments: piece })
  }
}

/** Where the arguments' JSON ends: the first place the suffix follows text that parses. */
function argumentsEnd (text: string, suffix: string): number | undefined {
  for (let index = text.indexOf(suffix); index !== -1 && index <= text.length; index = suffix === '' ? index + 1 : text.indexOf(suffix, index + 1)) {
    if (index === 0) {
      continue
    }
    try {
      JSON.parse(text.slice(0, index))
      return index
    } catch {}
  }
  return undefined
}

/**
 * The one interface every in-browser inference engine implements (wllama on
 * the CPU through WebAssembly, WebLLM on WebGPU), so the chat page and the
 * drafting code never care which one runs.
 *
 * Two levels:
 * - chat: {@link InferenceEngine.chat} streams an answer to a conversation as
 *   text deltas; abort its `signal` to stop (the iterator then rejects with
 *   an `AbortError`, after the deltas already yielded).
 * - tokens (for drafting): {@link InferenceEngine.tokenize},
 *   {@link InferenceEngine.evaluate} (extend the context),
 *   {@link InferenceEngine.generateGreedy} (k greedy tokens with their
 *   probabilities) and {@link InferenceEngine.rewind} (drop the context past
 *   a position). Engines that cannot do this say so with
 *   `capabilities.tokens === false` and throw `EngineUnsupportedError`.
 *
 * Failures are errors matched by `err.name` (names survive postMessage and
 * comlink; classes do not): see {@link InferenceErrorName}.
 *
 * @example
 * ```ts
 * const engine = createWllamaEngine()
 * await engine.load({ id: 'shoal-demo', url: '/models/shoal-stories-target.gguf' }, {
 *   onProgress: ({ loaded, total }) => { progress = total > 0 ? loaded / total : 0 }
 * })
 * const controller = new AbortController() // controller.abort() on "Stop"
 * let answer = ''
 * for await (const text of engine.chat([{ role: 'user', content: 'Hello!' }], { maxTokens: 64, temperature: 0, signal: controller.signal })) {
 *   answer += text
 * }
 * await engine.dispose()
 * ```
 */
import type { ChatMessage } from '#protocol'

export type { ChatMessage }

/** A model an engine can load. */
export interface EngineModel {
  /** Stable name, e.g. `shoal-demo` or `Llama-3.2-1B-Instruct-q4f16_1-MLC`. */
  id: string
  /**
   * Where the weights are: a GGUF URL for wllama; for WebLLM the model's
   * base URL (its `mlc-chat-config.json` and shards) or undefined to use
   * the engine's own registry entry for `id`.
   */
  url?: string
  /** WebLLM only: URL of the compiled model library (`.wasm`). */
  modelLibraryUrl?: string
  /**
   * Context window to allocate, in tokens. The engine's `model`, once
   * loaded, says the window it holds (wllama: no more than the model was
   * trained for).
   *
   * @default the engine's choice (wllama: 2048)
   */
  contextLength?: number
  /**
   * CPU threads (wllama only). Threads that share busy cores wait on each
   * other, so background work such as drafting should use one.
   *
   * @default half the cores, 2 to 4 (1 where the page is not cross-origin isolated)
   */
  threads?: number
}

export interface LoadProgress {
  /** Bytes (or, for WebLLM, progress units) loaded so far. */
  loaded: number
  /** Total, or 0 when unknown. */
  total: number
  /** Human-readable stage, e.g. `downloading`, `initialising`. */
  text?: string
}

export interface LoadOptions {
  onProgress?: (progress: LoadProgress) => void
  /** Aborts the load: it rejects with `AbortError` and the engine stays unloaded. */
  signal?: AbortSignal
}

export interface ChatCompletionOptions {
  /** Most tokens to generate. */
  maxTokens: number
  /**
   * 0 is greedy (byte-identical to the verifier's greedy answer for the same model and messages).
   *
   * @default 0
   */
  temperature?: number
  /** @default 1 */
  topP?: number
  seed?: number
  /** Extra stop strings (not part of the answer). */
  stop?: string[]
  /** Stops the answer: the iterator rejects with `AbortError`. */
  signal?: AbortSignal
  /** Called once the answer has ended normally (before the iterator finishes), with how and how long. */
  onDone?: (summary: ChatCompletionSummary) => void
}

export interface ChatCompletionSummary {
  /** `stop`: end of turn or a stop string; `length`: `maxTokens` reached. */
  finishReason: 'stop' | 'length'
  promptTokens: number
  completionTokens: number
}

/** One generated token and the probability the model gave it (after softmax, temperature 1). */
export interface TokenWithProbability {
  token: number
  probability: number
}

export interface EngineCapabilities {
  /** tokenize / evaluate / generateGreedy / rewind are available. */
  tokens: boolean
  /** Which backend runs: `wasm` (CPU, maybe multi-threaded) or `webgpu`. */
  backend: 'wasm' | 'webgpu'
  /** Multi-threaded (wllama with cross-origin isolation). */
  multiThreaded?: boolean
}

export interface InferenceEngine {
  /** `wllama` or `webllm`. */
  readonly kind: string
  readonly capabilities: EngineCapabilities
  /** The loaded model, if any. */
  readonly model: EngineModel | undefined

  /** Loads `model`, replacing any loaded one. */
  load: (model: EngineModel, options?: LoadOptions) => Promise<void>

  /**
   * Streams the answer to `messages` as text deltas, formatted with the
   * model's chat template (ChatML for the demo model). Only one chat or
   * token operation runs at a time; others reject with `EngineBusyError`.
   */
  chat: (messages: readonly ChatMessage[], options: ChatCompletionOptions) => AsyncIterable<string>

  /** Text → token ids, special tokens parsed (`<|im_start|>` becomes one token). */
  tokenize: (text: string, options?: { special?: boolean }) => Promise<number[]>
  /** Token ids → text. */
  detokenize: (tokens: readonly number[]) => Promise<string>
  /**
   * Appends `tokens` to the context (one batch) and returns the new context
   * length. The last token's logits become the source of the next
   * {@link generateGreedy}.
   */
  evaluate: (tokens: readonly number[], options?: { signal?: AbortSignal }) => Promise<number>
  /**
   * Generates up to `count` tokens greedily from the current context,
   * appending each to it, and returns them with their probabilities. Stops
   * early after an end-of-generation token (which is included).
   */
  generateGreedy: (count: number, options?: { signal?: AbortSignal }) => Promise<TokenWithProbability[]>
  /**
   * Drops every context token at `position` and after; returns the new length.
   * The next-token logits are gone with them: {@link evaluate} at least one
   * token (e.g. the verifier's correction) before {@link generateGreedy}.
   */
  rewind: (position: number) => Promise<number>
  /** Tokens in the context now. */
  contextLength: () => Promise<number>

  /** Frees the model; the engine can load another. */
  unload: () => Promise<void>
  /** Frees everything (terminates the worker); any running chat rejects with `EngineDisposedError`. */
  dispose: () => Promise<void>
}

/**
 * Names of the errors engines throw:
 * - `AbortError`: the caller's signal fired.
 * - `EngineNotLoadedError`: no model is loaded.
 * - `EngineBusyError`: another chat or token operation is running.
 * - `EngineDisposedError`: the engine was disposed (or its worker died).
 * - `EngineUnsupportedError`: this engine or browser cannot do that (no WebGPU, no token API).
 * - `ModelLoadError`: the model could not be fetched or parsed.
 * - `InferenceError`: anything else that went wrong while running the model.
 */
export type InferenceErrorName =
  | 'AbortError'
  | 'EngineNotLoadedError'
  | 'EngineBusyError'
  | 'EngineDisposedError'
  | 'EngineUnsupportedError'
  | 'ModelLoadError'
  | 'InferenceError'

/** An engine failure; `name` is one of {@link InferenceErrorName}. */
export class InferenceEngineError extends Error {
  override readonly name: InferenceErrorName

  constructor (name: InferenceErrorName, message: string, options?: { cause?: unknown }) {
    super(message, { cause: options?.cause })
    this.name = name
  }
}

/** Rebuilds an error that crossed a worker boundary as `{ name, message }`. */
export function inferenceErrorFrom (value: unknown): Error {
  if (value instanceof Error && value.name !== 'Error') {
    return value
  }
  const name = typeof value === 'object' && value !== null && 'name' in value && typeof value.name === 'string' ? value.name : 'InferenceError'
  const message = typeof value === 'object' && value !== null && 'message' in value && typeof value.message === 'string' ? value.message : String(value)
  if (name === 'AbortError') {
    return new DOMException(message, 'AbortError')
  }
  return new InferenceEngineError(isInferenceErrorName(name) ? name : 'InferenceError', message)
}

const ERROR_NAMES: ReadonlySet<string> = new Set<InferenceErrorName>([
  'AbortError', 'EngineNotLoadedError', 'EngineBusyError', 'EngineDisposedError', 'EngineUnsupportedError', 'ModelLoadError', 'InferenceError'
])

function isInferenceErrorName (name: string): name is InferenceErrorName {
  return ERROR_NAMES.has(name)
}

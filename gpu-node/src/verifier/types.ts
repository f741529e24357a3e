/**
 * What the rest of gpu-node (the mesh chat handler, the OpenAI and Ollama
 * HTTP APIs) asks of the verifier: complete a chat, streamed as events.
 * The implementation runs the target model with node-llama-cpp.
 */

export type ChatRole = 'system' | 'user' | 'assistant'

export interface ChatMessage {
  role: ChatRole
  content: string
}

export interface CompletionRequest {
  messages: ChatMessage[]
  /** Most tokens to generate. */
  maxTokens: number
  /** 0 means greedy: the same prompt always gives the same answer. */
  temperature: number
  /** Nucleus sampling; 1 disables it. */
  topP: number
  /** Seed for temperature > 0; a given seed reproduces an answer. */
  seed?: number
  /** Generation stops before any of these strings; they are not returned. */
  stop: string[]
  /**
   * Who asks (a peer id, an API key, an address): per-client limits on
   * concurrent requests and tokens are counted against it.
   */
  clientId: string
}

export type FinishReason = 'stop' | 'length' | 'cancelled'

export interface Usage {
  promptTokens: number
  completionTokens: number
}

export interface Timings {
  /** Time spent waiting in the queue. */
  queuedMs: number
  /** From the start of processing to the first generated token. */
  firstTokenMs: number
  /** From arrival to the last token. */
  totalMs: number
}

/** What a completion streams, in order: any number of `queued`, then `delta`s, then one `done`. */
export type CompletionEvent =
  | { type: 'queued', position: number, etaMs: number }
  | { type: 'delta', text: string }
  | { type: 'done', finishReason: FinishReason, usage: Usage, timings: Timings }

export interface ModelInfo {
  /** Name clients use to ask for it, e.g. "shoal-demo". */
  name: string
  /** Identifies the tokenizer, so drafters can prove they match. */
  tokenizerFingerprint: string
  contextLength: number
  /** True when the built-in demo model (meaningless text) is loaded. */
  demo: boolean
}

export interface Verifier {
  readonly model: ModelInfo
  /** Chats processed at once (sequences in the shared context). */
  readonly capacity: number
  /** Requests waiting for a free sequence right now. */
  readonly queueDepth: number
  /**
   * Streams a completion. Aborting `signal` stops generation and frees the
   * sequence (the stream then ends with `done`, finishReason `cancelled`);
   * so does leaving the iteration early (`break`, `return()`). Should
   * llama.cpp fail mid-answer, iterating throws that error instead of `done`.
   * Once `dispose()` has begun, `complete` throws BusyError (retry elsewhere).
   *
   * @throws {BusyError} at once when the queue is full
   * @throws {LimitError} at once when the client is over its limits
   * @throws {InvalidRequestError} at once when the request is unusable
   */
  complete: (request: CompletionRequest, options: { signal?: AbortSignal }) => AsyncIterable<CompletionEvent>
  dispose: () => Promise<void>
}

import type { ToolCallPart } from './tool-call-syntax.ts'
import type { ChatFinishReason, ChatPrivacy, PriorityTier, Receipt, ReceiptDrafterShare, ValidChatRequest } from '#protocol'

/**
 * What the rest of gpu-node (the mesh chat handler, the OpenAI and Ollama
 * HTTP APIs) asks of the verifier: complete a chat, streamed as events.
 * The implementation runs the target model with node-llama-cpp.
 */

export type { ChatMessage, ChatRequestMessage, ChatRole } from '#protocol'

/**
 * One chat to complete: the protocol's chat request (the same fields and
 * limits, whether it came over the mesh or HTTP; see protocol/chat.ts), less
 * what only the wire needs (its id and presented receipts), plus who asks.
 * `temperature` 0 is greedy: the same prompt always gives the same answer;
 * a given `seed` reproduces one above 0. Generation stops before any `stop`
 * string; they are not returned. With a `continuation` (an answer another
 * verifier began), `maxTokens` counts the tokens still to write, and the
 * answer goes on from those tokens as if this verifier had written them.
 * `logitBias` is added to its tokens' logits before every choice (-100 bans
 * a token, 100 all but forces it), within the answer's grammar if it has one.
 */
export interface CompletionRequest extends Pick<ValidChatRequest, 'messages' | 'maxTokens' | 'temperature' | 'topP' | 'seed' | 'stop' | 'continuation' | 'warmKey' | 'responseFormat' | 'tools' | 'toolChoice' | 'logitBias'> {
  /**
   * Who asks (a peer id, an API key, an address): per-client limits on
   * concurrent requests and tokens are counted against it.
   */
  clientId: string
  /**
   * Whether drafters (other people's browsers) may see this chat to draft
   * for it. Drafters see the prompt and the answer.
   *
   * @default 'verifier-only'
   */
  privacy?: ChatPrivacy
  /**
   * Accepted draft tokens to the asker's credit over the recent window: any
   * puts the request ahead of consumers in the queue (see scheduler.ts).
   *
   * @default 0
   */
  credit?: number
  /**
   * Report each generated token's log probability and this many of the most
   * likely alternatives at its position (0 to {@link MAX_TOP_LOGPROBS}).
   *
   * @default none reported
   */
  topLogprobs?: number
  /**
   * With tools the model may call on its own (`toolChoice` `auto`): whether
   * one answer may hold several calls, when the chat wrapper has a form for
   * them (else it holds one).
   *
   * @default true
   */
  parallelToolCalls?: boolean
}

/** One tool call of an answer, read from the chat wrapper's call syntax. */
export interface AnswerToolCall {
  name: string
  /** The arguments, as JSON text (they fit the tool's parameters). */
  arguments: string
}

/** Most alternatives a token's logprobs list (OpenAI's limit). */
export const MAX_TOP_LOGPROBS = 20

/** One generated token's log probability, in the distribution it was chosen from (after any grammar). */
export interface TokenLogprob {
  /** The token's text. */
  text: string
  logprob: number
  /** The most likely tokens at its position, most likely first. */
  top: Array<{ text: string, logprob: number }>
}

/**
 * A prompt completed as it stands (`/v1/completions`), with no chat template:
 * text is tokenized as llama.cpp's server does (special tokens spelled in it
 * are special; the model's BOS token first when it wants one), token ids are
 * evaluated as given. Only end-of-generation tokens and `stop` end it. A
 * `continuation`'s tokens go after the prompt's, as a chat's go after its
 * assistant header (an echoed prompt cannot be continued).
 */
export interface PromptCompletionRequest extends Omit<CompletionRequest, 'messages'> {
  prompt: string | readonly number[]
  /**
   * Text after the gap to fill: the model writes what goes between `prompt`
   * and `suffix`, with its fill-in-the-middle tokens.
   *
   * @throws {InvalidRequestError} (from `complete`) when the model has no such tokens
   */
  suffix?: string
  /**
   * The answer's text starts with the prompt's (token prompts detokenized).
   *
   * @default false
   */
  echo?: boolean
  /**
   * Report each generated token's log-probability and those of this many
   * likeliest alternatives (0 to 5) with the deltas; none when absent.
   */
  logprobs?: number
}

export type FinishReason = ChatFinishReason

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

/** What the verifier's model did for one answer. */
export interface Work {
  /** Forward passes over this answer's sequence (the prompt's included). */
  passes: number
  /** Drafted tokens evaluated in those passes. */
  draftedTokens: number
  /** Drafted tokens accepted (each equal to the verifier's own choice). */
  acceptedTokens: number
}

/** What a completion streams, in order: any number of `queued`, then `delta`s, then one `done`. */
export type CompletionEvent =
  | { type: 'queued', position: number, etaMs: number, tier: PriorityTier }
  | {
    type: 'delta'
    text: string
    /** With a completion's `logprobs`: the tokens whose text this delta brings (tokens whose text never comes out, held back for a stop string, are left out). */
    logprobs?: TokenLogprob[]
    /** Those generated since the previous delta, for continuing the answer elsewhere (see continuation.ts). */
    tokens?: number[]
    /** The text is the model's own tool call (the chat wrapper's call syntax), not message content. */
    toolCall?: true
    /** What that text completes of the calls: a call's name when it is whole, then its arguments' text in pieces. */
    toolCallParts?: ToolCallPart[]
  }
  | {
    type: 'done'
    finishReason: FinishReason
    usage: Usage
    timings: Timings
    work: Work
    /** The signed `served` receipt, when the verifier issues receipts and the answer did any work. */
    receipt?: Receipt
    /** The tool calls the model made on its own (its `toolCall` deltas, read), when they came whole. */
    toolCalls?: AnswerToolCall[]
  }

/**
 * Drafted tokens for one answer (see gpu-node/src/drafting). The verifier
 * never waits on it: `take` returns whatever has arrived.
 */
export interface DraftSource {
  /**
   * Drafts continuing the verified tokens that have arrived by now: at most
   * `max`, and no more than the source expects to pay off. Never waits.
   */
  take: (max: number) => number[]
  /**
   * The outcome of one forward pass: of `offered` drafts the first
   * `accepted` equalled the verifier's own choices; `tokens` are the newly
   * verified tokens (those drafts, then the verifier's own next token).
   */
  settle: (step: { offered: number, accepted: number, tokens: number[], stepMs: number }) => void
  /** The answer is over (`done`), or the drafts broke the rules (`misbehaved`): release the drafter. */
  close: (reason: 'done' | 'misbehaved') => void
  /** Who drafted, and how much: for the answer's receipts. Sources without a drafter peer have none. */
  share?: () => ReceiptDrafterShare
  /** Whether the drafter is still connected, so a `drafted` receipt would reach it (one that would not is not issued: it would leave a gap in its chain). */
  reachable?: () => boolean
  /** Hands the drafter its `drafted` receipt. */
  deliver?: (receipt: Receipt) => void
}

/**
 * Opens a draft source for an answer whose prompt is `prompt`, or says there
 * is none to be had. `asker` (the request's client) never drafts for its own
 * answer: accepted drafts earn priority, and those would be bought with the
 * verifier's own passes.
 */
export type DraftSourceOpener = (prompt: readonly number[], asker: string) => DraftSource | undefined

export interface ModelInfo {
  /** Name clients use to ask for it, e.g. "shoal-demo". */
  name: string
  /** Identifies the tokenizer, so drafters can prove they match. */
  tokenizerFingerprint: string
  contextLength: number
  /** True when the built-in demo model (meaningless text) is loaded. */
  demo: boolean
}

export interface CompletionOptions {
  signal?: AbortSignal
  /**
   * Where drafts come from for this request (instead of the verifier's
   * drafters). Used only when the request's privacy allows drafters.
   */
  drafts?: DraftSourceOpener
}

export interface Verifier {
  readonly model: ModelInfo
  /** Chats processed at once (sequences in the shared context). */
  readonly capacity: number
  /** Requests waiting for a free sequence right now. */
  readonly queueDepth: number
  /** Requests running now, when known (announced, for routing). */
  readonly runningCount?: number
  /** Most requests that may wait, when known: a full queue is announced so pages send elsewhere. */
  readonly queueSize?: number
  /** Conversations held warm, when the verifier keeps them (announced as hashes; fires `change`). */
  readonly warm?: EventTarget & { readonly hashes: readonly string[] }
  /**
   * Streams a completion of a chat, or of a raw prompt (`prompt` instead of
   * `messages`). Aborting `signal` stops generation and frees the
   * sequence (the stream then ends with `done`, finishReason `cancelled`);
   * so does leaving the iteration early (`break`, `return()`). Should
   * llama.cpp fail mid-answer, iterating throws that error instead of `done`.
   * Once `dispose()` has begun, `complete` throws BusyError (retry elsewhere).
   *
   * @throws {BusyError} at once when the queue is full
   * @throws {LimitError} at once when the client is over its limits
   * @throws {InvalidRequestError} at once when the request is unusable
   */
  complete: (request: CompletionRequest | PromptCompletionRequest, options: CompletionOptions) => AsyncIterable<CompletionEvent>
  dispose: () => Promise<void>
}

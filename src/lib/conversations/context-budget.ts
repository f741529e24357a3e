import type { ChatMessage } from '#protocol'
import type { MessageRecord } from '../storage/index.ts'

/**
 * Which turns of a conversation to send, and how long an answer to ask
 * for, so that the prompt always fits the model's context: a verifier
 * refuses a prompt it cannot hold, and stops an answer when its context is
 * full. Pure, so the rules are unit-tested in Node (`context-budget.test.ts`).
 *
 * The page has no tokenizer for a verifier's model, so it bounds token
 * counts from above:
 * - an answer's text is at most the `completionTokens` its verifier
 *   counted (plus a little, since the text is tokenized again), and any
 *   text is at most its UTF-8 byte count: the tokenizers Shoal serves are
 *   byte-level BPE, where every token covers at least one byte;
 * - each message costs the chat template's markers around it
 *   (`<|im_start|>user\n` … `<|im_end|>\n`), and each prompt the template's
 *   fixed text (a BOS token, a default system prompt, the answer's header);
 * - better: a verifier reports the exact `promptTokens` of each prompt it
 *   took. A new prompt that starts where an earlier one did (and whose
 *   messages have not changed since) costs that count plus the bounds of
 *   what came after it.
 */

/** The template's markers around one message, at most (ChatML: `<|im_start|>assistant\n` … `<|im_end|>\n` is 5). */
export const MESSAGE_OVERHEAD_TOKENS = 8
/** The template's fixed text per prompt, at most: BOS, a default system prompt (Llama 3's dates), the answer's header. */
export const PROMPT_OVERHEAD_TOKENS = 64
/** An answer shorter than this is not worth asking for: the message is too long for the model instead. */
export const MIN_ANSWER_TOKENS = 16

export interface ContextPlanInit {
  /** The conversation before the answer to write, as `historyBefore` filters it (oldest first, ending with the question). */
  history: readonly MessageRecord[]
  /** The model's context, as its verifier announced it; undefined or 0 when not known yet (everything is sent). */
  contextLength: number | undefined
  /** The answer length the user asked for. */
  maxTokens: number
}

export type ContextPlan =
  | {
    fits: true
    /** What to send. */
    messages: ChatMessage[]
    /** Sequence of the first message sent. */
    from: number
    /** Older messages left out to make room. */
    omitted: number
    /** Upper bound of the prompt's tokens; undefined when the context is not known. */
    promptTokens: number | undefined
    /** The answer length to ask for: `maxTokens`, or less when the context has less room left. */
    maxTokens: number
    /** `maxTokens` was cut to the room left: an answer that reaches it stopped because the context is full. */
    contextLimited: boolean
  }
  | {
    fits: false
    /** Upper bound of the tokens of the newest message alone, with the template's text. */
    promptTokens: number
    contextLength: number
  }

/**
 * The newest turns that fit, leaving the answer its `maxTokens` (or half the
 * context, whichever is less); the answer length is then cut to the room
 * left. Messages are dropped oldest first, a whole turn (question and
 * answer) at a time, and the newest question is always sent: when even it
 * leaves no room for an answer, the plan says it does not fit.
 */
export function planContext (init: ContextPlanInit): ContextPlan {
  const { history, maxTokens } = init
  const first = history[0]?.sequence ?? 0
  const all = (from: number): ChatMessage[] => history.filter((message) => message.sequence >= from).map(({ role, content }) => ({ role, content }))
  const contextLength = init.contextLength ?? 0
  if (contextLength <= 0) {
    return { fits: true, messages: all(first), from: first, omitted: 0, promptTokens: undefined, maxTokens, contextLimited: false }
  }
  // One token of the context stays free: the verifier refuses a prompt that fills it.
  const capacity = contextLength - 1
  const reserve = Math.min(maxTokens, Math.floor(contextLength / 2))
  const starts = history.filter((message) => message.role === 'user').map((message) => message.sequence)
  const newest = starts.at(-1) ?? first
  // The oldest start that leaves the answer its reserve; else the newest question alone.
  let from = newest
  for (const start of [first, ...starts.filter((sequence) => sequence > first)]) {
    if (promptBound(history, start) + reserve <= capacity) {
      from = start
      break
    }
  }
  const promptTokens = promptBound(history, from)
  const room = capacity - promptTokens
  if (room < MIN_ANSWER_TOKENS) {
    return { fits: false, promptTokens, contextLength }
  }
  const messages = all(from)
  return {
    fits: true,
    messages,
    from,
    omitted: history.length - messages.length,
    promptTokens,
    maxTokens: Math.min(maxTokens, room),
    contextLimited: room < maxTokens
  }
}

/** Upper bound of the tokens of a prompt holding the messages from sequence `from` on. */
export function promptBound (history: readonly MessageRecord[], from: number): number {
  const sent = history.filter((message) => message.sequence >= from)
  // The newest earlier answer whose prompt started here too and holds only messages unchanged since.
  const anchorIndex = sent.findLastIndex((message) => message.usage !== undefined && message.prompt !== undefined &&
    message.prompt.from === from &&
    sent.every((other) => other.sequence >= message.sequence || other.updatedAt <= (message.prompt?.sentAt ?? 0)))
  const anchor = sent[anchorIndex]
  const base = anchor?.usage === undefined ? PROMPT_OVERHEAD_TOKENS : anchor.usage.promptTokens
  const rest = anchor === undefined ? sent : sent.slice(anchorIndex)
  return base + rest.reduce((sum, message) => sum + messageBound(message), 0)
}

/** Upper bound of one message's tokens in a prompt: its text and the template's markers around it. */
export function messageBound (message: Pick<MessageRecord, 'content' | 'usage'>): number {
  const bytes = utf8Length(message.content)
  // Tokenizing the answer's text again can split it differently from how it was generated: allow a little.
  const counted = message.usage === undefined ? bytes : message.usage.completionTokens + Math.ceil(message.usage.completionTokens / 16) + 2
  return MESSAGE_OVERHEAD_TOKENS + Math.min(bytes, counted)
}

const encoder = new TextEncoder()

function utf8Length (text: string): number {
  return encoder.encode(text).byteLength
}

/** Whether an answer that stopped at its length limit did so because the context was full, not because of the user's setting. */
export function stoppedByFullContext (answer: Pick<MessageRecord, 'finishReason' | 'usage' | 'contextLength' | 'prompt'>): boolean {
  if (answer.finishReason !== 'length') {
    return false
  }
  if (answer.prompt?.contextLimited === true) {
    return true
  }
  const { usage, contextLength } = answer
  return usage !== undefined && contextLength !== undefined && contextLength > 0 && usage.promptTokens + usage.completionTokens >= contextLength - 1
}

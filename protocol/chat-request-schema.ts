import { z } from 'zod'
import {
  MAX_CHAT_MAX_TOKENS,
  MAX_CHAT_MESSAGES,
  MAX_CHAT_REQUEST_ID_LENGTH,
  MAX_CHAT_STOP_LENGTH,
  MAX_CHAT_STOP_SEQUENCES,
  MAX_CHAT_TEMPERATURE,
  MAX_PRESENTED_RECEIPTS,
  MAX_RECEIPT_BYTES
} from './limits.ts'

/**
 * The one schema of a chat request, built from the protocol's limits
 * (limits.ts). The mesh decoder checks every request it reads with
 * {@link ChatRequestSchema}; the HTTP dialects build their request bodies
 * from the same field builders, so a request the mesh would take is taken
 * over HTTP too and nothing bigger reaches a verifier. A dialect may only
 * narrow a limit (e.g. OpenAI's 4 stop strings), and names whose limit it
 * is where it does.
 *
 * @example
 * ```ts
 * const Body = z.object({ messages: chatMessageList(DialectMessage), stop: chatStopStrings(4, 'OpenAI\'s limit'), temperature: chatTemperature() })
 * const checked = ChatRequestSchema.safeParse(request)
 * ```
 */

/** Whose limit a bound is, as 400s and protocol errors name it. */
export const PROTOCOL_LIMIT = 'the Shoal protocol\'s limit'

export const CHAT_ROLES = ['system', 'user', 'assistant'] as const

/** A list of chat turns: at most {@link MAX_CHAT_MESSAGES}. */
export function chatMessageList<Message extends z.ZodType> (message: Message): z.ZodArray<Message> {
  return z.array(message).max(MAX_CHAT_MESSAGES, { error: `at most ${MAX_CHAT_MESSAGES} messages are allowed (${PROTOCOL_LIMIT})` })
}

/** One stop string: non-empty, at most {@link MAX_CHAT_STOP_LENGTH} characters. */
export const StopString = z.string()
  .min(1, { error: 'a stop string must not be empty' })
  .max(MAX_CHAT_STOP_LENGTH, { error: `a stop string has at most ${MAX_CHAT_STOP_LENGTH} characters (${PROTOCOL_LIMIT})` })

/**
 * A list of at most `max` stop strings. `max` defaults to the protocol's
 * limit; a dialect may only narrow it, and says whose limit it is in `limit`.
 *
 * @throws {RangeError} when `max` would widen the protocol's limit
 */
export function chatStopStrings (max: number = MAX_CHAT_STOP_SEQUENCES, limit = PROTOCOL_LIMIT): z.ZodArray<typeof StopString> {
  if (max > MAX_CHAT_STOP_SEQUENCES) {
    throw new RangeError(`a dialect may narrow the protocol's ${MAX_CHAT_STOP_SEQUENCES} stop strings, not widen them to ${max}`)
  }
  return z.array(StopString, { error: 'must be an array of strings' }).max(max, { error: `at most ${max} stop strings are allowed (${limit})` })
}

/** Sampling temperature, 0 (greedy) to {@link MAX_CHAT_TEMPERATURE}. */
export function chatTemperature (): z.ZodNumber {
  return z.number().min(0).max(MAX_CHAT_TEMPERATURE, { error: `the temperature is at most ${MAX_CHAT_TEMPERATURE} (${PROTOCOL_LIMIT})` })
}

/** Nucleus sampling, in (0, 1]; 1 disables it. */
export function chatTopP (): z.ZodNumber {
  return z.number().gt(0).max(1)
}

/** Most tokens to generate: 1 to {@link MAX_CHAT_MAX_TOKENS} (a verifier may allow fewer). */
export function chatMaxTokens (): z.ZodInt {
  return z.int().min(1).max(MAX_CHAT_MAX_TOKENS, { error: `at most ${MAX_CHAT_MAX_TOKENS} tokens may be asked for (${PROTOCOL_LIMIT})` })
}

export const ChatMessageSchema = z.object({
  /** `assistant` turns are earlier answers; a trailing one is continued (a prefill). */
  role: z.enum(CHAT_ROLES, { error: 'has no known role' }),
  content: z.string({ error: 'has no content' })
})

// Typed as any Uint8Array (z.instanceof would narrow it to one over a plain ArrayBuffer).
const ReceiptBytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array, { error: 'must be bytes' }).refine((bytes) => bytes.byteLength <= MAX_RECEIPT_BYTES, { error: `a presented receipt is at most ${MAX_RECEIPT_BYTES} bytes` })

/** A complete chat request, as every peer checks it. */
export const ChatRequestSchema = z.object({
  /** Names the chat in logs and receipts. */
  requestId: z.string().regex(new RegExp(`^[\\x21-\\x7e]{1,${MAX_CHAT_REQUEST_ID_LENGTH}}$`), { error: `must be 1-${MAX_CHAT_REQUEST_ID_LENGTH} printable ASCII characters` }),
  messages: chatMessageList(ChatMessageSchema).min(1, { error: 'a chat needs at least one message' }),
  maxTokens: chatMaxTokens(),
  /** 0 is greedy: the same prompt always gives the same answer. */
  temperature: chatTemperature(),
  topP: chatTopP(),
  /** Reproduces an answer above temperature 0. */
  seed: z.int().min(0).max(0xffff_ffff, { error: 'must be an integer from 0 to 2^32 - 1' }).optional(),
  /** Generation stops before any of these; they are not returned. */
  stop: chatStopStrings(),
  /** Who may see the chat's context: only the verifier, or also the scouts drafting for it. */
  privacy: z.enum(['verifier-only', 'drafters-allowed'], { error: 'must be verifier-only or drafters-allowed' }),
  /** Receipts the asker earned at other verifiers, presented for priority. */
  receipts: z.array(z.object({ body: ReceiptBytes, signature: ReceiptBytes })).max(MAX_PRESENTED_RECEIPTS, { error: `a chat presents at most ${MAX_PRESENTED_RECEIPTS} receipts` }).optional()
})

/** A complete, checked chat request. */
export type ValidChatRequest = z.output<typeof ChatRequestSchema>
export type ChatMessage = z.output<typeof ChatMessageSchema>
export type ChatRole = ChatMessage['role']
export type ChatPrivacy = ValidChatRequest['privacy']

/**
 * The first problem `schema` finds in `value`, as one line naming the field
 * (`messages[3].role: has no known role`), or undefined when there is none.
 */
export function firstProblem (schema: z.ZodType, value: unknown): string | undefined {
  const parsed = schema.safeParse(value)
  if (parsed.success) {
    return undefined
  }
  const issue = parsed.error.issues[0]
  if (issue === undefined) {
    return 'invalid'
  }
  const field = issue.path.reduce<string>((text, key) => typeof key === 'number' ? `${text}[${key}]` : text === '' ? String(key) : `${text}.${String(key)}`, '')
  return field === '' ? issue.message : `${field}: ${issue.message}`
}

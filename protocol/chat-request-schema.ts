import { z } from 'zod'
import {
  MAX_CHAT_CONTINUATION_FINGERPRINT_LENGTH,
  MAX_CHAT_CONTINUATION_TOKENS,
  MAX_CHAT_LOGIT_BIAS,
  MAX_CHAT_LOGIT_BIAS_TOKENS,
  MAX_CHAT_MAX_TOKENS,
  MAX_CHAT_MESSAGES,
  MAX_CHAT_REQUEST_ID_LENGTH,
  MAX_CHAT_SCHEMA_LENGTH,
  MAX_CHAT_STOP_LENGTH,
  MAX_CHAT_STOP_SEQUENCES,
  MAX_CHAT_TEMPERATURE,
  MAX_CHAT_TOOL_CALL_ID_LENGTH,
  MAX_CHAT_TOOL_CALLS,
  MAX_CHAT_TOOL_DESCRIPTION_LENGTH,
  MAX_CHAT_TOOL_NAME_LENGTH,
  MAX_CHAT_TOOLS,
  MAX_CHAT_WARM_KEY_LENGTH,
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

/** The roles of a plain text chat, as a page keeps one. */
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

/** A function's name, as the model writes it in a call. */
export const ToolName = z.string().regex(new RegExp(`^[a-zA-Z0-9_-]{1,${MAX_CHAT_TOOL_NAME_LENGTH}}$`), { error: `must be 1-${MAX_CHAT_TOOL_NAME_LENGTH} letters, digits, underscores or dashes` })

/**
 * A JSON schema (an object), at most {@link MAX_CHAT_SCHEMA_LENGTH} characters
 * as JSON. Which keywords a verifier can enforce is its own matter: one that
 * cannot refuses the request (it never answers unconstrained).
 */
export const JsonSchemaObject = z.record(z.string(), z.unknown(), { error: 'must be a JSON schema object' })
  .refine((schema) => JSON.stringify(schema).length <= MAX_CHAT_SCHEMA_LENGTH, { error: `a JSON schema has at most ${MAX_CHAT_SCHEMA_LENGTH} characters as JSON (${PROTOCOL_LIMIT})` })

/** What the answer must be: any JSON object, or JSON that fits a schema. Every token is constrained to it. */
export const ResponseFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('json') }),
  z.object({ type: z.literal('json_schema'), schema: JsonSchemaObject })
], { error: 'must be {type: "json"} or {type: "json_schema", schema}' })

/** A function the model may call; a call's arguments are constrained to `parameters`. */
export const ToolSchema = z.object({
  name: ToolName,
  description: z.string().max(MAX_CHAT_TOOL_DESCRIPTION_LENGTH).optional(),
  /** A JSON schema of the arguments object; none means any object. */
  parameters: JsonSchemaObject.optional()
})

/** `auto`: the model may answer or call; `none`: it answers; `required`: it calls one; `{name}`: it calls that one. */
export const ToolChoiceSchema = z.union([z.enum(['auto', 'none', 'required']), z.object({ name: ToolName })], { error: 'must be auto, none, required or {name}' })

/** A call an assistant made in an earlier turn; `arguments` is its JSON text. */
export const ToolCallSchema = z.object({
  id: z.string().min(1).max(MAX_CHAT_TOOL_CALL_ID_LENGTH),
  name: ToolName,
  arguments: z.string().max(MAX_CHAT_SCHEMA_LENGTH)
})

/** One turn of a chat request: a text turn, or an agent's (a tool's result, an assistant's calls). */
export const ChatMessageSchema = z.object({
  /** `assistant` turns are earlier answers (a trailing one is continued: a prefill); `tool` turns carry a call's result. */
  role: z.enum([...CHAT_ROLES, 'tool'], { error: 'has no known role' }),
  content: z.string({ error: 'has no content' }),
  /** On an assistant turn: the calls it made. */
  toolCalls: z.array(ToolCallSchema).max(MAX_CHAT_TOOL_CALLS, { error: `at most ${MAX_CHAT_TOOL_CALLS} tool calls per message (${PROTOCOL_LIMIT})` }).optional(),
  /** On a tool turn: the call this is the result of. */
  toolCallId: z.string().min(1).max(MAX_CHAT_TOOL_CALL_ID_LENGTH).optional()
})

/** The answer so far, for a verifier to continue where another left it (see chat-continuation.ts). */
export const ChatContinuationSchema = z.object({
  /** What the client has shown; the verifier checks it is the text of `tokens`. */
  text: z.string(),
  tokens: z.array(z.int().min(0).max(0xffff_ffff, { error: 'must be token ids (integers from 0 to 2^32 - 1)' }))
    .max(MAX_CHAT_CONTINUATION_TOKENS, { error: `holds at most ${MAX_CHAT_CONTINUATION_TOKENS} tokens` }),
  tokenizerFingerprint: z.string().min(1).max(MAX_CHAT_CONTINUATION_FINGERPRINT_LENGTH, { error: `must be 1-${MAX_CHAT_CONTINUATION_FINGERPRINT_LENGTH} characters` })
}).refine((continuation) => continuation.tokens.length > 0 || continuation.text === '', { error: 'its text needs the tokens it came from', path: ['text'] })

// Typed as any Uint8Array (z.instanceof would narrow it to one over a plain ArrayBuffer).
const ReceiptBytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array, { error: 'must be bytes' }).refine((bytes) => bytes.byteLength <= MAX_RECEIPT_BYTES, { error: `a presented receipt is at most ${MAX_RECEIPT_BYTES} bytes` })

/** A chat request's fields, each checked on its own (pick from these; {@link ChatRequestSchema} checks the whole). */
export const ChatRequestFields = z.object({
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
  receipts: z.array(z.object({ body: ReceiptBytes, signature: ReceiptBytes })).max(MAX_PRESENTED_RECEIPTS, { error: `a chat presents at most ${MAX_PRESENTED_RECEIPTS} receipts` }).optional(),
  responseFormat: ResponseFormatSchema.optional(),
  tools: z.array(ToolSchema).max(MAX_CHAT_TOOLS, { error: `at most ${MAX_CHAT_TOOLS} tools are allowed (${PROTOCOL_LIMIT})` }).optional(),
  /** Default: `auto` with tools, `none` without. */
  toolChoice: ToolChoiceSchema.optional(),
  /** Added to these tokens' logits before every choice (OpenAI's `logit_bias`), within any grammar. */
  logitBias: z.array(z.object({
    token: z.int().min(0).max(0xffff_ffff),
    bias: z.number().min(-MAX_CHAT_LOGIT_BIAS).max(MAX_CHAT_LOGIT_BIAS, { error: `must be from -${MAX_CHAT_LOGIT_BIAS} to ${MAX_CHAT_LOGIT_BIAS}` })
  })).max(MAX_CHAT_LOGIT_BIAS_TOKENS, { error: `at most ${MAX_CHAT_LOGIT_BIAS_TOKENS} tokens may be biased (${PROTOCOL_LIMIT})` }).optional(),
  continuation: ChatContinuationSchema.optional(),
  /** The client's key for this conversation: the verifier announces it warm under this key (see warm-prefix.ts). */
  warmKey: z.string().regex(new RegExp(`^[\\x21-\\x7e]{1,${MAX_CHAT_WARM_KEY_LENGTH}}$`), { error: `must be 1-${MAX_CHAT_WARM_KEY_LENGTH} printable ASCII characters` }).optional()
})

/** A complete chat request, as every peer checks it. */
export const ChatRequestSchema = ChatRequestFields.check((context) => {
  const problem = toolChoiceProblem(context.value)
  if (problem !== undefined) {
    context.issues.push({ code: 'custom', path: ['toolChoice'], message: problem, input: context.value.toolChoice })
  }
})

/** Why a request's tool choice cannot be honoured by its tools, if it cannot. */
export function toolChoiceProblem (request: { tools?: ReadonlyArray<{ name: string }> | undefined, toolChoice?: z.output<typeof ToolChoiceSchema> | undefined }): string | undefined {
  const names = (request.tools ?? []).map((tool) => tool.name)
  if (new Set(names).size !== names.length) {
    return 'tool names must be unique'
  }
  const choice = request.toolChoice
  if (choice === 'required' && names.length === 0) {
    return 'required needs at least one tool'
  }
  if (typeof choice === 'object' && !names.includes(choice.name)) {
    return `names no offered tool ("${choice.name}")`
  }
  return undefined
}

/** A complete, checked chat request. */
export type ValidChatRequest = z.output<typeof ChatRequestSchema>
/** One turn of a request (any role, maybe with tool calls). */
export type ChatRequestMessage = z.output<typeof ChatMessageSchema>
export type ChatRequestRole = ChatRequestMessage['role']
/** A plain text turn, as a page's conversation holds it. */
export type ChatRole = typeof CHAT_ROLES[number]
export interface ChatMessage {
  role: ChatRole
  content: string
}
export type ChatPrivacy = ValidChatRequest['privacy']
export type ResponseFormat = z.output<typeof ResponseFormatSchema>
export type ChatTool = z.output<typeof ToolSchema>
export type ToolChoice = z.output<typeof ToolChoiceSchema>
export type ToolCall = z.output<typeof ToolCallSchema>

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

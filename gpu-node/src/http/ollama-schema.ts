import { z } from 'zod'
import { logitBias, messageList, stopStrings, temperature } from './chat-fields.ts'
import { OLLAMA_DEFAULT_TEMPERATURE, OLLAMA_DEFAULT_TOP_P } from './constants.ts'
import { ChatContinuationSchema, JsonSchemaObject, MAX_CHAT_TOOL_CALLS, MAX_CHAT_TOOLS, ToolName, ToolSchema, toolChoiceProblem } from '#protocol'
import type { ChatRequestMessage, ChatTool, ResponseFormat } from '#protocol'
import type { ChatMessage, CompletionRequest } from '../verifier/types.ts'

/**
 * `POST /api/chat` and `POST /api/generate` requests, as Ollama takes them.
 * Unknown fields and options (`keep_alive`, `num_ctx`, `top_k`, ...) are
 * ignored; those that would change the answer and cannot be honoured (images,
 * `context`) are rejected. `format` ("json" or a JSON schema)
 * constrains every token; `tools` are documented in the prompt (Ollama has no
 * way to force a call, so the model answers in text), and earlier calls and
 * their results (`role: "tool"`) go into the prompt.
 */

const unsupported = (what: string): z.ZodType<unknown> =>
  z.unknown().refine((value) => value == null || value === '' || value === false || (Array.isArray(value) && value.length === 0), { error: `${what} is not supported` }).optional()

const Options = z.object({
  temperature: temperature().nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  seed: z.int().nullish(),
  /** -1 (no limit) and -2 (fill the context) both mean "until the context is full". */
  num_predict: z.int().min(-2).nullish(),
  // Ollama's modelfiles carry several stop strings: the protocol's limit applies, not OpenAI's 4.
  stop: stopStrings().nullish(),
  // Shoal's extension, as OpenAI's `logit_bias` (Ollama has none).
  logit_bias: logitBias().nullish()
})
type Options = z.output<typeof Options>

/** An earlier call, as Ollama sends it back: arguments as an object, and no id (results follow in order). */
const ToolCall = z.object({ function: z.object({ name: ToolName, arguments: z.record(z.string(), z.unknown()).nullish() }) })

const Message = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string(),
  images: unsupported('images'),
  tool_calls: z.array(ToolCall).max(MAX_CHAT_TOOL_CALLS, { error: `at most ${MAX_CHAT_TOOL_CALLS} tool calls per message (the Shoal protocol's limit)` }).nullish()
})

/**
 * Ollama's turns as the verifier's. Ollama's calls carry no ids: each gets
 * one, and each `tool` turn answers the oldest call not yet answered.
 */
function linkToolTurns (messages: ReadonlyArray<z.output<typeof Message>>): ChatRequestMessage[] {
  const unanswered: string[] = []
  return messages.map((message, index): ChatRequestMessage => {
    if (message.role === 'tool') {
      const id = unanswered.shift()
      return { role: 'tool', content: message.content, ...(id === undefined ? {} : { toolCallId: id }) }
    }
    const calls = (message.tool_calls ?? []).map((call, callIndex) => ({ id: `call_${index}_${callIndex}`, name: call.function.name, arguments: JSON.stringify(call.function.arguments ?? {}) }))
    unanswered.push(...calls.map((call) => call.id))
    return { role: message.role, content: message.content, ...(calls.length === 0 ? {} : { toolCalls: calls }) }
  })
}

/** `"json"`: any JSON object; an object: a JSON schema the answer fits. */
const Format = z.union([z.literal('json'), z.literal(''), JsonSchemaObject], { error: 'must be "json" or a JSON schema object' }).nullish()
  .transform((format): ResponseFormat | undefined => format == null || format === '' ? undefined : format === 'json' ? { type: 'json' } : { type: 'json_schema', schema: format })

const Tool = z.object({
  type: z.literal('function', { error: 'only function tools are supported' }).nullish(),
  function: z.object({ name: ToolName, description: ToolSchema.shape.description.nullish(), parameters: JsonSchemaObject.nullish() })
}).transform(({ function: tool }): ChatTool => ({
  name: tool.name,
  ...(tool.description == null ? {} : { description: tool.description }),
  ...(tool.parameters == null ? {} : { parameters: tool.parameters })
}))

const Common = {
  model: z.string().min(1),
  stream: z.boolean().nullish(),
  format: Format,
  options: Options.nullish(),
  // Shoal's extension: the answer so far, when another verifier began it (a relay's gateway hands
  // streams over with it); `num_predict` then counts the tokens still to write.
  shoal_continuation: ChatContinuationSchema.nullish()
}

export const OllamaChatRequest = z.object({
  ...Common,
  messages: messageList(Message).nullish().transform((messages) => messages == null ? messages : linkToolTurns(messages)),
  tools: z.array(Tool).max(MAX_CHAT_TOOLS, { error: `at most ${MAX_CHAT_TOOLS} tools are allowed (the Shoal protocol's limit)` }).nullish()
}).superRefine((request, context) => {
  const problem = toolChoiceProblem({ tools: request.tools ?? [] })
  if (problem !== undefined) {
    context.addIssue({ code: 'custom', path: ['tools'], message: problem })
  }
})
export type OllamaChatRequest = z.output<typeof OllamaChatRequest>

export const OllamaGenerateRequest = z.object({
  ...Common,
  prompt: z.string().nullish(),
  system: z.string().nullish(),
  images: unsupported('images'),
  // Fill in the middle, with the model's own tokens for it (a model without them: 400, from the verifier).
  suffix: z.string().nullish(),
  template: unsupported('template'),
  context: unsupported('context'),
  // The prompt as it stands, no chat template (as /v1/completions takes it).
  raw: z.boolean().nullish()
})
export type OllamaGenerateRequest = z.output<typeof OllamaGenerateRequest>

/** Whether an `/api/generate` prompt goes to the model as it stands (`raw`, or a `suffix` to fill up to), not as a chat turn. */
export function isRawGenerate (request: OllamaGenerateRequest): boolean {
  return request.raw === true || (request.suffix != null && request.suffix !== '')
}

/** The messages an `/api/generate` prompt stands for: the optional system prompt, then the user's. */
export function generateMessages (request: OllamaGenerateRequest): ChatMessage[] {
  return [
    ...(request.system == null || request.system === '' ? [] : [{ role: 'system' as const, content: request.system }]),
    { role: 'user', content: request.prompt ?? '' }
  ]
}

/**
 * The verifier's request for Ollama `messages` and `options`. `num_predict`
 * over `maxTokens` is cut to it: like Ollama with a context too small, the
 * answer just ends with `done_reason: "length"`.
 */
export function toCompletionRequest (messages: ChatRequestMessage[], options: Options | null | undefined, defaults: { defaultMaxTokens: number, maxTokens: number, clientId: string }): CompletionRequest {
  const numPredict = options?.num_predict
  const stop = options?.stop
  return {
    messages,
    maxTokens: numPredict == null || numPredict < 0 ? defaults.defaultMaxTokens : Math.min(defaults.maxTokens, Math.max(1, numPredict)),
    temperature: options?.temperature ?? OLLAMA_DEFAULT_TEMPERATURE,
    topP: options?.top_p ?? OLLAMA_DEFAULT_TOP_P,
    ...(options?.seed == null ? {} : { seed: options.seed }),
    stop: stop ?? [],
    clientId: defaults.clientId,
    ...(options?.logit_bias == null || options.logit_bias.length === 0 ? {} : { logitBias: options.logit_bias })
  }
}

import { z } from 'zod'
import { invalidRequest } from './errors.ts'
import { logitBias, maxTokens, messageList, stopStrings, temperature } from './chat-fields.ts'
import { ChatContinuationSchema, JsonSchemaObject, MAX_CHAT_TOOL_CALLS, MAX_CHAT_TOOLS, ToolCallSchema, ToolName, ToolSchema, toolChoiceProblem } from '#protocol'
import { OPENAI_DEFAULT_TEMPERATURE, OPENAI_DEFAULT_TOP_P, OPENAI_MAX_STOP_SEQUENCES } from './constants.ts'
import { MAX_TOP_LOGPROBS } from '../verifier/types.ts'
import type { ChatRequestMessage, ChatTool, ToolChoice } from '#protocol'
import type { CompletionRequest } from '../verifier/types.ts'

/**
 * `POST /v1/chat/completions` requests: the subset of OpenAI's parameters a
 * text-only verifier can honour, tools, structured output and logprobs
 * included. Unknown fields are ignored (clients send many); known ones that
 * would change the answer and cannot be honoured (`n` > 1, images, audio)
 * are rejected rather than silently dropped.
 */

/**
 * A message's content: a string, or an array of text parts (joined with
 * newlines, as vLLM and llama.cpp's server do). Other parts (images, audio)
 * are refused by name.
 */
const Content = z.union([z.string(), z.array(z.unknown())], { error: 'must be a string or an array of text parts' }).transform((content, context): string => {
  if (typeof content === 'string') {
    return content
  }
  const texts: string[] = []
  for (const [index, part] of content.entries()) {
    const parsed = z.object({ type: z.string(), text: z.unknown().optional() }).safeParse(part)
    if (!parsed.success) {
      context.addIssue({ code: 'custom', path: [index], message: 'a content part needs a "type"' })
    } else if (parsed.data.type !== 'text') {
      context.addIssue({ code: 'custom', path: [index, 'type'], message: `only text content parts are supported, not "${parsed.data.type}"` })
    } else if (typeof parsed.data.text !== 'string') {
      context.addIssue({ code: 'custom', path: [index, 'text'], message: 'a text part needs a string "text"' })
    } else {
      texts.push(parsed.data.text)
      continue
    }
    return z.NEVER
  }
  return texts.join('\n')
})

/** A call an assistant made, as OpenAI sends it back in later turns. */
const ToolCall = z.object({
  id: ToolCallSchema.shape.id,
  type: z.literal('function').nullish(),
  function: z.object({ name: ToolName, arguments: ToolCallSchema.shape.arguments })
})

const Message = z.object({
  // `developer` is OpenAI's newer name for `system`.
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: Content.nullish(),
  tool_calls: z.array(ToolCall).max(MAX_CHAT_TOOL_CALLS, { error: `at most ${MAX_CHAT_TOOL_CALLS} tool calls per message (the Shoal protocol's limit)` }).nullish(),
  tool_call_id: ToolCallSchema.shape.id.nullish()
}).transform((message, context): ChatRequestMessage => {
  if (message.content == null && message.role !== 'assistant') {
    // Only an assistant turn (one that called tools) may come without content.
    context.addIssue({ code: 'custom', path: ['content'], message: `a ${message.role} message needs content` })
    return z.NEVER
  }
  if (message.role === 'tool' && message.tool_call_id == null) {
    context.addIssue({ code: 'custom', path: ['tool_call_id'], message: 'a tool message needs the tool_call_id it answers' })
    return z.NEVER
  }
  const calls = (message.tool_calls ?? []).map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments }))
  return {
    role: message.role === 'developer' ? 'system' : message.role,
    content: message.content ?? '',
    ...(calls.length === 0 ? {} : { toolCalls: calls }),
    ...(message.role === 'tool' && message.tool_call_id != null ? { toolCallId: message.tool_call_id } : {})
  }
})

const FunctionTool = z.object({
  type: z.literal('function', { error: 'only function tools are supported' }),
  function: z.object({
    name: ToolName,
    description: ToolSchema.shape.description.nullish(),
    parameters: JsonSchemaObject.nullish(),
    // Arguments always fit the schema (a grammar enforces it), strict or not.
    strict: z.boolean().nullish()
  })
})

const ToolChoice = z.union([
  z.enum(['auto', 'none', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: ToolName }) })
], { error: 'must be auto, none, required or {"type":"function","function":{"name"}}' })

/** `text` (the default), any JSON object, or JSON that fits a schema (every token constrained: `strict` or not). */
const ResponseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({ name: z.string().max(64).nullish(), description: z.string().nullish(), schema: JsonSchemaObject.nullish(), strict: z.boolean().nullish() })
  })
], { error: 'must be of type text, json_object or json_schema' })

export const ChatCompletionRequest = z.object({
  model: z.string().min(1),
  messages: messageList(Message).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: maxTokens().nullish(),
  max_completion_tokens: maxTokens().nullish(),
  temperature: temperature().nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  seed: z.int().nullish(),
  stop: stopStrings(OPENAI_MAX_STOP_SEQUENCES, 'OpenAI\'s limit').nullish(),
  n: z.literal(1, { error: 'only n=1 is supported' }).nullish(),
  user: z.string().max(256).nullish(),
  tools: z.array(FunctionTool).max(MAX_CHAT_TOOLS, { error: `at most ${MAX_CHAT_TOOLS} tools are allowed (the Shoal protocol's limit)` }).nullish(),
  tool_choice: ToolChoice.nullish(),
  // A forced call is one call; calls the model makes on its own may be several where its chat wrapper has a form for it.
  parallel_tool_calls: z.boolean().nullish(),
  logit_bias: logitBias().nullish(),
  response_format: ResponseFormat.nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.int().min(0).max(MAX_TOP_LOGPROBS, { error: `top_logprobs is at most ${MAX_TOP_LOGPROBS}` }).nullish(),
  // Shoal's extension: may drafters (contributing browsers) see this chat to draft for it? Default: no.
  privacy: z.enum(['verifier-only', 'drafters-allowed']).nullish(),
  // Shoal's extension: the answer so far, when another verifier began it (a relay's gateway hands streams over with it).
  shoal_continuation: ChatContinuationSchema.nullish()
}).superRefine((request, context) => {
  if (request.top_logprobs != null && request.logprobs !== true) {
    context.addIssue({ code: 'custom', path: ['top_logprobs'], message: 'top_logprobs needs logprobs: true' })
  }
  const problem = toolChoiceProblem({ tools: (request.tools ?? []).map((tool) => tool.function), toolChoice: toolChoiceOf(request.tool_choice) })
  if (problem !== undefined) {
    context.addIssue({ code: 'custom', path: ['tool_choice'], message: problem })
  }
})
export type ChatCompletionRequest = z.output<typeof ChatCompletionRequest>

/**
 * The verifier's request for a parsed chat completion. Without a token limit
 * it generates `defaultMaxTokens`.
 *
 * @throws {ApiError} 400 when the request asks for more than `maxTokens`
 */
export function toCompletionRequest (request: ChatCompletionRequest, options: { defaultMaxTokens: number, maxTokens: number, clientId: string }): CompletionRequest {
  const stop = request.stop ?? []
  const maxTokens = request.max_completion_tokens ?? request.max_tokens ?? options.defaultMaxTokens
  if (maxTokens > options.maxTokens) {
    const param = request.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens'
    throw invalidRequest(`Invalid '${param}': ${maxTokens} is more than this server allows per request (${options.maxTokens})`, { param, code: 'invalid_value' })
  }
  const tools = (request.tools ?? []).map(({ function: tool }): ChatTool => ({
    name: tool.name,
    ...(tool.description == null ? {} : { description: tool.description }),
    ...(tool.parameters == null ? {} : { parameters: tool.parameters })
  }))
  const toolChoice = toolChoiceOf(request.tool_choice)
  const responseFormat = responseFormatOf(request.response_format)
  return {
    messages: request.messages,
    maxTokens,
    temperature: request.temperature ?? OPENAI_DEFAULT_TEMPERATURE,
    topP: request.top_p ?? OPENAI_DEFAULT_TOP_P,
    ...(request.seed == null ? {} : { seed: request.seed }),
    stop,
    clientId: options.clientId,
    privacy: request.privacy ?? 'verifier-only',
    ...(tools.length === 0 ? {} : { tools }),
    ...(toolChoice === undefined ? {} : { toolChoice }),
    ...(responseFormat === undefined ? {} : { responseFormat }),
    ...(request.logprobs === true ? { topLogprobs: request.top_logprobs ?? 0 } : {}),
    ...(request.shoal_continuation == null ? {} : { continuation: request.shoal_continuation }),
    ...(request.logit_bias == null || request.logit_bias.length === 0 ? {} : { logitBias: request.logit_bias }),
    ...(request.parallel_tool_calls == null ? {} : { parallelToolCalls: request.parallel_tool_calls })
  }
}

function toolChoiceOf (choice: z.output<typeof ToolChoice> | null | undefined): ToolChoice | undefined {
  if (choice == null) {
    return undefined
  }
  return typeof choice === 'string' ? choice : { name: choice.function.name }
}

function responseFormatOf (format: z.output<typeof ResponseFormat> | null | undefined): CompletionRequest['responseFormat'] {
  switch (format?.type) {
    case undefined:
    case 'text':
      return undefined
    case 'json_object':
      return { type: 'json' }
    case 'json_schema':
      // No schema: any JSON, as OpenAI takes it.
      return format.json_schema.schema == null ? { type: 'json' } : { type: 'json_schema', schema: format.json_schema.schema }
  }
}

import { z } from 'zod'
import { invalidRequest } from './errors.ts'
import { maxTokens, messageList, stopStrings, temperature } from './chat-fields.ts'
import { OPENAI_DEFAULT_TEMPERATURE, OPENAI_DEFAULT_TOP_P, OPENAI_MAX_STOP_SEQUENCES } from './constants.ts'
import type { ChatMessage, CompletionRequest } from '../verifier/types.ts'

/**
 * `POST /v1/chat/completions` requests: the subset of OpenAI's parameters a
 * text-only verifier can honour. Unknown fields are ignored (clients send many);
 * known ones that would change the answer and cannot be honoured (`n` > 1,
 * tools, JSON modes, logprobs) are rejected rather than silently dropped.
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

const Message = z.object({
  // `developer` is OpenAI's newer name for `system`.
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: Content.nullish()
}).transform((message, context): ChatMessage => {
  if (message.content == null && message.role !== 'assistant') {
    // Only an assistant turn (one that called tools) may come without content.
    context.addIssue({ code: 'custom', path: ['content'], message: `a ${message.role} message needs content` })
    return z.NEVER
  }
  return { role: message.role === 'developer' ? 'system' : message.role, content: message.content ?? '' }
})

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
  tools: z.array(z.unknown()).max(0, { error: 'tools are not supported' }).nullish(),
  response_format: z.object({ type: z.literal('text', { error: 'only the "text" response format is supported' }) }).nullish(),
  logprobs: z.literal(false, { error: 'logprobs are not supported' }).nullish(),
  // Shoal's extension: may drafters (contributing browsers) see this chat to draft for it? Default: no.
  privacy: z.enum(['verifier-only', 'drafters-allowed']).nullish()
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
  return {
    messages: request.messages,
    maxTokens,
    temperature: request.temperature ?? OPENAI_DEFAULT_TEMPERATURE,
    topP: request.top_p ?? OPENAI_DEFAULT_TOP_P,
    ...(request.seed == null ? {} : { seed: request.seed }),
    stop,
    clientId: options.clientId,
    privacy: request.privacy ?? 'verifier-only'
  }
}

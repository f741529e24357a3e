import { z } from 'zod'
import { messageList, stopStrings, temperature } from './chat-fields.ts'
import { OLLAMA_DEFAULT_TEMPERATURE, OLLAMA_DEFAULT_TOP_P } from './constants.ts'
import type { ChatMessage, CompletionRequest } from '../verifier/types.ts'

/**
 * `POST /api/chat` and `POST /api/generate` requests, as Ollama takes them.
 * Unknown fields and options (`keep_alive`, `num_ctx`, `top_k`, ...) are
 * ignored; those that would change the answer and cannot be honoured (images,
 * tools, `format`, raw prompts, `context`) are rejected.
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
  stop: stopStrings().nullish()
})
type Options = z.output<typeof Options>

const Message = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
  images: unsupported('images'),
  tool_calls: unsupported('tool_calls')
}).transform((message): ChatMessage => ({ role: message.role, content: message.content }))

const Common = {
  model: z.string().min(1),
  stream: z.boolean().nullish(),
  format: unsupported('format'),
  options: Options.nullish()
}

export const OllamaChatRequest = z.object({
  ...Common,
  messages: messageList(Message).nullish(),
  tools: unsupported('tools')
})
export type OllamaChatRequest = z.output<typeof OllamaChatRequest>

export const OllamaGenerateRequest = z.object({
  ...Common,
  prompt: z.string().nullish(),
  system: z.string().nullish(),
  images: unsupported('images'),
  suffix: unsupported('suffix'),
  template: unsupported('template'),
  context: unsupported('context'),
  raw: unsupported('raw')
})
export type OllamaGenerateRequest = z.output<typeof OllamaGenerateRequest>

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
export function toCompletionRequest (messages: ChatMessage[], options: Options | null | undefined, defaults: { defaultMaxTokens: number, maxTokens: number, clientId: string }): CompletionRequest {
  const numPredict = options?.num_predict
  const stop = options?.stop
  return {
    messages,
    maxTokens: numPredict == null || numPredict < 0 ? defaults.defaultMaxTokens : Math.min(defaults.maxTokens, Math.max(1, numPredict)),
    temperature: options?.temperature ?? OLLAMA_DEFAULT_TEMPERATURE,
    topP: options?.top_p ?? OLLAMA_DEFAULT_TOP_P,
    ...(options?.seed == null ? {} : { seed: options.seed }),
    stop: stop ?? [],
    clientId: defaults.clientId
  }
}

import { z } from 'zod'
import { ChatContinuationSchema } from '#protocol'
import { invalidRequest } from './errors.ts'
import { maxTokens, stopStrings, temperature } from './chat-fields.ts'
import { OPENAI_DEFAULT_TEMPERATURE, OPENAI_DEFAULT_TOP_P, OPENAI_MAX_STOP_SEQUENCES } from './constants.ts'
import { MAX_COMPLETION_LOGPROBS } from '../verifier/token-logprobs.ts'
import type { PromptCompletionRequest } from '../verifier/types.ts'

/**
 * `POST /v1/completions` requests: OpenAI's legacy prompt completion, the
 * parameters a single-answer verifier can honour. Unknown fields are ignored;
 * known ones that would change the answer and cannot be honoured (`n` or
 * `best_of` over 1, several prompts) are refused rather than dropped.
 */

/** OpenAI's `max_tokens` for a completion that sets none (unlike chat, which runs to the context). */
export const OPENAI_COMPLETIONS_DEFAULT_MAX_TOKENS = 16

const TokenId = z.int().min(0)
const TokenList = z.array(TokenId).min(1)

/**
 * A prompt: text, token ids, or a list of one of either (OpenAI takes lists
 * for several prompts at once; one answer per request is served here).
 */
const Prompt = z.unknown().transform((value, context): string | number[] => {
  if (typeof value === 'string') {
    return value
  }
  if (!Array.isArray(value)) {
    context.addIssue({ code: 'custom', message: 'must be a string, an array of token ids, or an array of one of either' })
    return z.NEVER
  }
  if (value.length > 0 && value.every((item) => typeof item === 'number')) {
    const tokens = TokenList.safeParse(value)
    if (!tokens.success) {
      context.addIssue({ code: 'custom', message: 'token ids must be integers from 0' })
      return z.NEVER
    }
    return tokens.data
  }
  if (value.length !== 1) {
    context.addIssue({ code: 'custom', message: value.length === 0 ? 'must not be empty' : 'only one prompt per request is supported' })
    return z.NEVER
  }
  const [only] = value
  if (typeof only === 'string') {
    return only
  }
  const tokens = TokenList.safeParse(only)
  if (!tokens.success) {
    context.addIssue({ code: 'custom', path: [0], message: 'must be a string or a non-empty array of token ids (integers from 0)' })
    return z.NEVER
  }
  return tokens.data
})

export const CompletionsRequest = z.object({
  model: z.string().min(1),
  prompt: Prompt,
  suffix: z.string().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: maxTokens().nullish(),
  temperature: temperature().nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  seed: z.int().nullish(),
  stop: stopStrings(OPENAI_MAX_STOP_SEQUENCES, 'OpenAI\'s limit').nullish(),
  echo: z.boolean().nullish(),
  n: z.literal(1, { error: 'only n=1 is supported' }).nullish(),
  best_of: z.literal(1, { error: 'only best_of=1 is supported' }).nullish(),
  logprobs: z.int().min(0).max(MAX_COMPLETION_LOGPROBS, { error: `at most ${MAX_COMPLETION_LOGPROBS} (OpenAI's limit)` }).nullish(),
  user: z.string().max(256).nullish(),
  // Shoal's extension: may drafters (contributing browsers) see this prompt to draft for it? Default: no.
  privacy: z.enum(['verifier-only', 'drafters-allowed']).nullish(),
  // Shoal's extension: the answer so far, when another verifier began it (a relay's gateway hands streams over with it).
  shoal_continuation: ChatContinuationSchema.nullish()
}).superRefine((request, context) => {
  if (request.echo === true && request.shoal_continuation != null) {
    // The first verifier echoed the prompt already; the answer so far is its text after the prompt.
    context.addIssue({ code: 'custom', path: ['shoal_continuation'], message: 'an echoed prompt cannot be continued' })
  }
  if (request.echo === true && request.logprobs != null) {
    // OpenAI would also score the prompt's tokens; the verifier scores only what it generates.
    context.addIssue({ code: 'custom', path: ['logprobs'], message: 'logprobs together with echo are not supported' })
  }
})
export type CompletionsRequest = z.output<typeof CompletionsRequest>

/**
 * The verifier's request for a parsed completion. Without a token limit it
 * generates OpenAI's default of 16 tokens (at most `defaultMaxTokens`).
 *
 * @throws {ApiError} 400 when the request asks for more than `maxTokens`
 */
export function toPromptCompletionRequest (request: CompletionsRequest, options: { defaultMaxTokens: number, maxTokens: number, clientId: string }): PromptCompletionRequest {
  const maxTokens = request.max_tokens ?? Math.min(OPENAI_COMPLETIONS_DEFAULT_MAX_TOKENS, options.defaultMaxTokens)
  if (maxTokens > options.maxTokens) {
    throw invalidRequest(`Invalid 'max_tokens': ${maxTokens} is more than this server allows per request (${options.maxTokens})`, { param: 'max_tokens', code: 'invalid_value' })
  }
  return {
    prompt: request.prompt,
    ...(request.suffix == null ? {} : { suffix: request.suffix }),
    echo: request.echo === true,
    ...(request.logprobs == null ? {} : { logprobs: request.logprobs }),
    maxTokens,
    temperature: request.temperature ?? OPENAI_DEFAULT_TEMPERATURE,
    topP: request.top_p ?? OPENAI_DEFAULT_TOP_P,
    ...(request.seed == null ? {} : { seed: request.seed }),
    stop: request.stop ?? [],
    clientId: options.clientId,
    privacy: request.privacy ?? 'verifier-only',
    ...(request.shoal_continuation == null ? {} : { continuation: request.shoal_continuation })
  }
}

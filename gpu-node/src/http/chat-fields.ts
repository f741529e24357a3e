import { z } from 'zod'
import { chatMaxTokens, chatMessageList, chatStopStrings, chatTemperature, chatTopP, MAX_CHAT_LOGIT_BIAS, MAX_CHAT_LOGIT_BIAS_TOKENS, MAX_CHAT_STOP_SEQUENCES, PROTOCOL_LIMIT } from '#protocol'

/**
 * The fields both HTTP dialects share with the protocol's chat request, from
 * the protocol's one request schema (protocol/chat-request-schema.ts), so
 * that a request the mesh would take is taken over HTTP too, and the
 * verifier never sees one bigger. An over-limit field is a 400 that names
 * the limit. Only the dialects' own shapes are added here (a lone stop string
 * for a list of one).
 *
 * @example
 * ```ts
 * const Request = z.object({ messages: messageList(Message), stop: stopStrings(), temperature: temperature() })
 * ```
 */

export const messageList = chatMessageList
export const temperature = chatTemperature
export const maxTokens = chatMaxTokens
export const topP = chatTopP

/**
 * One stop string, or a list of at most `max` of them, as a list. `max`
 * defaults to the protocol's limit; a dialect may only narrow it, and says
 * whose limit it is in `limit` (shown in the 400).
 */
export function stopStrings (max: number = MAX_CHAT_STOP_SEQUENCES, limit = PROTOCOL_LIMIT): z.ZodType<string[], unknown> {
  // A lone string is a list of one (both dialects take either). Not a union: a union's error would
  // say "invalid input" instead of naming the limit that a too-long list broke.
  return z.preprocess((value) => typeof value === 'string' ? [value] : value, chatStopStrings(max, limit))
}

/**
 * OpenAI's `logit_bias` (also taken in Ollama's `options`, as Shoal's
 * extension): token ids, as JSON keys, to a bias added to their logits.
 */
export function logitBias (): z.ZodType<Array<{ token: number, bias: number }>, unknown> {
  return z.record(z.string().regex(/^(0|[1-9][0-9]{0,8})$/, { error: 'keys must be token ids' }), z.number().min(-MAX_CHAT_LOGIT_BIAS).max(MAX_CHAT_LOGIT_BIAS, { error: `biases are from -${MAX_CHAT_LOGIT_BIAS} to ${MAX_CHAT_LOGIT_BIAS}` }))
    .refine((bias) => Object.keys(bias).length <= MAX_CHAT_LOGIT_BIAS_TOKENS, { error: `at most ${MAX_CHAT_LOGIT_BIAS_TOKENS} tokens may be biased (${PROTOCOL_LIMIT})` })
    .transform((bias) => Object.entries(bias).map(([token, value]) => ({ token: Number(token), bias: value })))
}

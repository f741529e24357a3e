import { z } from 'zod'
import { MAX_CHAT_MAX_TOKENS, MAX_CHAT_MESSAGES, MAX_CHAT_STOP_LENGTH, MAX_CHAT_STOP_SEQUENCES, MAX_CHAT_TEMPERATURE } from '#protocol'

/**
 * The fields both HTTP dialects share with the protocol's chat request,
 * bounded by the protocol's limits (protocol/limits.ts) so that a request the
 * mesh would take is taken over HTTP too, and the verifier never sees one
 * bigger. An over-limit field is a 400 that names the limit.
 *
 * @example
 * ```ts
 * const Request = z.object({ messages: messageList(Message), stop: stopStrings(), temperature: temperature() })
 * ```
 */

/** A list of chat turns: at most the protocol's {@link MAX_CHAT_MESSAGES}. */
export function messageList<Message extends z.ZodType> (message: Message): z.ZodArray<Message> {
  return z.array(message).max(MAX_CHAT_MESSAGES, { error: `at most ${MAX_CHAT_MESSAGES} messages are allowed (the Shoal protocol's limit)` })
}

/** One stop string: non-empty, at most the protocol's {@link MAX_CHAT_STOP_LENGTH} characters. */
const StopString = z.string()
  .min(1, { error: 'a stop string must not be empty' })
  .max(MAX_CHAT_STOP_LENGTH, { error: `a stop string has at most ${MAX_CHAT_STOP_LENGTH} characters (the Shoal protocol's limit)` })

/**
 * One stop string, or a list of at most `max` of them, as a list. `max`
 * defaults to the protocol's limit; a dialect may only narrow it, and says
 * whose limit it is in `limit` (shown in the 400).
 */
export function stopStrings (max: number = MAX_CHAT_STOP_SEQUENCES, limit = 'the Shoal protocol\'s limit'): z.ZodType<string[], unknown> {
  if (max > MAX_CHAT_STOP_SEQUENCES) {
    throw new RangeError(`a dialect may narrow the protocol's ${MAX_CHAT_STOP_SEQUENCES} stop strings, not widen them to ${max}`)
  }
  // A lone string is a list of one (both dialects take either). Not a union: a union's error would
  // say "invalid input" instead of naming the limit that a too-long list broke.
  return z.preprocess(
    (value) => typeof value === 'string' ? [value] : value,
    z.array(StopString, { error: 'must be a string or an array of strings' }).max(max, { error: `at most ${max} stop strings are allowed (${limit})` })
  )
}

/** Sampling temperature, 0 (greedy) to the protocol's {@link MAX_CHAT_TEMPERATURE}. */
export function temperature (): z.ZodNumber {
  return z.number().min(0).max(MAX_CHAT_TEMPERATURE, { error: `the temperature is at most ${MAX_CHAT_TEMPERATURE} (the Shoal protocol's limit)` })
}

/** Most tokens to generate: 1 to the protocol's {@link MAX_CHAT_MAX_TOKENS} (a server may allow fewer; see `--client-max-tokens`). */
export function maxTokens (): z.ZodInt {
  return z.int().min(1).max(MAX_CHAT_MAX_TOKENS, { error: `at most ${MAX_CHAT_MAX_TOKENS} tokens may be asked for (the Shoal protocol's limit)` })
}

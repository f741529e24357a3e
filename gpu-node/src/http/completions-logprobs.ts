import type { TokenLogprob } from '../verifier/types.ts'

/** OpenAI's legacy `logprobs` object of a completion choice (or of one streamed chunk's). */
export interface LegacyLogprobs {
  tokens: string[]
  token_logprobs: number[]
  /** Per token: the likeliest alternatives and the chosen token itself, text → log-probability. */
  top_logprobs: Array<Record<string, number>>
  /** Where each token's text starts in the choice's whole text, in characters. */
  text_offset: number[]
}

/**
 * The verifier's per-token log-probabilities in OpenAI's legacy completion
 * shape, the first token's text starting at `offset` characters into the
 * answer (later chunks of a stream carry on from the earlier ones).
 */
export function legacyLogprobs (entries: readonly TokenLogprob[], offset = 0): LegacyLogprobs {
  const result: LegacyLogprobs = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] }
  let position = offset
  for (const entry of entries) {
    result.tokens.push(entry.text)
    result.token_logprobs.push(entry.logprob)
    // As OpenAI: the chosen token is always among them, so there may be one more than asked for.
    result.top_logprobs.push(Object.fromEntries([...entry.top.map((alternative): [string, number] => [alternative.text, alternative.logprob]), [entry.text, entry.logprob]]))
    result.text_offset.push(position)
    position += entry.text.length
  }
  return result
}

/** Characters the tokens of `logprobs` spell, for the next chunk's offsets. */
export function spelledLength (logprobs: LegacyLogprobs): number {
  return logprobs.tokens.reduce((sum, token) => sum + token.length, 0)
}

import type { ControlledEvaluateIndexOutput, ControlledEvaluateInputItem, LlamaModel, Token } from 'node-llama-cpp'
import type { TokenLogprob } from './types.ts'

/** Most alternatives a completion may ask to see per token (OpenAI's limit for `/v1/completions`). */
export const MAX_COMPLETION_LOGPROBS = 5

type NextTokenRequest = NonNullable<Extract<ControlledEvaluateInputItem, unknown[]>[1]['generateNext']>

/**
 * What else to ask llama.cpp for at a sampled position so that the chosen
 * token's log-probability and the `top` likeliest tokens can be read, without
 * changing which token is chosen. At temperature 0 that is the top logits
 * (and the chosen one's) with the sum of all weights: the model's own
 * distribution. Above 0 the verifier already asks for the distribution it
 * draws from (after temperature and top-p), which says it all.
 */
export function logprobOutputs (temperature: number, top: number): Partial<NextTokenRequest> {
  if (temperature > 0) {
    return {}
  }
  return { logits: { filter: { tokens: [], includeTop: top, includeMax: true, includeSelected: true } }, totalLogitWeight: true }
}

/**
 * The chosen `token`'s log-probability at one position, and the `top`
 * likeliest tokens' (most likely first), from what {@link logprobOutputs}
 * asked for. Token texts keep special tokens spelled out, so an
 * end-of-generation alternative shows as what it is.
 *
 * @throws when llama.cpp returned neither logits nor probabilities
 */
export function readLogprob (next: ControlledEvaluateIndexOutput['next'] | undefined, token: Token, top: number, model: LlamaModel): TokenLogprob {
  const text = (id: Token): string => model.detokenize([id], true)
  if (next?.logits != null && next.totalLogitWeight != null) {
    const { logits, totalLogitWeight } = next
    const max = Math.max(...logits.values())
    // logits are sorted from the highest; the log of the softmax without materialising it.
    const logprob = (id: Token): number => (logits.get(id) ?? Number.NEGATIVE_INFINITY) - max - Math.log(totalLogitWeight)
    return { text: text(token), logprob: logprob(token), top: [...logits.keys()].slice(0, top).map((id) => ({ text: text(id), logprob: logprob(id) })) }
  }
  if (next?.probabilities != null) {
    const { probabilities } = next
    const likeliest = [...probabilities.entries()].filter(([, probability]) => probability > 0).slice(0, top)
    return { text: text(token), logprob: Math.log(probabilities.get(token) ?? 0), top: likeliest.map(([id, probability]) => ({ text: text(id), logprob: Math.log(probability) })) }
  }
  throw new Error('llama.cpp returned no logits or probabilities to read log-probabilities from')
}

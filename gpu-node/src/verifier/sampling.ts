/**
 * The verifier's own draw at temperature > 0. llama.cpp returns the
 * distribution after temperature and top-p; the token is drawn here from a
 * uniform number that depends only on (seed, position). So a position's
 * token is the same whether it is evaluated alone or in a pass with drafts
 * before it, and a seed reproduces an answer with or without drafters.
 */

/** A well-spread u32 from (seed, index) (SplitMix32-style finaliser). */
export function mixSeed (seed: number, index: number): number {
  let value = (Math.floor(Math.abs(seed)) % 0x100000000) ^ Math.imul(index + 1, 0x9e3779b9)
  value = Math.imul(value ^ (value >>> 16), 0x85ebca6b)
  value = Math.imul(value ^ (value >>> 13), 0xc2b2ae35)
  return (value ^ (value >>> 16)) >>> 0
}

/** A uniform number in [0, 1) for the token at `index` of an answer with `seed`. */
export function positionUniform (seed: number, index: number): number {
  return mixSeed(seed, index) / 0x100000000
}

/**
 * Inverse-CDF draw from `probabilities` (token → probability, need not sum
 * exactly to 1), walking tokens in ascending id order so the result does not
 * depend on the map's order.
 *
 * @throws {RangeError} when no token has a positive probability
 */
export function drawToken (probabilities: ReadonlyMap<number, number>, uniform: number): number {
  const tokens = [...probabilities.entries()].filter(([, probability]) => probability > 0).sort(([a], [b]) => a - b)
  const total = tokens.reduce((sum, [, probability]) => sum + probability, 0)
  if (tokens.length === 0 || !(total > 0)) {
    throw new RangeError('no token has a positive probability')
  }
  let remaining = uniform * total
  for (const [token, probability] of tokens) {
    remaining -= probability
    if (remaining < 0) {
      return token
    }
  }
  // Rounding can leave a sliver past the last token.
  return tokens[tokens.length - 1]?.[0] ?? 0
}

/** How many drafts a pass accepts: the longest prefix equal to the verifier's own tokens at those positions. */
export function acceptedDrafts (drafts: readonly number[], own: readonly number[]): number {
  let accepted = 0
  while (accepted < drafts.length && drafts[accepted] === own[accepted]) {
    accepted++
  }
  return accepted
}

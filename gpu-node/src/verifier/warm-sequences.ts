import { MAX_ANNOUNCED_WARM_PREFIXES, warmPrefixHash } from '#protocol'
import type { ChatRequestMessage } from './types.ts'

/**
 * The conversations the verifier's sequences hold warm. After an answer a
 * sequence keeps its KV cache (the prompt and the answer), labelled with the
 * asker's warm key; the conversation's next turn, sent with the same key,
 * takes that sequence (`choose`) and evaluates only what the cache does not
 * already hold (`reuseCachedPrefix`). Announced as short hashes (see
 * protocol/warm-prefix.ts), so a page can send the turn here.
 *
 * Only a request with the same key reuses a cache: another asker could
 * otherwise time its first token to learn what someone else's conversation
 * began with.
 *
 * Fires `change` when the announced hashes change, so they can be
 * announced at once.
 */
export class WarmSequences<Sequence extends CachedSequence> extends EventTarget {
  readonly #held = new Map<Sequence, { warmKey: string, hash: string, at: number }>()
  #clock = 0
  /** Prompt tokens not evaluated again because a warm cache held them. */
  reusedTokens = 0

  /** The announced hashes, most recently answered first. */
  get hashes (): string[] {
    return [...this.#held.values()].sort((a, b) => b.at - a.at).slice(0, MAX_ANNOUNCED_WARM_PREFIXES).map((held) => held.hash)
  }

  /**
   * The free sequence a request should take: the one holding its
   * conversation (same key, the longest shared start); otherwise one that
   * holds nothing warm, else the one answered longest ago.
   */
  choose (free: readonly Sequence[], warmKey: string | undefined, tokens: readonly number[]): Sequence | undefined {
    if (warmKey !== undefined) {
      let best: Sequence | undefined
      let bestLength = 0
      for (const sequence of free) {
        const length = this.#held.get(sequence)?.warmKey === warmKey ? commonPrefixLength(sequence.contextTokens, tokens) : 0
        if (length > bestLength) {
          best = sequence
          bestLength = length
        }
      }
      if (best !== undefined) {
        return best
      }
    }
    return free.find((sequence) => !this.#held.has(sequence)) ??
      [...free].sort((a, b) => (this.#held.get(a)?.at ?? 0) - (this.#held.get(b)?.at ?? 0))[0]
  }

  /**
   * Readies `sequence` for a prompt: keeps the start of its cache that the
   * prompt shares (when the request's key is the cache's), erases the rest,
   * and returns the tokens still to evaluate (always at least one: the next
   * token's logits come from evaluating the last).
   */
  async reuseCachedPrefix<Token extends number> (sequence: Sequence, warmKey: string | undefined, tokens: readonly Token[]): Promise<Token[]> {
    const held = this.#held.get(sequence)
    this.#forget(sequence)
    const shared = held !== undefined && held.warmKey === warmKey ? commonPrefixLength(sequence.contextTokens, tokens) : 0
    const keep = Math.min(shared, tokens.length - 1)
    if (sequence.nextTokenIndex > keep) {
      await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }])
    }
    this.reusedTokens += keep
    return tokens.slice(keep)
  }

  /** `sequence` answered: its cache holds `conversation` (the messages and the answer), warm under `warmKey`. */
  async hold (sequence: Sequence, warmKey: string, conversation: readonly ChatRequestMessage[]): Promise<void> {
    const hash = await warmPrefixHash(warmKey, conversation)
    this.#held.set(sequence, { warmKey, hash, at: ++this.#clock })
    this.dispatchEvent(new Event('change'))
  }

  /** `sequence`'s cache is gone or no longer what it was (cleared, or taken by another answer). */
  #forget (sequence: Sequence): void {
    if (this.#held.delete(sequence)) {
      this.dispatchEvent(new Event('change'))
    }
  }

  /** The cache was cleared (after a failure): nothing is warm there. */
  cleared (sequence: Sequence): void {
    this.#forget(sequence)
  }
}

/**
 * The conversation a sequence holds once it has answered: the messages, the
 * last an assistant turn with the whole answer (a prefill or a continued
 * answer's text first, then what this verifier wrote).
 */
export function answeredConversation (messages: readonly ChatRequestMessage[], before: string, written: string): ChatRequestMessage[] {
  const last = messages.at(-1)
  if (last?.role === 'assistant') {
    return [...messages.slice(0, -1), { role: 'assistant', content: last.content + before + written }]
  }
  return [...messages, { role: 'assistant', content: before + written }]
}

/** What of a llama.cpp context sequence the warm cache needs. */
export interface CachedSequence {
  readonly contextTokens: readonly number[]
  readonly nextTokenIndex: number
  eraseContextTokenRanges: (ranges: Array<{ start: number, end: number }>) => Promise<void>
}

/** How many tokens `a` and `b` share from the start. */
export function commonPrefixLength (a: readonly number[], b: readonly number[]): number {
  const length = Math.min(a.length, b.length)
  let index = 0
  while (index < length && a[index] === b[index]) index++
  return index
}

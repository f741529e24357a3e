/**
 * A {@link DraftEngine} over an engine that can only go forward: feed it
 * tokens, it extends its KV cache and samples the next token, and the only
 * way back is to forget everything. That is WebLLM's low-level API
 * (`forwardTokensAndSample(inputIds, isPrefill)` and `resetChat()` on
 * `MLCEngine`), which has no KV-cache truncation.
 *
 * The adapter keeps the token list the core holds and the logical context
 * the drafter asked for. `rewind` only shortens the logical context; the
 * next call that needs the model makes the core hold exactly that context:
 * when what the core holds is a prefix of it, only the missing tokens are
 * fed; otherwise the core is reset and the whole context prefilled in one
 * call (a re-prefill). Generated tokens are fed lazily too, on the next
 * call, so a rejected last draft (the common case: the drafter sends each
 * draft as it is made) costs no re-prefill at all.
 *
 * @example
 * ```ts
 * const engine = new ReprefillDraftEngine({ core, isEndOfGeneration: (token) => token === eos })
 * await engine.evaluate(prompt)
 * const drafts = await engine.generateGreedy(4)
 * await engine.rewind(prompt.length) // nothing runs yet
 * await engine.evaluate([correction]) // resets and re-prefills only if the core held more than the kept prefix
 * engine.stats.reprefills
 * ```
 */
import { InferenceEngineError } from '../inference/engine.ts'
import type { TokenWithProbability } from '../inference/engine.ts'
import type { DraftEngine } from './drafter.ts'

/** The forward-only engine underneath (WebLLM's shape, with the sampled token's probability added). */
export interface ForwardOnlyCore {
  /**
   * Appends `tokens` (never empty) to the KV cache and returns the greedy
   * next token with its probability. `isPrefill` only labels the call.
   */
  forwardTokensAndSample: (tokens: readonly number[], isPrefill: boolean) => Promise<TokenWithProbability>
  /** Empties the KV cache. */
  resetChat: () => Promise<void>
}

export interface ReprefillDraftEngineInit {
  core: ForwardOnlyCore
  /** Tokens after which generation stops (the model's end-of-generation ids). */
  isEndOfGeneration: (token: number) => boolean
}

export interface ReprefillStats {
  /** Calls to the core's `forwardTokensAndSample`. */
  forwards: number
  /** Resets followed by a prefill of the whole context: the price of a rewind (or of a switch to another job's context). */
  reprefills: number
  /** Tokens those prefills fed. */
  reprefilledTokens: number
}

export class ReprefillDraftEngine implements DraftEngine {
  readonly #core: ForwardOnlyCore
  readonly #isEndOfGeneration: (token: number) => boolean
  /** The context the drafter sees. */
  #context: number[] = []
  /** What the core's KV cache holds; undefined when unknown (a core call failed), which forces a reset. */
  #held: number[] | undefined = []
  /** The core's sample after `#held` (every forward ends with one); undefined while it holds nothing. */
  #next: TokenWithProbability | undefined
  readonly #stats: ReprefillStats = { forwards: 0, reprefills: 0, reprefilledTokens: 0 }

  constructor (init: ReprefillDraftEngineInit) {
    this.#core = init.core
    this.#isEndOfGeneration = init.isEndOfGeneration
  }

  get stats (): ReprefillStats {
    return { ...this.#stats }
  }

  /** Tokens in the logical context. */
  get length (): number {
    return this.#context.length
  }

  async evaluate (tokens: readonly number[], options: { signal?: AbortSignal } = {}): Promise<number> {
    options.signal?.throwIfAborted()
    this.#context.push(...tokens)
    await this.#sync()
    return this.#context.length
  }

  async generateGreedy (count: number, options: { signal?: AbortSignal } = {}): Promise<TokenWithProbability[]> {
    const drafted: TokenWithProbability[] = []
    for (let index = 0; index < count; index++) {
      options.signal?.throwIfAborted()
      await this.#sync()
      const next = this.#next
      if (next === undefined) {
        throw new InferenceEngineError('InferenceError', 'the context is empty: evaluate at least one token before generating')
      }
      drafted.push(next)
      // Not fed yet: if the verifier rejects it, nothing has to be undone.
      this.#context.push(next.token)
      if (this.#isEndOfGeneration(next.token)) {
        break
      }
    }
    return drafted
  }

  async rewind (position: number): Promise<number> {
    this.#context.length = Math.max(0, Math.min(position, this.#context.length))
    return this.#context.length
  }

  /** Makes the core hold exactly the logical context, feeding only what it lacks. */
  async #sync (): Promise<void> {
    const context = this.#context
    let held = this.#held
    if (held !== undefined && held.length === context.length && startsWith(context, held)) {
      return
    }
    if (held === undefined || !startsWith(context, held)) {
      this.#held = undefined
      await this.#core.resetChat()
      this.#next = undefined
      held = []
      this.#held = held
      if (context.length > 0) {
        this.#stats.reprefills++
        this.#stats.reprefilledTokens += context.length
      }
    }
    if (context.length === held.length) {
      return
    }
    const missing = context.slice(held.length)
    this.#held = undefined // until the core has answered
    this.#stats.forwards++
    this.#next = await this.#core.forwardTokensAndSample(missing, held.length === 0 || missing.length > 1)
    this.#held = [...context]
  }
}

function startsWith (tokens: readonly number[], prefix: readonly number[]): boolean {
  return prefix.length <= tokens.length && prefix.every((token, index) => tokens[index] === token)
}

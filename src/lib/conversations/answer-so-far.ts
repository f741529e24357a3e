import type { ChatContinuation } from '#protocol'

/**
 * What a page holds of an answer while it streams, so another verifier can
 * continue it when the one writing it goes away (see
 * protocol/chat-continuation.ts). Each delta brings its text and the tokens
 * generated since the last one; the text whose tokens have all arrived is
 * *confirmed*, and that (text and tokens) is what the next verifier is asked
 * to go on from.
 *
 * Text shown without its tokens (the first pieces of a delta too long for
 * one event, or everything from a verifier that sends no tokens) the next
 * verifier writes again, after the confirmed text; {@link AnswerSoFar.push}
 * then gives back only what is new, so nothing shown is repeated. Should a
 * verifier write something else where text was already shown (a sample
 * drawn afresh), the answer cannot go on as it was shown: `push` throws.
 *
 * @example
 * ```ts
 * const soFar = new AnswerSoFar()
 * show(soFar.push(delta))                             // each delta of the first verifier
 * const continuation = soFar.restart(fingerprint)     // it went away: the next one goes on from here
 * show(soFar.push(deltaOfTheNext))                    // only text not shown yet
 * ```
 */
export class AnswerSoFar {
  /** Everything shown. */
  #shown = ''
  /** The confirmed text the current verifier went on from. */
  #base = ''
  /** What the current verifier has written since. */
  #written = ''
  #confirmed = ''
  #tokens: number[] = []

  /** All text shown so far. */
  get text (): string {
    return this.#shown
  }

  /**
   * Takes one delta of the verifier writing the answer now.
   *
   * @returns the part of its text not shown yet
   * @throws {AnswerDivergedError} when it differs from text already shown
   */
  push (delta: { text: string, tokens?: number[] }): string {
    const from = this.#base.length + this.#written.length
    this.#written += delta.text
    const full = this.#base + this.#written
    if (delta.tokens !== undefined && delta.tokens.length > 0) {
      this.#tokens.push(...delta.tokens)
      this.#confirmed = full
    }
    // Only the part of this delta that lies under text already shown needs comparing.
    const overlapEnd = Math.min(full.length, this.#shown.length)
    if (from < overlapEnd && full.slice(from, overlapEnd) !== this.#shown.slice(from, overlapEnd)) {
      throw new AnswerDivergedError('the verifier that took the answer over wrote other text than was already shown')
    }
    if (full.length <= this.#shown.length) {
      return ''
    }
    const fresh = full.slice(this.#shown.length)
    this.#shown = full
    return fresh
  }

  /**
   * Where the next verifier goes on from: the confirmed text and its tokens,
   * in the tokenizer they came from; undefined when there are none yet (it
   * then starts the answer afresh). Its deltas go to `push` from now on.
   */
  restart (tokenizerFingerprint: string): ChatContinuation | undefined {
    this.#base = this.#confirmed
    this.#written = ''
    return this.#tokens.length === 0 ? undefined : { text: this.#confirmed, tokens: [...this.#tokens], tokenizerFingerprint }
  }
}

/** The verifier continuing an answer wrote something other than what was already shown. */
export class AnswerDivergedError extends Error {
  static readonly name = 'AnswerDivergedError'
  override readonly name = 'AnswerDivergedError'
}

/**
 * The answer so far, for a verifier to continue when the one writing it went
 * away: the text the client has shown and the tokens it came from (each
 * delta carries its tokens). The verifier evaluates the prompt, then these
 * tokens after the assistant header, and generates from there, so at
 * temperature 0 the whole answer is the one a single verifier writes.
 * Tokens, not text: the same text can tokenise differently from how it was
 * generated, and the model would then go on from another place.
 */
export interface ChatContinuation {
  /** What the client has shown of the answer; the verifier checks it is the text of `tokens`. */
  text: string
  /** The answer's tokens so far, in the tokenizer named by `tokenizerFingerprint`. */
  tokens: number[]
  /** The tokenizer `tokens` belong to (a verifier announces its own); a verifier with another refuses. */
  tokenizerFingerprint: string
}

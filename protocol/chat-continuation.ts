import { MalformedMessageError } from './errors.ts'
import { MAX_CHAT_CONTINUATION_FINGERPRINT_LENGTH, MAX_CHAT_CONTINUATION_TOKENS } from './limits.ts'

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

const UINT32_MAX = 0xffff_ffff

/**
 * Checks a continuation's fields.
 *
 * @throws {MalformedMessageError} naming the first bad field
 */
export function assertValidContinuation (continuation: ChatContinuation): void {
  if (typeof continuation.text !== 'string') {
    throw new MalformedMessageError('continuation.text must be a string')
  }
  if (!Array.isArray(continuation.tokens) || continuation.tokens.length > MAX_CHAT_CONTINUATION_TOKENS) {
    throw new MalformedMessageError(`continuation.tokens holds at most ${MAX_CHAT_CONTINUATION_TOKENS} tokens`)
  }
  if (continuation.tokens.some((token) => !Number.isInteger(token) || token < 0 || token > UINT32_MAX)) {
    throw new MalformedMessageError('continuation.tokens must be token ids (integers from 0 to 2^32 - 1)')
  }
  if (continuation.tokens.length === 0 && continuation.text !== '') {
    throw new MalformedMessageError('continuation.text needs the tokens it came from')
  }
  if (typeof continuation.tokenizerFingerprint !== 'string' || continuation.tokenizerFingerprint === '' ||
    continuation.tokenizerFingerprint.length > MAX_CHAT_CONTINUATION_FINGERPRINT_LENGTH) {
    throw new MalformedMessageError(`continuation.tokenizerFingerprint must be 1-${MAX_CHAT_CONTINUATION_FINGERPRINT_LENGTH} characters`)
  }
}

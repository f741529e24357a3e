/**
 * Errors of a chat, as the chat page sees them. Match them by `err.name`:
 * names survive postMessage and comlink, classes do not. Besides these, a
 * chat cancelled through its `signal` rejects with the signal's reason (an
 * `AbortError` unless the caller gave another).
 */
import type { ChatErrorCode } from '#protocol'

export type { ChatErrorCode }

export interface ChatErrorOptions {
  /** For `BUSY`: seconds to wait before asking this verifier again. */
  retryAfterSeconds?: number
  cause?: unknown
}

/**
 * The verifier refused or ended the chat and said why (`code`), or the
 * request was refused before it was sent (`MALFORMED_MESSAGE`, `TOO_LARGE`).
 * Worth retrying elsewhere: `BUSY` (another verifier, or this one after
 * `retryAfterSeconds`), `INTERNAL`, `CANCELLED`.
 */
export class ChatError extends Error {
  static readonly name = 'ChatError'
  override readonly name = 'ChatError'
  readonly code: ChatErrorCode
  readonly retryAfterSeconds: number | undefined

  constructor (code: ChatErrorCode, message: string, options: ChatErrorOptions = {}) {
    super(message, { cause: options.cause })
    this.code = code
    this.retryAfterSeconds = options.retryAfterSeconds
  }
}

/**
 * No chat stream could be opened to the verifier (no connection, it does not
 * speak the chat protocol, the dial timed out). Nothing was sent: pick
 * another verifier and send the same request.
 */
export class VerifierUnreachableError extends Error {
  static readonly name = 'VerifierUnreachableError'
  override readonly name = 'VerifierUnreachableError'
}

/**
 * The verifier went away mid-chat: the stream closed or broke before `done`,
 * the verifier fell silent, or it sent something malformed. Whatever deltas
 * arrived before are real but the answer is incomplete.
 */
export class VerifierGoneError extends Error {
  static readonly name = 'VerifierGoneError'
  override readonly name = 'VerifierGoneError'
}

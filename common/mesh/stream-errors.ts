/**
 * What a failed read or write on a libp2p stream means, told by the error's
 * `name` (names survive bundling and crossing to a worker; classes do not).
 * One list for every stream reader, so that a new error name is learnt once.
 *
 * @example
 * ```ts
 * try {
 *   frame = await messages.read({ signal: AbortSignal.timeout(READ_TIMEOUT_MS) })
 * } catch (err) {
 *   if (isOversizedFrame(err)) return reply('TOO_LARGE')
 *   if (isDeadlineOrAbort(err)) return reply('TIMEOUT')
 *   throw err
 * }
 * ```
 */

/** A length-prefixed frame over its limit: `@libp2p/utils`' lpStream read, or the protocol's own encode check. */
const OVERSIZED_FRAME_ERRORS: ReadonlySet<string> = new Set(['InvalidDataLengthError', 'InvalidDataLengthLengthError', 'MessageTooLargeError'])

/** A deadline (`AbortSignal.timeout`) passed, or a signal aborted the call. */
const DEADLINE_OR_ABORT_ERRORS: ReadonlySet<string> = new Set(['TimeoutError', 'AbortError'])

function nameOf (err: unknown): string {
  return err instanceof Error ? err.name : ''
}

/** The peer sent, or we were about to send, a frame over its size limit. */
export function isOversizedFrame (err: unknown): boolean {
  return OVERSIZED_FRAME_ERRORS.has(nameOf(err))
}

/** The call gave up on its deadline or was aborted: the peer did not break anything, it was slow or we stopped. */
export function isDeadlineOrAbort (err: unknown): boolean {
  return DEADLINE_OR_ABORT_ERRORS.has(nameOf(err))
}

/**
 * The stream can no longer be written: a deadline or abort, or one of
 * libp2p's stream errors (`StreamStateError`, `StreamResetError`,
 * `StreamAbortedError`, ...), whose names all start with `Stream`.
 */
export function isStreamFailure (err: unknown): boolean {
  return isDeadlineOrAbort(err) || nameOf(err).startsWith('Stream')
}

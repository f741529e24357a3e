/**
 * Errors of the wire protocol. Match them by `err.name`: names survive
 * postMessage and comlink, classes do not.
 */

/** Bytes from the network that do not decode, or decode to something invalid. */
export class MalformedMessageError extends Error {
  static readonly name = 'MalformedMessageError'
  override readonly name = 'MalformedMessageError'
}

/** A message that is valid but too old (or dated in the future) to act on. */
export class StaleMessageError extends Error {
  static readonly name = 'StaleMessageError'
  override readonly name = 'StaleMessageError'
}

/** A message over its size limit (see limits.ts); it is refused unread. */
export class MessageTooLargeError extends Error {
  static readonly name = 'MessageTooLargeError'
  override readonly name = 'MessageTooLargeError'
}

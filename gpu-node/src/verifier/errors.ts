/** Errors a verifier reports to clients. Match them by `name`. */

/** The queue is full; try again later. */
export class BusyError extends Error {
  override readonly name = 'BusyError'
  constructor (readonly retryAfterSeconds: number) {
    super(`the verifier is busy; retry after ${retryAfterSeconds} s`)
  }
}

/** The client has too many requests in flight, or asked for too many tokens. */
export class LimitError extends Error {
  override readonly name = 'LimitError'
}

/** The request cannot be served as given (empty messages, prompt over the context, bad parameters). */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError'
}

/** A model file that llama.cpp must not be given: missing, unreadable or malformed. */
export class ModelFileError extends Error {
  override readonly name = 'ModelFileError'
}

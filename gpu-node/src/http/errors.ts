import type { OutgoingHttpHeaders } from 'node:http'

/**
 * OpenAI's error `type`s the API uses. Ollama's errors are a bare message;
 * both families are written from the same `ApiError`.
 */
export type ApiErrorType = 'invalid_request_error' | 'authentication_error' | 'not_found_error' | 'rate_limit_error' | 'server_error'

export interface ApiErrorInit {
  type: ApiErrorType
  /** Machine-readable reason, e.g. `model_not_found`. */
  code?: string
  /** The request field at fault, e.g. `temperature` or `messages.0.content`. */
  param?: string
  headers?: OutgoingHttpHeaders
}

/**
 * A request that ends in an HTTP error: handlers throw it, the router writes
 * it in the caller's API family's format (OpenAI or Ollama).
 */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly type: ApiErrorType
  readonly code: string | null
  readonly param: string | null
  readonly headers: OutgoingHttpHeaders

  constructor (readonly status: number, message: string, init: ApiErrorInit) {
    super(message)
    this.type = init.type
    this.code = init.code ?? null
    this.param = init.param ?? null
    this.headers = init.headers ?? {}
  }
}

/** The HTTP client went away before its answer was complete; nothing is left to tell it. */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError'
  constructor () {
    super('the client closed the connection')
  }
}

/** True for a {@link ClientGoneError}, matched by name. */
export function isClientGone (err: unknown): boolean {
  return err instanceof Error && err.name === 'ClientGoneError'
}

/** A completion the server cancelled while its client was still there: it is shutting down. */
export function cancelledByServer (): ApiError {
  return new ApiError(503, 'the completion was cancelled by the server (it is shutting down); retry', { type: 'server_error', code: 'cancelled' })
}

/** 400: the request is malformed or asks for something unsupported. */
export function invalidRequest (message: string, options: { param?: string, code?: string } = {}): ApiError {
  return new ApiError(400, message, { type: 'invalid_request_error', ...options })
}

/**
 * What a verifier error (matched by `name`, see `verifier/errors.ts`) means to
 * an HTTP client. Anything else is a bug or an internal failure: 500, with
 * `undefined` returned so the caller logs it.
 *
 * - `BusyError` → 503 `server_error`/`server_busy` with `Retry-After`: the
 *   whole server is saturated, not this client (429 is kept for that), and
 *   OpenAI's clients and most proxies retry a 503 honouring `Retry-After`.
 * - `LimitError` → 429 `rate_limit_error`/`rate_limit_exceeded` with
 *   `Retry-After` (1 s unless the error says): this client has too many
 *   requests in flight and may retry once one ends. (Asking for too many
 *   tokens, the other `LimitError`, is caught before the verifier as a 400.)
 * - `InvalidRequestError` → 400 `invalid_request_error`.
 */
export function verifierErrorToApiError (err: unknown): ApiError | undefined {
  if (!(err instanceof Error)) {
    return undefined
  }
  switch (err.name) {
    case 'BusyError':
      return new ApiError(503, err.message, { type: 'server_error', code: 'server_busy', headers: { 'Retry-After': retryAfter(err) } })
    case 'LimitError':
      return new ApiError(429, err.message, { type: 'rate_limit_error', code: 'rate_limit_exceeded', headers: { 'Retry-After': retryAfter(err) } })
    case 'InvalidRequestError':
      return invalidRequest(err.message)
    default:
      return undefined
  }
}

/** Whole seconds, at least 1, from the error's `retryAfterSeconds` when it has one. */
function retryAfter (err: Error): string {
  const seconds = 'retryAfterSeconds' in err && typeof err.retryAfterSeconds === 'number' && Number.isFinite(err.retryAfterSeconds)
    ? err.retryAfterSeconds
    : 1
  return String(Math.max(1, Math.ceil(seconds)))
}

import { sendJson } from '#server'
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'

/** Which API a path belongs to decides how its errors are written. */
export type ApiFamily = 'openai' | 'ollama'

export function apiFamily (path: string): ApiFamily {
  return path.startsWith('/api') ? 'ollama' : 'openai'
}

export interface GatewayError {
  status: number
  message: string
  /** OpenAI's error type, e.g. `rate_limit_error`. */
  type: string
  code: string
  headers?: OutgoingHttpHeaders
}

/**
 * Writes the gateway's own errors as the API family does, as gpu-node's
 * do: OpenAI's `{"error":{"message","type","param","code"}}`, Ollama's
 * `{"error":"..."}`, so a client parses the relay's errors like a verifier's.
 */
export function sendGatewayError (response: ServerResponse, family: ApiFamily, error: GatewayError): void {
  if (response.headersSent) {
    response.destroy()
    return
  }
  const body = family === 'ollama'
    ? { error: error.message }
    : { error: { message: error.message, type: error.type, param: null, code: error.code } }
  sendJson(response, error.status, body, error.headers)
}

import type { ApiError } from './errors.ts'

/** One server-sent event carrying `value` as JSON, as OpenAI streams its chunks. */
export function data (value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`
}

/** An error after the stream began: OpenAI's clients raise it as an APIError. */
export function errorEvent (error: ApiError): string {
  return data({ error: { message: error.message, type: error.type, param: error.param, code: error.code } })
}

import { invalidRequest } from './errors.ts'
import type { ApiError } from './errors.ts'
import type { z } from 'zod'

/**
 * Parses a request body with `schema`.
 *
 * @throws {ApiError} 400 naming the first offending field, e.g.
 * `Invalid 'temperature': Too big: expected number to be <=2`
 */
export function parseRequest<Schema extends z.ZodType> (schema: Schema, body: unknown): z.output<Schema> {
  const parsed = schema.safeParse(body)
  if (parsed.success) {
    return parsed.data
  }
  throw issueToApiError(parsed.error.issues[0])
}

function issueToApiError (issue: z.core.$ZodIssue | undefined): ApiError {
  if (issue == null) {
    return invalidRequest('invalid request')
  }
  const param = formatPath(issue.path)
  if (param === '') {
    return invalidRequest(`Invalid request body: ${issue.message}`)
  }
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
    return invalidRequest(`Missing required parameter: '${param}'.`, { param, code: 'missing_required_parameter' })
  }
  return invalidRequest(`Invalid '${param}': ${issue.message}`, { param, code: issue.code === 'invalid_type' ? 'invalid_type' : 'invalid_value' })
}

/** `['messages', 0, 'content']` → `messages[0].content`, as OpenAI names parameters. */
function formatPath (path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') {
      return `${text}[${key}]`
    }
    return text === '' ? String(key) : `${text}.${String(key)}`
  }, '')
}

import { isRecord } from './continuable-request.ts'
import type { ContinuableRequest } from './continuable-request.ts'

/** What a continuation needs of the answer so far. */
export interface AnswerSoFar {
  text: string
  tokens: readonly number[]
  /** Text came without its tokens: it cannot be continued. */
  untokenized: boolean
}

/**
 * The body that asks the next verifier to go on from `answer`: the request as
 * the client sent it, with `shoal_continuation` and what is left of its token
 * limit (OpenAI's `max_tokens`, Ollama's `options.num_predict`). Undefined
 * when the answer already has every token it was allowed, or cannot be continued.
 */
export function continuationBody (request: ContinuableRequest, answer: AnswerSoFar, tokenizerFingerprint: string): Uint8Array | undefined {
  const left = request.maxTokens === undefined ? undefined : request.maxTokens - answer.tokens.length
  if (answer.untokenized || (left !== undefined && left <= 0)) {
    return undefined
  }
  const shoal_continuation = { text: answer.text, tokens: [...answer.tokens], tokenizerFingerprint }
  switch (request.dialect) {
    case 'chat':
    case 'completion': {
      const { max_tokens: _max, max_completion_tokens: _completion, ...rest } = request.body
      return json({ ...rest, ...(left === undefined ? {} : { max_tokens: left }), shoal_continuation })
    }
    case 'ollama-chat':
    case 'ollama-generate': {
      const options = isRecord(request.body.options) ? request.body.options : {}
      return json({ ...request.body, ...(left === undefined ? {} : { options: { ...options, num_predict: left } }), shoal_continuation })
    }
  }
}

function json (body: Record<string, unknown>): Uint8Array {
  return Buffer.from(JSON.stringify(body))
}

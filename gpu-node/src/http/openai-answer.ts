import { randomBytes } from 'node:crypto'
import { readToolCallAnswer } from '#protocol'
import { ForcedCallStream } from './forced-call-stream.ts'
import type { AnswerToolCall, FinishReason, TokenLogprob } from '../verifier/types.ts'

/**
 * What OpenAI's chat completions say besides text: a forced tool call read
 * from the answer (protocol/tool-call-answer.ts), and logprobs in OpenAI's
 * shape.
 */

export interface OpenAiToolCall {
  id: string
  type: 'function'
  function: { name: string, arguments: string }
}

export type OpenAiFinishReason = FinishReason | 'tool_calls'

/** A fresh call id, as OpenAI's look. */
export function toolCallId (): string {
  return `call_${randomBytes(12).toString('base64url')}`
}

/** The calls the model made on its own, in OpenAI's shape (ids given in order, so a stream can give the same). */
export function openAiToolCalls (calls: readonly AnswerToolCall[], ids: readonly string[] = []): OpenAiToolCall[] {
  return calls.map((call, index) => ({ id: ids[index] ?? toolCallId(), type: 'function', function: { name: call.name, arguments: call.arguments } }))
}

/**
 * The answer of a chat that had to call a tool: the call, with
 * `finish_reason: "tool_calls"`; or, when the answer was cut before the call
 * was whole (its token limit), the text as it is.
 */
export function toolCallOf (text: string, finishReason: FinishReason): { call: OpenAiToolCall, finishReason: 'tool_calls' } | undefined {
  const call = finishReason === 'stop' ? readToolCallAnswer(text) : undefined
  if (call === undefined) {
    return undefined
  }
  // The arguments as the model wrote them, as a stream of the call gives them.
  const written = new ForcedCallStream()
  written.push(text)
  return { call: { id: toolCallId(), type: 'function', function: { name: call.name, arguments: written.name === call.name ? written.arguments : call.arguments } }, finishReason: 'tool_calls' }
}

interface OpenAiTokenLogprob {
  token: string
  logprob: number
  bytes: number[]
}

/** OpenAI's `logprobs` of a choice (or a chunk): each token with its `top_logprobs`. */
export function openAiLogprobs (logprobs: readonly TokenLogprob[]): { content: Array<OpenAiTokenLogprob & { top_logprobs: OpenAiTokenLogprob[] }>, refusal: null } {
  const entry = (text: string, logprob: number): OpenAiTokenLogprob => ({ token: text, logprob, bytes: [...Buffer.from(text, 'utf8')] })
  return {
    content: logprobs.map((token) => ({ ...entry(token.text, token.logprob), top_logprobs: token.top.map((top) => entry(top.text, top.logprob)) })),
    refusal: null
  }
}

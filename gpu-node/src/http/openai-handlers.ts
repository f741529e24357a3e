import { randomBytes } from 'node:crypto'
import { errorMessage, sendJson } from '#server'
import { defaultMaxTokens } from './api-context.ts'
import { CompletionRun } from './completion-run.ts'
import { receiptField } from './receipt-field.ts'
import { data, errorEvent } from './server-sent-events.ts'
import { ApiError, cancelledByServer, isClientGone } from './errors.ts'
import { ChatCompletionRequest, toCompletionRequest } from './openai-schema.ts'
import { readJsonBody } from './read-json-body.ts'
import { StreamWriter } from './stream-writer.ts'
import { parseRequest } from './validation.ts'
import type { ApiContext } from './api-context.ts'
import { STREAM_TOKENS_HEADER, mustCallTool } from '#protocol'
import { openAiLogprobs, openAiToolCalls, toolCallId, toolCallOf } from './openai-answer.ts'
import { ForcedCallStream } from './forced-call-stream.ts'
import type { ToolCallPart } from '../verifier/tool-call-syntax.ts'
import type { OpenAiFinishReason } from './openai-answer.ts'
import type { TokenLogprob, Usage } from '../verifier/types.ts'
import type { IncomingMessage, ServerResponse } from 'node:http'

/** OpenAI's usage object. */
export interface OpenAiUsage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
}

/** `POST /v1/chat/completions`, streaming (SSE) or not. */
export async function handleChatCompletions (context: ApiContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = parseRequest(ChatCompletionRequest, await readJsonBody(request, { requireJsonContentType: true }))
  const { verifier } = context
  checkModel(context, body.model)
  const completion = toCompletionRequest(body, { defaultMaxTokens: defaultMaxTokens(context), maxTokens: context.maxTokensPerRequest, clientId: context.clientId })
  const run = await CompletionRun.start(verifier, completion, response, context.metrics)
  const answer: Answer = {
    id: `chatcmpl-${randomBytes(18).toString('base64url')}`,
    created: Math.floor(Date.now() / 1000),
    model: verifier.model.name,
    callsTool: mustCallTool(completion),
    logprobs: completion.topLogprobs !== undefined
  }
  if (body.stream === true) {
    await streamAnswer(context, run, response, answer, { includeUsage: body.stream_options?.include_usage === true, withTokens: request.headers[STREAM_TOKENS_HEADER] === '1' })
  } else {
    await sendAnswer(context, run, response, answer)
  }
}

/** `GET /v1/models`. */
export async function handleListModels (context: ApiContext, _request: IncomingMessage, response: ServerResponse): Promise<void> {
  sendJson(response, 200, { object: 'list', data: [modelObject(context)] })
}

/** `GET /v1/models/{id}`. */
export async function handleRetrieveModel (context: ApiContext, id: string, response: ServerResponse): Promise<void> {
  checkModel(context, id)
  sendJson(response, 200, modelObject(context))
}

function modelObject (context: ApiContext): { id: string, object: 'model', created: number, owned_by: string } {
  return { id: context.verifier.model.name, object: 'model', created: context.modelCreatedAt, owned_by: 'shoal' }
}

/** @throws {ApiError} 404 `model_not_found` unless `model` is the one served */
export function checkModel (context: ApiContext, model: string): void {
  const served = context.verifier.model.name
  if (model !== served) {
    throw new ApiError(404, `The model \`${model}\` does not exist; this server serves \`${served}\`.`, { type: 'invalid_request_error', code: 'model_not_found', param: 'model' })
  }
}

interface Answer {
  id: string
  created: number
  model: string
  /** The answer is a forced tool call (its text the call's JSON). */
  callsTool: boolean
  /** Logprobs were asked for. */
  logprobs: boolean
}

export function toOpenAiUsage (usage: Usage): OpenAiUsage {
  return { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.promptTokens + usage.completionTokens }
}

async function sendAnswer (context: ApiContext, run: CompletionRun, response: ServerResponse, answer: Answer): Promise<void> {
  const { text, callText, logprobs, done } = await run.collect()
  const toolCall = answer.callsTool ? toolCallOf(text, done.finishReason) : undefined
  // Calls the model made on its own come after any text it wrote first; calls cut short stay text.
  const content = done.toolCalls === undefined ? text + callText : text
  const message = toolCall !== undefined
    ? { role: 'assistant', content: null, refusal: null, tool_calls: [toolCall.call] }
    : done.toolCalls !== undefined
      ? { role: 'assistant', content: content === '' ? null : content, refusal: null, tool_calls: openAiToolCalls(done.toolCalls) }
      : { role: 'assistant', content, refusal: null }
  sendJson(response, 200, {
    id: answer.id,
    object: 'chat.completion',
    created: answer.created,
    model: answer.model,
    choices: [{ index: 0, message, logprobs: answer.logprobs ? openAiLogprobs(logprobs) : null, finish_reason: toolCall?.finishReason ?? (done.toolCalls === undefined ? done.finishReason : 'tool_calls') }],
    usage: toOpenAiUsage(done.usage),
    ...receiptField(done.receipt)
  })
}

/**
 * Server-sent events as OpenAI sends them: a first chunk with the role, one
 * per delta, one with `finish_reason`, then (with `include_usage`) one with
 * empty `choices` and the usage, and `data: [DONE]`. While queued, SSE
 * comments keep the connection (and proxies) from idling out. `withTokens`
 * (a relay's gateway asks) adds each delta's tokens as `shoal_tokens`, a delta
 * whose text is held back included, so the answer can be continued elsewhere.
 */
async function streamAnswer (context: ApiContext, run: CompletionRun, response: ServerResponse, answer: Answer, options: { includeUsage: boolean, withTokens: boolean }): Promise<void> {
  const { includeUsage, withTokens } = options
  response.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    // nginx would otherwise buffer the stream.
    'X-Accel-Buffering': 'no'
  })
  const writer = new StreamWriter(response)
  const chunk = (delta: { role?: 'assistant', content?: string, tool_calls?: Array<{ index: number, id?: string, type?: 'function', function: { name?: string, arguments?: string } }> }, finishReason: OpenAiFinishReason | null, extra: object = {}, logprobs: readonly TokenLogprob[] = []): string => data({
    id: answer.id,
    object: 'chat.completion.chunk',
    created: answer.created,
    model: answer.model,
    choices: [{ index: 0, delta, logprobs: answer.logprobs && logprobs.length > 0 ? openAiLogprobs(logprobs) : null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
    ...extra
  })
  try {
    if (!await writer.write(chunk({ role: 'assistant', content: '' }, null))) {
      return
    }
    // Calls go out as they are written: the name with the call's id, then its arguments in pieces (a
    // forced call read from its JSON, the model's own calls as the verifier read them).
    let callText = ''
    const forced = new ForcedCallStream()
    const callIds: string[] = []
    const writeCallParts = async (parts: readonly ToolCallPart[], logprobs: readonly TokenLogprob[] = []): Promise<boolean> => {
      let written = true
      for (const [index, part] of parts.entries()) {
        if (part.name !== undefined) {
          callIds[part.index] = toolCallId()
        }
        const call = part.name === undefined
          ? { index: part.index, function: { arguments: part.arguments } }
          : { index: part.index, id: callIds[part.index] ?? '', type: 'function' as const, function: { name: part.name, arguments: part.arguments } }
        written = written && await writer.write(chunk({ tool_calls: [call] }, null, {}, index === 0 ? logprobs : []))
      }
      return written
    }
    for await (const event of run) {
      let written = true
      if (event.type === 'queued') {
        written = await writer.write(`: queued at position ${event.position}, about ${Math.round(event.etaMs / 1000)} s\n\n`)
      } else if (event.type === 'delta') {
        if (event.toolCall === true) {
          written = await writeCallParts(event.toolCallParts ?? [], event.logprobs)
        } else if (answer.callsTool) {
          callText += event.text
          written = await writeCallParts(forced.push(event.text))
        } else if (withTokens) {
          written = await writer.write(chunk({ content: event.text }, null, { shoal_tokens: event.tokens ?? [] }, event.logprobs))
        } else if (event.text !== '' || (event.logprobs?.length ?? 0) > 0) {
          written = await writer.write(chunk({ content: event.text }, null, {}, event.logprobs))
        }
      } else {
        if (event.finishReason === 'cancelled') {
          if (!run.clientGone) {
            await writer.write(errorEvent(cancelledByServer()))
          }
          break
        }
        let finishReason: OpenAiFinishReason = event.finishReason
        if (answer.callsTool) {
          const toolCall = toolCallOf(callText, event.finishReason)
          if (callIds.length === 0) {
            // Cut before its name was whole: the text it got to.
            await writer.write(chunk({ content: callText }, null))
          } else if (toolCall !== undefined) {
            await writeCallParts(forced.finish())
          }
          finishReason = toolCall?.finishReason ?? finishReason
        } else if (event.toolCalls !== undefined) {
          finishReason = 'tool_calls'
        }
        // The receipt rides on the last chunk before [DONE].
        await writer.write(chunk({}, finishReason, includeUsage ? {} : receiptField(event.receipt)))
        if (includeUsage) {
          await writer.write(data({ id: answer.id, object: 'chat.completion.chunk', created: answer.created, model: answer.model, choices: [], usage: toOpenAiUsage(event.usage), ...receiptField(event.receipt) }))
        }
        await writer.write('data: [DONE]\n\n')
      }
      if (!written) {
        break
      }
    }
  } catch (err) {
    if (!isClientGone(err)) {
      context.log.warn(`chat completion stream failed: ${errorMessage(err)}`)
      await writer.write(errorEvent(new ApiError(500, 'the completion failed on the server', { type: 'server_error' })))
    }
  } finally {
    await run.close()
    writer.end()
  }
}

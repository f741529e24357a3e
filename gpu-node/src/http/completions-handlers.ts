import { randomBytes } from 'node:crypto'
import { STREAM_TOKENS_HEADER } from '#protocol'
import { errorMessage, sendJson } from '#server'
import { defaultMaxTokens } from './api-context.ts'
import { CompletionRun } from './completion-run.ts'
import { legacyLogprobs, spelledLength } from './completions-logprobs.ts'
import { CompletionsRequest, toPromptCompletionRequest } from './completions-schema.ts'
import { ApiError, cancelledByServer, isClientGone } from './errors.ts'
import { checkModel, toOpenAiUsage } from './openai-handlers.ts'
import { readJsonBody } from './read-json-body.ts'
import { receiptField } from './receipt-field.ts'
import { data, errorEvent } from './server-sent-events.ts'
import { StreamWriter } from './stream-writer.ts'
import { parseRequest } from './validation.ts'
import type { ApiContext } from './api-context.ts'
import type { LegacyLogprobs } from './completions-logprobs.ts'
import type { FinishReason, TokenLogprob } from '../verifier/types.ts'
import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * `POST /v1/completions`, OpenAI's legacy prompt completion, streaming (SSE)
 * or not. The prompt skips the chat template but runs through the same
 * verifier as chats: its queue, limits, drafting and receipts.
 */
export async function handleCompletions (context: ApiContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = parseRequest(CompletionsRequest, await readJsonBody(request, { requireJsonContentType: true }))
  checkModel(context, body.model)
  const completion = toPromptCompletionRequest(body, { defaultMaxTokens: defaultMaxTokens(context), maxTokens: context.maxTokensPerRequest, clientId: context.clientId })
  const run = await CompletionRun.start(context.verifier, completion, response, context.metrics)
  const answer: Answer = {
    id: `cmpl-${randomBytes(18).toString('base64url')}`,
    created: Math.floor(Date.now() / 1000),
    model: context.verifier.model.name
  }
  const withLogprobs = body.logprobs != null
  if (body.stream === true) {
    await streamAnswer(context, run, response, answer, {
      includeUsage: body.stream_options?.include_usage === true,
      withLogprobs,
      withTokens: request.headers[STREAM_TOKENS_HEADER] === '1',
      textOffset: completion.continuation?.text.length ?? 0
    })
  } else {
    await sendAnswer(run, response, answer, withLogprobs)
  }
}

interface Answer {
  id: string
  created: number
  model: string
}

async function sendAnswer (run: CompletionRun, response: ServerResponse, answer: Answer, withLogprobs: boolean): Promise<void> {
  const { text, logprobs, done } = await run.collect()
  sendJson(response, 200, {
    id: answer.id,
    object: 'text_completion',
    created: answer.created,
    model: answer.model,
    choices: [{ index: 0, text, logprobs: withLogprobs ? legacyLogprobs(logprobs) : null, finish_reason: done.finishReason }],
    usage: toOpenAiUsage(done.usage),
    ...receiptField(done.receipt)
  })
}

/**
 * Server-sent events as OpenAI streams a completion: one chunk per piece of
 * text, one with `finish_reason`, then (with `include_usage`) one with empty
 * `choices` and the usage, and `data: [DONE]`. The receipt rides on the last
 * chunk before `[DONE]`, as on chat completions. `withTokens` (a relay's
 * gateway asks) adds each piece's tokens as `shoal_tokens`, a piece whose
 * text is held back included, so the answer can be continued elsewhere; a
 * continued answer's logprobs' offsets start after its text so far (`textOffset`).
 */
async function streamAnswer (context: ApiContext, run: CompletionRun, response: ServerResponse, answer: Answer, options: { includeUsage: boolean, withLogprobs: boolean, withTokens: boolean, textOffset: number }): Promise<void> {
  const { includeUsage, withLogprobs, withTokens } = options
  response.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    // nginx would otherwise buffer the stream.
    'X-Accel-Buffering': 'no'
  })
  const writer = new StreamWriter(response)
  // Where the next chunk's tokens start in the whole answer.
  let offset = options.textOffset
  const chunkLogprobs = (entries: readonly TokenLogprob[]): LegacyLogprobs | null => {
    if (!withLogprobs) {
      return null
    }
    const logprobs = legacyLogprobs(entries, offset)
    offset += spelledLength(logprobs)
    return logprobs
  }
  const chunk = (text: string, finishReason: FinishReason | null, extra: object = {}, entries: readonly TokenLogprob[] = []): string => data({
    id: answer.id,
    object: 'text_completion',
    created: answer.created,
    model: answer.model,
    choices: [{ index: 0, text, logprobs: chunkLogprobs(entries), finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
    ...extra
  })
  try {
    for await (const event of run) {
      let written = true
      if (event.type === 'queued') {
        written = await writer.write(`: queued at position ${event.position}, about ${Math.round(event.etaMs / 1000)} s\n\n`)
      } else if (event.type === 'delta') {
        if (withTokens) {
          written = await writer.write(chunk(event.text, null, { shoal_tokens: event.tokens ?? [] }, event.logprobs))
        } else if (event.text !== '') {
          written = await writer.write(chunk(event.text, null, {}, event.logprobs))
        }
      } else {
        if (event.finishReason === 'cancelled') {
          if (!run.clientGone) {
            await writer.write(errorEvent(cancelledByServer()))
          }
          break
        }
        await writer.write(chunk('', event.finishReason, includeUsage ? {} : receiptField(event.receipt)))
        if (includeUsage) {
          await writer.write(data({ id: answer.id, object: 'text_completion', created: answer.created, model: answer.model, choices: [], usage: toOpenAiUsage(event.usage), ...receiptField(event.receipt) }))
        }
        await writer.write('data: [DONE]\n\n')
      }
      if (!written) {
        break
      }
    }
  } catch (err) {
    if (!isClientGone(err)) {
      context.log.warn(`completion stream failed: ${errorMessage(err)}`)
      await writer.write(errorEvent(new ApiError(500, 'the completion failed on the server', { type: 'server_error' })))
    }
  } finally {
    await run.close()
    writer.end()
  }
}

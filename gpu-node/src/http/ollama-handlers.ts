import { errorMessage, sendJson } from '#server'
import { defaultMaxTokens } from './api-context.ts'
import { CompletionRun } from './completion-run.ts'
import { receiptField } from './receipt-field.ts'
import { OLLAMA_COMPATIBLE_VERSION } from './constants.ts'
import { ApiError, cancelledByServer, isClientGone } from './errors.ts'
import { ollamaModelEntry } from './ollama-model-info.ts'
import { generateMessages, isRawGenerate, OllamaChatRequest, OllamaGenerateRequest, toCompletionRequest } from './ollama-schema.ts'
import { readJsonBody } from './read-json-body.ts'
import { StreamWriter } from './stream-writer.ts'
import { parseRequest } from './validation.ts'
import type { ApiContext } from './api-context.ts'
import { STREAM_TOKENS_HEADER } from '#protocol'
import type { ChatRequestMessage } from '#protocol'
import type { AnswerToolCall, CompletionRequest, PromptCompletionRequest, Timings, Usage } from '../verifier/types.ts'
import type { IncomingMessage, ServerResponse } from 'node:http'

/** Ollama's `/api/chat` and `/api/generate` differ only in how text (and a chat's tool calls) are wrapped. */
interface Shape {
  /** The fields carrying `text` in one response object, and the tool calls the model made on its own. */
  text: (text: string, toolCalls?: readonly AnswerToolCall[]) => Record<string, unknown>
}

const CHAT: Shape = {
  text: (text, toolCalls) => ({ message: { role: 'assistant', content: text, ...(toolCalls === undefined ? {} : { tool_calls: toolCalls.map((call) => ({ function: { name: call.name, arguments: JSON.parse(call.arguments) as unknown } })) }) } })
}
const GENERATE: Shape = { text: (text) => ({ response: text }) }

/** `POST /api/chat`: NDJSON lines by default, one object with `"stream": false`. */
export async function handleOllamaChat (context: ApiContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = parseRequest(OllamaChatRequest, await readJsonBody(request, { requireJsonContentType: false }))
  await answer(context, request, response, CHAT, {
    model: body.model,
    stream: body.stream ?? true,
    options: body.options,
    messages: body.messages ?? [],
    constraints: { ...(body.format === undefined ? {} : { responseFormat: body.format }), ...(body.tools == null || body.tools.length === 0 ? {} : { tools: body.tools }), ...continuationOf(body) }
  })
}

/** `POST /api/generate`: a prompt (and optional system prompt) through the model's chat template. */
export async function handleOllamaGenerate (context: ApiContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = parseRequest(OllamaGenerateRequest, await readJsonBody(request, { requireJsonContentType: false }))
  const empty = body.prompt == null || body.prompt === ''
  const messages = empty ? [] : generateMessages(body)
  // `raw` and `suffix` prompts are completed as they stand (`system` does not apply), as /v1/completions does.
  if (isRawGenerate(body) && body.format !== undefined) {
    throw new ApiError(400, '`format` cannot constrain a raw or fill-in-the-middle prompt; leave out `raw`, `suffix` or `format`', { type: 'invalid_request_error', param: 'format' })
  }
  const raw = isRawGenerate(body) ? { prompt: body.prompt ?? '', ...(body.suffix == null || body.suffix === '' ? {} : { suffix: body.suffix }) } : undefined
  await answer(context, request, response, GENERATE, { model: body.model, stream: body.stream ?? true, options: body.options, messages: raw === undefined || empty ? messages : [], ...(raw === undefined ? {} : { raw }), constraints: { ...(body.format === undefined ? {} : { responseFormat: body.format }), ...continuationOf(body) } })
}

/** The answer so far that a request goes on from, when another verifier began it. */
function continuationOf (body: Pick<OllamaChatRequest, 'shoal_continuation'>): Pick<CompletionRequest, 'continuation'> {
  return body.shoal_continuation == null ? {} : { continuation: body.shoal_continuation }
}

/** `GET /api/tags`: the served model, in Ollama's listing format. */
export async function handleOllamaTags (context: ApiContext, _request: IncomingMessage, response: ServerResponse): Promise<void> {
  sendJson(response, 200, { models: [ollamaModelEntry(context)] })
}

/** `GET /api/version`: Ollama clients ask before anything else. */
export async function handleOllamaVersion (_context: ApiContext, _request: IncomingMessage, response: ServerResponse): Promise<void> {
  sendJson(response, 200, { version: OLLAMA_COMPATIBLE_VERSION })
}

interface Question {
  model: string
  stream: boolean
  options: Parameters<typeof toCompletionRequest>[1]
  messages: ChatRequestMessage[]
  /** A prompt completed as it stands instead (`/api/generate` with `raw` or `suffix`). */
  raw?: Pick<PromptCompletionRequest, 'prompt' | 'suffix'>
  /** The answer's format, the tools the prompt documents, and the answer so far when it is continued. */
  constraints: Pick<CompletionRequest, 'responseFormat' | 'tools' | 'continuation'>
}

/** Ollama names models `name:tag` and fills in `latest`; both spellings reach the served model. */
function checkModel (context: ApiContext, model: string): void {
  const served = context.verifier.model.name
  if (model !== served && model !== `${served}:latest`) {
    throw new ApiError(404, `model "${model}" not found; this server serves "${served}"`, { type: 'not_found_error', code: 'model_not_found', param: 'model' })
  }
}

async function answer (context: ApiContext, request: IncomingMessage, response: ServerResponse, shape: Shape, question: Question): Promise<void> {
  checkModel(context, question.model)
  const model = context.verifier.model.name
  const line = (fields: Record<string, unknown>): Record<string, unknown> => ({ model, created_at: new Date().toISOString(), ...fields })
  if (question.messages.length === 0 && (question.raw === undefined || question.raw.prompt === '')) {
    // Ollama's way to preload a model: nothing to say, and it is loaded already.
    sendJson(response, 200, line({ ...shape.text(''), done: true, done_reason: 'load' }))
    return
  }
  const { messages, ...fields } = { ...toCompletionRequest(question.messages, question.options, { defaultMaxTokens: defaultMaxTokens(context), maxTokens: context.maxTokensPerRequest, clientId: context.clientId }), ...question.constraints }
  const completion: CompletionRequest | PromptCompletionRequest = question.raw === undefined ? { messages, ...fields } : { ...fields, ...question.raw }
  const run = await CompletionRun.start(context.verifier, completion, response, context.metrics)
  if (question.stream) {
    await streamAnswer(context, run, response, shape, line, request.headers[STREAM_TOKENS_HEADER] === '1')
    return
  }
  const { text, callText, done } = await run.collect()
  // Calls cut short stay text.
  sendJson(response, 200, line({ ...shape.text(done.toolCalls === undefined ? text + callText : text, done.toolCalls), done: true, done_reason: done.finishReason, ...statistics(done.usage, done.timings), ...receiptField(done.receipt) }))
}

/**
 * NDJSON lines as Ollama streams them: one per piece of text, then the
 * `done` line with the statistics. `withTokens` (a relay's gateway asks) adds
 * each piece's tokens as `shoal_tokens`, a piece whose text is held back
 * included, so the answer can be continued elsewhere.
 */
async function streamAnswer (context: ApiContext, run: CompletionRun, response: ServerResponse, shape: Shape, line: (fields: Record<string, unknown>) => Record<string, unknown>, withTokens: boolean): Promise<void> {
  response.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' })
  const writer = new StreamWriter(response)
  const write = async (fields: Record<string, unknown>): Promise<boolean> => writer.write(`${JSON.stringify(line(fields))}\n`)
  // The model's own tool calls go out whole (as Ollama sends them), in a line before the last.
  let callText = ''
  try {
    for await (const event of run) {
      if (event.type === 'delta' && event.toolCall === true) {
        callText += event.text
      } else if (event.type === 'delta') {
        const written = withTokens
          ? await write({ ...shape.text(event.text), done: false, shoal_tokens: event.tokens ?? [] })
          : event.text === '' || await write({ ...shape.text(event.text), done: false })
        if (!written) {
          break
        }
      } else if (event.type === 'done') {
        if (event.finishReason === 'cancelled') {
          if (!run.clientGone) {
            await writer.write(`${JSON.stringify({ error: cancelledByServer().message })}\n`)
          }
          break
        }
        if (callText !== '') {
          await write({ ...(event.toolCalls === undefined ? shape.text(callText) : shape.text('', event.toolCalls)), done: false })
        }
        await write({ ...shape.text(''), done: true, done_reason: event.finishReason, ...statistics(event.usage, event.timings), ...receiptField(event.receipt) })
      }
    }
  } catch (err) {
    if (!isClientGone(err)) {
      context.log.warn(`Ollama stream failed: ${errorMessage(err)}`)
      // Ollama reports errors after the stream began as a line of their own.
      await writer.write(`${JSON.stringify({ error: 'the completion failed on the server' })}\n`)
    }
  } finally {
    await run.close()
    writer.end()
  }
}

/**
 * Ollama's statistics, in nanoseconds. The model is loaded before requests
 * are taken (`load_duration` 0); queueing counts in the total only.
 */
function statistics (usage: Usage, timings: Timings): Record<string, number> {
  const nanoseconds = (ms: number): number => Math.max(0, Math.round(ms * 1e6))
  return {
    total_duration: nanoseconds(timings.totalMs),
    load_duration: 0,
    prompt_eval_count: usage.promptTokens,
    prompt_eval_duration: nanoseconds(timings.firstTokenMs),
    eval_count: usage.completionTokens,
    eval_duration: nanoseconds(timings.totalMs - timings.queuedMs - timings.firstTokenMs)
  }
}

import type { Uint8ArrayList } from 'uint8arraylist'
import { MalformedMessageError, MessageTooLargeError } from './errors.ts'
import { ChatRequestSchema, firstProblem } from './chat-request-schema.ts'
import {
  MAX_CHAT_CONTINUATION_TOKENS,
  MAX_CHAT_CONTROL_BYTES,
  MAX_CHAT_EVENT_BYTES,
  MAX_CHAT_LOGIT_BIAS_TOKENS,
  MAX_CHAT_MESSAGES,
  MAX_CHAT_REQUEST_BYTES,
  MAX_CHAT_STOP_SEQUENCES,
  MAX_CHAT_TOOL_CALLS,
  MAX_CHAT_TOOLS,
  MAX_PRESENTED_RECEIPTS
} from './limits.ts'
import { toWireReceipt } from './receipts.ts'
import type { SignedReceipt } from './receipts.ts'
import type { ChatPrivacy, ChatRequestMessage, ChatRequestRole, ResponseFormat, ToolChoice, ValidChatRequest } from './chat-request-schema.ts'
import {
  ChatControl,
  ChatErrorCode as WireChatErrorCode,
  ChatEvent,
  ChatPrivacy as WireChatPrivacy,
  ChatRequest,
  ChatRole as WireChatRole,
  FinishReason as WireFinishReason,
  PriorityTier as WirePriorityTier,
  ToolChoiceMode
} from './messages.ts'
import type { ChatMessage as WireChatMessage, ResponseFormat as WireResponseFormat, Tool as WireTool } from './messages.ts'

/*
 * The chat protocol's messages in the form the rest of Shoal uses: plain
 * strings for enums, a discriminated union for events. Everything read from
 * the network goes through a `decode*` function here, which bounds its size
 * and checks every field, so handlers never see a half-valid message.
 */

export type { ChatMessage, ChatPrivacy, ChatRole, ValidChatRequest } from './chat-request-schema.ts'

/** Where a request waits at a busy verifier: contributors (recent accepted drafts) before consumers. */
export type PriorityTier = 'contributor' | 'consumer'

export type ChatFinishReason = 'stop' | 'length' | 'cancelled'

/** Why a verifier refused or ended a chat; the wire enum's names. */
export type ChatErrorCode = Exclude<`${WireChatErrorCode}`, 'CHAT_ERROR_UNSPECIFIED'>

/** What a verifier streams for a chat, in order: `queued`*, `started`, `delta`*, `done`. */
export type ChatStreamEvent =
  | { type: 'queued', position: number, etaMs: number, tier: PriorityTier }
  | { type: 'started', model: string, tokenizerFingerprint: string, contextLength: number, demo: boolean, agent: string }
  /** `tokens`: those generated since the previous delta (absent from verifiers that do not send them). */
  | { type: 'delta', text: string, tokens?: number[] }
  | {
    type: 'done'
    finishReason: ChatFinishReason
    usage: { promptTokens: number, completionTokens: number }
    timings: { queuedMs: number, firstTokenMs: number, totalMs: number }
    /** The verifier's signed `served` receipt for the answer (checked by the reader, see receipts.ts). */
    receipt?: SignedReceipt
  }

/** Ends a chat at any point instead of `done`. */
export interface ChatErrorEvent {
  type: 'error'
  code: ChatErrorCode
  message: string
  /** Set for `BUSY`: seconds to wait before trying again. */
  retryAfterSeconds?: number
}

/** Anything a verifier writes on a chat stream. */
export type ChatServerEvent = ChatStreamEvent | ChatErrorEvent

/** Longest error message sent; longer ones are cut (they are for people, not programs). */
const MAX_ERROR_MESSAGE_LENGTH = 1024

const ROLES: Record<ChatRequestRole, WireChatRole> = {
  system: WireChatRole.SYSTEM,
  user: WireChatRole.USER,
  assistant: WireChatRole.ASSISTANT,
  tool: WireChatRole.TOOL
}

const TOOL_CHOICE_MODES: Record<Exclude<ToolChoice, object>, ToolChoiceMode> = {
  auto: ToolChoiceMode.TOOL_CHOICE_AUTO,
  none: ToolChoiceMode.TOOL_CHOICE_NONE,
  required: ToolChoiceMode.TOOL_CHOICE_REQUIRED
}

const PRIVACY: Record<ChatPrivacy, WireChatPrivacy> = {
  'verifier-only': WireChatPrivacy.VERIFIER_ONLY,
  'drafters-allowed': WireChatPrivacy.DRAFTERS_ALLOWED
}

const FINISH_REASONS: Record<ChatFinishReason, WireFinishReason> = {
  stop: WireFinishReason.FINISH_STOP,
  length: WireFinishReason.FINISH_LENGTH,
  cancelled: WireFinishReason.FINISH_CANCELLED
}

const TIERS: Record<PriorityTier, WirePriorityTier> = {
  contributor: WirePriorityTier.CONTRIBUTOR,
  consumer: WirePriorityTier.CONSUMER
}

const UINT32_MAX = 0xffff_ffff

/**
 * Checks a request's fields against the protocol's one request schema
 * (chat-request-schema.ts): what a verifier needs before it spends anything
 * on the chat.
 *
 * @throws {MalformedMessageError} naming the first bad field
 */
export function assertValidChatRequest (request: ValidChatRequest): void {
  const problem = firstProblem(ChatRequestSchema, request)
  if (problem !== undefined) {
    throw new MalformedMessageError(`invalid chat request: ${problem}`)
  }
}

/**
 * Encodes a chat request, the first message a client writes.
 *
 * @throws {MalformedMessageError} when a field is invalid
 * @throws {MessageTooLargeError} when it encodes to more than {@link MAX_CHAT_REQUEST_BYTES}
 */
export function encodeChatRequest (request: ValidChatRequest): Uint8Array {
  assertValidChatRequest(request)
  const bytes = ChatRequest.encode({
    requestId: request.requestId,
    messages: request.messages.map(toWireMessage),
    maxTokens: request.maxTokens,
    temperature: request.temperature,
    topP: request.topP,
    seed: request.seed,
    stop: request.stop,
    privacy: PRIVACY[request.privacy],
    receipts: (request.receipts ?? []).map(toWireReceipt),
    continuation: request.continuation,
    warmKey: request.warmKey ?? '',
    ...(request.responseFormat === undefined ? {} : { responseFormat: toWireResponseFormat(request.responseFormat) }),
    tools: (request.tools ?? []).map((tool): WireTool => ({
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      ...(tool.parameters === undefined ? {} : { parameters: JSON.stringify(tool.parameters) })
    })),
    ...toWireToolChoice(request.toolChoice),
    logitBias: request.logitBias ?? []
  })
  if (bytes.byteLength > MAX_CHAT_REQUEST_BYTES) {
    throw new MessageTooLargeError(`the chat request is ${bytes.byteLength} bytes, more than ${MAX_CHAT_REQUEST_BYTES}`)
  }
  return bytes
}

/**
 * Decodes and checks a chat request read from a stream.
 *
 * @throws {MessageTooLargeError} when it is over {@link MAX_CHAT_REQUEST_BYTES}
 * @throws {MalformedMessageError} when it does not decode or a field is invalid
 */
export function decodeChatRequest (bytes: Uint8Array | Uint8ArrayList): ValidChatRequest {
  if (bytes.byteLength > MAX_CHAT_REQUEST_BYTES) {
    throw new MessageTooLargeError(`the chat request is ${bytes.byteLength} bytes, more than ${MAX_CHAT_REQUEST_BYTES}`)
  }
  let wire: ChatRequest
  try {
    wire = ChatRequest.decode(bytes, {
      // One over the limit, so "too many" is reported as such below rather than as a decode failure.
      limits: {
        messages: MAX_CHAT_MESSAGES + 1,
        messages$: { toolCalls: MAX_CHAT_TOOL_CALLS + 1 },
        stop: MAX_CHAT_STOP_SEQUENCES + 1,
        receipts: MAX_PRESENTED_RECEIPTS + 1,
        tools: MAX_CHAT_TOOLS + 1,
        logitBias: MAX_CHAT_LOGIT_BIAS_TOKENS + 1,
        continuation: { tokens: MAX_CHAT_CONTINUATION_TOKENS + 1 }
      }
    })
  } catch (err) {
    throw new MalformedMessageError(`the chat request does not decode: ${(err as Error).message}`)
  }
  const responseFormat = fromWireResponseFormat(wire.responseFormat)
  const toolChoice = fromWireToolChoice(wire.toolChoice, wire.toolChoiceName)
  const request: ValidChatRequest = {
    requestId: wire.requestId,
    messages: wire.messages.map(fromWireMessage),
    maxTokens: wire.maxTokens,
    temperature: wire.temperature,
    // Unset on the wire (0) means "no nucleus sampling".
    topP: wire.topP === 0 ? 1 : wire.topP,
    ...(wire.seed === undefined ? {} : { seed: wire.seed }),
    stop: wire.stop,
    privacy: wire.privacy === WireChatPrivacy.DRAFTERS_ALLOWED ? 'drafters-allowed' : 'verifier-only',
    ...(wire.receipts.length === 0 ? {} : { receipts: wire.receipts.map(({ body, signature }) => ({ body, signature })) }),
    ...(wire.continuation == null ? {} : { continuation: wire.continuation }),
    ...(wire.warmKey === '' ? {} : { warmKey: wire.warmKey }),
    ...(responseFormat === undefined ? {} : { responseFormat }),
    ...(wire.tools.length === 0
      ? {}
      : {
          tools: wire.tools.map((tool, index) => ({
            name: tool.name,
            ...(tool.description === undefined ? {} : { description: tool.description }),
            ...(tool.parameters === undefined ? {} : { parameters: parseJsonObject(tool.parameters, `tools[${index}].parameters`) })
          }))
        }),
    ...(toolChoice === undefined ? {} : { toolChoice }),
    ...(wire.logitBias.length === 0 ? {} : { logitBias: wire.logitBias })
  }
  assertValidChatRequest(request)
  return request
}

function toWireMessage (message: ChatRequestMessage): WireChatMessage {
  return {
    role: ROLES[message.role],
    content: message.content,
    toolCalls: message.toolCalls ?? [],
    ...(message.toolCallId === undefined ? {} : { toolCallId: message.toolCallId })
  }
}

function fromWireMessage (message: WireChatMessage, index: number): ChatRequestMessage {
  return {
    role: roleName(message.role, index),
    content: message.content,
    ...(message.toolCalls.length === 0 ? {} : { toolCalls: message.toolCalls.map(({ id, name, arguments: args }) => ({ id, name, arguments: args })) }),
    ...(message.toolCallId === undefined ? {} : { toolCallId: message.toolCallId })
  }
}

function roleName (role: WireChatRole, index: number): ChatRequestRole {
  for (const [name, value] of Object.entries(ROLES)) {
    if (value === role) {
      return name as ChatRequestRole
    }
  }
  throw new MalformedMessageError(`invalid chat request: messages[${index}].role: has no known role`)
}

function toWireResponseFormat (format: ResponseFormat): WireResponseFormat {
  return format.type === 'json' ? { json: true } : { jsonSchema: JSON.stringify(format.schema) }
}

function fromWireResponseFormat (format: WireResponseFormat | undefined): ResponseFormat | undefined {
  if (format === undefined) {
    return undefined
  }
  if (format.jsonSchema !== undefined) {
    return { type: 'json_schema', schema: parseJsonObject(format.jsonSchema, 'responseFormat.schema') }
  }
  if (format.json === true) {
    return { type: 'json' }
  }
  throw new MalformedMessageError('invalid chat request: responseFormat: names no format')
}

function toWireToolChoice (choice: ToolChoice | undefined): { toolChoice: ToolChoiceMode, toolChoiceName?: string } {
  if (choice === undefined) {
    return { toolChoice: ToolChoiceMode.TOOL_CHOICE_UNSPECIFIED }
  }
  return typeof choice === 'object' ? { toolChoice: ToolChoiceMode.TOOL_CHOICE_NAMED, toolChoiceName: choice.name } : { toolChoice: TOOL_CHOICE_MODES[choice] }
}

function fromWireToolChoice (mode: ToolChoiceMode, name: string | undefined): ToolChoice | undefined {
  if (mode === ToolChoiceMode.TOOL_CHOICE_NAMED) {
    return { name: name ?? '' }
  }
  return (Object.keys(TOOL_CHOICE_MODES) as Array<Exclude<ToolChoice, object>>).find((choice) => TOOL_CHOICE_MODES[choice] === mode)
}

/** A JSON schema carried as JSON text. */
function parseJsonObject (text: string, field: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new MalformedMessageError(`invalid chat request: ${field}: is not JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedMessageError(`invalid chat request: ${field}: must be a JSON schema object`)
  }
  return value as Record<string, unknown>
}

/** Encodes a control message (cancel), which a client may write after its request. */
export function encodeChatControl (control: { cancel: boolean }): Uint8Array {
  return ChatControl.encode({ cancel: control.cancel })
}

/**
 * Decodes a control message read from a chat stream.
 *
 * @throws {MessageTooLargeError} when it is over {@link MAX_CHAT_CONTROL_BYTES}
 * @throws {MalformedMessageError} when it does not decode
 */
export function decodeChatControl (bytes: Uint8Array | Uint8ArrayList): { cancel: boolean } {
  if (bytes.byteLength > MAX_CHAT_CONTROL_BYTES) {
    throw new MessageTooLargeError(`the chat control message is ${bytes.byteLength} bytes, more than ${MAX_CHAT_CONTROL_BYTES}`)
  }
  try {
    return { cancel: ChatControl.decode(bytes).cancel }
  } catch (err) {
    throw new MalformedMessageError(`the chat control message does not decode: ${(err as Error).message}`)
  }
}

/**
 * Encodes one event a verifier streams. Long error messages are cut;
 * deltas must be split by the caller (see {@link splitDeltaText}).
 *
 * @throws {MalformedMessageError} when a field is out of range
 * @throws {MessageTooLargeError} when it encodes to more than {@link MAX_CHAT_EVENT_BYTES}
 */
export function encodeChatEvent (event: ChatServerEvent): Uint8Array {
  let wire: ChatEvent
  switch (event.type) {
    case 'queued':
      wire = { queued: { position: uint32('position', event.position), etaMs: uint32('etaMs', event.etaMs), tier: TIERS[event.tier] } }
      break
    case 'started':
      wire = {
        started: {
          model: event.model,
          tokenizerFingerprint: event.tokenizerFingerprint,
          contextLength: uint32('contextLength', event.contextLength),
          demo: event.demo,
          agent: event.agent
        }
      }
      break
    case 'delta':
      wire = { delta: { text: event.text, tokens: event.tokens ?? [] } }
      break
    case 'done':
      wire = {
        done: {
          finishReason: FINISH_REASONS[event.finishReason],
          promptTokens: uint32('promptTokens', event.usage.promptTokens),
          completionTokens: uint32('completionTokens', event.usage.completionTokens),
          queuedMs: uint32('queuedMs', event.timings.queuedMs),
          firstTokenMs: uint32('firstTokenMs', event.timings.firstTokenMs),
          totalMs: uint32('totalMs', event.timings.totalMs),
          ...(event.receipt === undefined ? {} : { receipt: toWireReceipt(event.receipt) })
        }
      }
      break
    case 'error':
      wire = {
        error: {
          code: WireChatErrorCode[event.code],
          message: event.message.slice(0, MAX_ERROR_MESSAGE_LENGTH),
          retryAfterSeconds: uint32('retryAfterSeconds', event.retryAfterSeconds ?? 0)
        }
      }
      break
  }
  const bytes = ChatEvent.encode(wire)
  if (bytes.byteLength > MAX_CHAT_EVENT_BYTES) {
    throw new MessageTooLargeError(`the chat event is ${bytes.byteLength} bytes, more than ${MAX_CHAT_EVENT_BYTES}`)
  }
  return bytes
}

/**
 * Decodes and checks one event read from a chat stream.
 *
 * @throws {MessageTooLargeError} when it is over {@link MAX_CHAT_EVENT_BYTES}
 * @throws {MalformedMessageError} when it does not decode, carries no event, or an enum is unknown
 */
export function decodeChatEvent (bytes: Uint8Array | Uint8ArrayList): ChatServerEvent {
  if (bytes.byteLength > MAX_CHAT_EVENT_BYTES) {
    throw new MessageTooLargeError(`the chat event is ${bytes.byteLength} bytes, more than ${MAX_CHAT_EVENT_BYTES}`)
  }
  let wire: ChatEvent
  try {
    wire = ChatEvent.decode(bytes)
  } catch (err) {
    throw new MalformedMessageError(`the chat event does not decode: ${(err as Error).message}`)
  }
  if (wire.queued != null) {
    const tier = wire.queued.tier === WirePriorityTier.CONTRIBUTOR ? 'contributor' : 'consumer'
    return { type: 'queued', position: wire.queued.position, etaMs: wire.queued.etaMs, tier }
  }
  if (wire.started != null) {
    const { model, tokenizerFingerprint, contextLength, demo, agent } = wire.started
    return { type: 'started', model, tokenizerFingerprint, contextLength, demo, agent }
  }
  if (wire.delta != null) {
    const { text, tokens } = wire.delta
    return { type: 'delta', text, ...(tokens.length === 0 ? {} : { tokens }) }
  }
  if (wire.done != null) {
    const done = wire.done
    const finishReason = (Object.keys(FINISH_REASONS) as ChatFinishReason[]).find((name) => FINISH_REASONS[name] === done.finishReason)
    if (finishReason === undefined) {
      throw new MalformedMessageError('the chat ended with no known finish reason')
    }
    return {
      type: 'done',
      finishReason,
      usage: { promptTokens: done.promptTokens, completionTokens: done.completionTokens },
      timings: { queuedMs: done.queuedMs, firstTokenMs: done.firstTokenMs, totalMs: done.totalMs },
      ...(done.receipt == null ? {} : { receipt: { body: done.receipt.body, signature: done.receipt.signature } })
    }
  }
  if (wire.error != null) {
    const { code, message, retryAfterSeconds } = wire.error
    if (code === WireChatErrorCode.CHAT_ERROR_UNSPECIFIED) {
      throw new MalformedMessageError('the chat error has no code')
    }
    return { type: 'error', code, message, ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}) }
  }
  throw new MalformedMessageError('the chat event carries no event')
}

/**
 * Splits delta text into pieces that each fit in one event: at most
 * `maxLength` UTF-16 units (16 Ki units encode to at most 48 KiB of UTF-8),
 * never between the two halves of a surrogate pair.
 */
export function splitDeltaText (text: string, maxLength = 16 * 1024): string[] {
  if (text.length <= maxLength) {
    return [text]
  }
  const pieces: string[] = []
  let start = 0
  while (start < text.length) {
    let end = Math.min(start + maxLength, text.length)
    const last = text.charCodeAt(end - 1)
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) {
      end--
    }
    pieces.push(text.slice(start, end))
    start = end
  }
  return pieces
}

function isIntegerIn (value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
}

function uint32 (field: string, value: number): number {
  if (!isIntegerIn(value, 0, UINT32_MAX)) {
    // Durations and counts come from our own clocks and counters: clamp rather than fail a whole answer.
    if (typeof value === 'number' && Number.isFinite(value)) {
      return Math.min(UINT32_MAX, Math.max(0, Math.round(value)))
    }
    throw new MalformedMessageError(`${field} must be a finite number`)
  }
  return value
}

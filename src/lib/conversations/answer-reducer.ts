import type { ChatMessage, ChatStreamEvent, PriorityTier } from '#protocol'
import type { AnswerPart, MessageRecord } from '../storage/index.ts'
import { chatFailure, describeChatFailure, isDemoModelName } from './chat-text.ts'

/**
 * How a streaming answer's stored record, and the progress shown beside
 * it, follow the events of its answer source: pure functions, so the rules
 * are unit-tested in Node (`answer-reducer.test.ts`). The chat state feeds
 * them and shows and saves what they return.
 */

/**
 * Who answers: a verifier on the mesh (its announced model may be ''), or the model on this device;
 * with the tokens its model's context holds when known before it answers (a verifier announces it).
 */
export type Answerer =
  | { kind: 'verifier', peerId: string, model: string, contextLength?: number }
  | { kind: 'device', model: string, contextLength?: number }

/** A verifier that takes an answer over mid-way, when the one writing it went away. */
export interface Handover {
  type: 'handover'
  answerer: Extract<Answerer, { kind: 'verifier' }>
  /** Where its part starts in the answer's text: the end of the text it was given to continue. */
  start: number
  /** It was given the answer's tokens so far to continue (else it starts afresh, its first text skipped where shown). */
  continued: boolean
  /** Why the verifier before it stopped, in words. */
  reason: string
}

/**
 * What an answer source streams: a verifier's chat events; `answerer` when
 * another verifier takes the answer before it started; `handover` when one
 * takes it over mid-answer (the text shown so far stays); `waiting-for-verifier`
 * while none can yet.
 */
export type AnswerEvent = ChatStreamEvent | { type: 'answerer', answerer: Answerer } | Handover | WaitingForVerifier

/** The verifier writing an answer went away and none can go on yet: the answer waits, up to `waitMs`, for one to come (or come back). */
export interface WaitingForVerifier {
  type: 'waiting-for-verifier'
  waitMs: number
}

/** The answer being generated right now. */
export interface LiveAnswer {
  messageId: string
  conversationId: string
  /** connecting: opening the chat; queued: the verifier has it waiting; answering: tokens arrive; waiting: its verifier went away and none can go on yet; continuing: another verifier takes it over. */
  phase: 'connecting' | 'queued' | 'answering' | 'waiting' | 'continuing' | 'stopping'
  queuePosition?: number
  etaMs?: number
  /** While queued: contributors wait ahead of consumers. */
  tier?: PriorityTier
}

export const DEVICE_GONE_TEXT = 'The model on this device was unloaded before finishing this answer.'

/** The fields of an answer that name who answers it. */
function answeredBy (answerer: Answerer): Pick<MessageRecord, 'verifierPeerId' | 'model' | 'demo'> {
  if (answerer.kind === 'device') {
    const model = `${answerer.model} (this device)`
    return { model, demo: isDemoModelName(model) }
  }
  // A verifier that announced no model is named once its `started` event says which.
  return { verifierPeerId: answerer.peerId, ...(answerer.model === '' ? {} : { model: answerer.model, demo: isDemoModelName(answerer.model) }) }
}

/** A new, empty answer, streaming under this page life's `writerLock`. */
export function newAnswer (init: { id: string, conversationId: string, sequence: number, answerer: Answerer, writerLock: string, now: number }): MessageRecord {
  return {
    id: init.id,
    conversationId: init.conversationId,
    sequence: init.sequence,
    role: 'assistant',
    content: '',
    status: 'streaming',
    createdAt: init.now,
    updatedAt: init.now,
    ...answeredBy(init.answerer),
    writerLock: init.writerLock
  }
}

/** The answer after one event of its stream. */
export function applyAnswerEvent (record: MessageRecord, event: AnswerEvent, now: number): MessageRecord {
  switch (event.type) {
    case 'queued':
    case 'waiting-for-verifier':
      return record
    case 'answerer':
      return { ...record, ...answeredBy(event.answerer) }
    case 'handover':
      return handedOver(record, event)
    case 'started': {
      // Kept for both: the next prompt to that model must fit the context it holds.
      const context = event.contextLength > 0 ? { contextLength: event.contextLength } : {}
      // A verifier names the model it runs; this device's answers keep the name they started with.
      return record.verifierPeerId === undefined
        ? { ...record, ...context }
        : { ...record, model: event.model, demo: event.demo || isDemoModelName(event.model), ...context }
    }
    case 'delta':
      return { ...record, content: record.content + event.text, updatedAt: now }
    case 'done':
      return {
        ...record,
        status: event.finishReason === 'cancelled' ? 'cancelled' : 'complete',
        finishReason: event.finishReason,
        usage: event.usage,
        timings: event.timings
      }
  }
}

/**
 * The answer once its stream has ended: `failure` is what it threw (none
 * when it ended by itself), `stopped` whether the user pressed Stop. Stopped
 * answers are cancelled, broken-off ones interrupted (their text is real),
 * refused or failed ones errors; each says why in words.
 */
export function endAnswer (record: MessageRecord, ending: { failure?: unknown, stopped: boolean }, now: number): MessageRecord {
  let ended: MessageRecord
  if (ending.stopped && ending.failure !== undefined) {
    ended = { ...record, status: 'cancelled' }
  } else if (ending.failure !== undefined) {
    const failure = chatFailure(ending.failure)
    if (failure.name === 'VerifierGoneError') {
      ended = { ...record, status: 'interrupted', error: describeChatFailure(failure) }
    } else if (failure.name === 'EngineDisposedError') {
      ended = { ...record, status: 'interrupted', error: DEVICE_GONE_TEXT }
    } else {
      ended = { ...record, status: 'error', error: describeChatFailure(failure) }
    }
  } else {
    // Sources end every stream with `done` or an error; this is only a safety net.
    ended = record.status === 'streaming' ? { ...record, status: 'interrupted' } : record
  }
  return { ...ended, writerLock: undefined, updatedAt: now }
}

/** The progress shown beside a streaming answer, after one event. Once Stop is pressed it says so until the stream ends. */
export function liveAfterEvent (live: LiveAnswer, event: AnswerEvent): LiveAnswer {
  switch (event.type) {
    case 'queued':
      return withPhase(live, { phase: 'queued', queuePosition: event.position, etaMs: event.etaMs, tier: event.tier })
    case 'answerer':
      return withPhase(live, { phase: 'connecting' })
    case 'waiting-for-verifier':
      return withPhase(live, { phase: 'waiting' })
    case 'handover':
      return withPhase(live, { phase: 'continuing' })
    case 'started':
      return withPhase(live, { phase: 'answering', queuePosition: undefined, etaMs: undefined })
    case 'delta':
      return live.phase === 'answering' || live.phase === 'stopping' ? live : withPhase(live, { phase: 'answering', queuePosition: undefined, etaMs: undefined })
    case 'done':
      return live
  }
}

/** The answer once another verifier takes it over: its parts say who wrote what, and the new verifier answers for the rest. */
function handedOver (record: MessageRecord, handover: Handover): MessageRecord {
  const first: AnswerPart[] = record.verifierPeerId === undefined ? [] : [{ verifierPeerId: record.verifierPeerId, ...(record.model === undefined ? {} : { model: record.model }), start: 0, continued: false }]
  const parts = record.parts ?? first
  const next: AnswerPart = {
    verifierPeerId: handover.answerer.peerId,
    ...(handover.answerer.model === '' ? {} : { model: handover.answerer.model }),
    start: handover.start,
    continued: handover.continued,
    reason: handover.reason
  }
  return { ...record, ...answeredBy(handover.answerer), parts: [...parts, next] }
}

/**
 * What the receipt of an answer's last part covers: the prompt its verifier
 * was given (the conversation, then the answer so far when it continued one)
 * and the text it wrote.
 */
export function lastPartOf (record: Pick<MessageRecord, 'content' | 'parts'>, prompt: ChatMessage[]): { prompt: ChatMessage[], text: string } {
  const last = record.parts?.at(-1)
  // One that started afresh wrote the whole text (the page skipped what it had already shown).
  if (last?.continued !== true) {
    return { prompt, text: record.content }
  }
  return { prompt: [...prompt, { role: 'assistant', content: record.content.slice(0, last.start) }], text: record.content.slice(last.start) }
}

function withPhase (live: LiveAnswer, change: Partial<LiveAnswer> & Pick<LiveAnswer, 'phase'>): LiveAnswer {
  return { ...live, ...change, phase: live.phase === 'stopping' ? 'stopping' : change.phase }
}

/**
 * The conversation an answerer is asked to continue: the turns before
 * `sequence`. Partial answers (stopped, interrupted) are included, as the
 * user saw them; failed ones are not.
 */
export function historyBefore (messages: readonly MessageRecord[], sequence: number): ChatMessage[] {
  return turnsBefore(messages, sequence).map((message) => ({ role: message.role, content: message.content }))
}

/** The records `historyBefore` sends, for fitting them to the context (see `planContext`). */
export function turnsBefore (messages: readonly MessageRecord[], sequence: number): MessageRecord[] {
  return messages.filter((message) => message.sequence < sequence && message.content !== '' && message.status !== 'error')
}

import { lpStream } from '@libp2p/utils'
import { AGENT, CHAT_QUEUED_HEARTBEAT_MS, CHAT_REQUEST_TIMEOUT_MS, CHAT_WRITE_TIMEOUT_MS, MAX_CHAT_REQUEST_BYTES, decodeChatControl, decodeChatRequest, encodeChatEvent, splitDeltaText } from '#protocol'
import { isDeadlineOrAbort, isOversizedFrame, isStreamFailure } from '#mesh-common'
import { errorMessage } from '#server'
import type { ChatErrorCode, ChatErrorEvent, ChatServerEvent, ValidChatRequest } from '#protocol'
import type { Log } from '#server'
import type { CompletionEvent, Verifier } from '../verifier/types.ts'
import type { ContributorCredit } from '../receipts/index.ts'
import type { Connection, Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'

/** Counters for `/metrics`, updated as chats come and go. */
export interface ChatStats {
  /** Chat streams open right now. */
  open: number
  /** Chats answered to the end (`done`, not cancelled). */
  completed: number
  /** Chats the client cancelled, or left before the end. */
  cancelled: number
  /** Chats ended by an `error` event, by code. */
  errors: Partial<Record<ChatErrorCode, number>>
}

export function emptyChatStats (): ChatStats {
  return { open: 0, completed: 0, cancelled: 0, errors: {} }
}

export interface ChatHandlerOptions {
  verifier: Verifier
  log: Log
  /** Where a peer's priority comes from (its accepted drafts, and receipts it presents); none: all are consumers. */
  credit?: ContributorCredit
  stats: ChatStats
  /** Aborted when gpu-node shuts down: chats in flight end with `CANCELLED`. */
  signal: AbortSignal
  /**
   * Silence after which the client is told the chat is alive (see `serveChat`).
   *
   * @default CHAT_QUEUED_HEARTBEAT_MS
   */
  heartbeatMs?: number
}

/**
 * How long, after our last event, the client may take to close its side
 * before the stream is reset. Resetting at once could discard that last event
 * on its way (a reset drops unread data).
 */
const CLOSE_LINGER_MS = 5_000

/** Longest wait for the verifier to wind a completion down once it is aborted. */
const RETURN_TIMEOUT_MS = 5_000

/** Why a chat was stopped from outside the verifier. */
class ChatStop extends Error {
  override readonly name = 'ChatStop'
  /**
   * @param reply - the error event to end with; none when the client cancelled or left
   */
  constructor (readonly reply: ChatErrorEvent | undefined, message: string) {
    super(message)
  }
}

type Outcome =
  | { kind: 'completed' }
  | { kind: 'cancelled' }
  | { kind: 'error', reply: ChatErrorEvent }

/**
 * Serves one chat on its own stream (`/shoal/chat/1.0.0`): reads and checks
 * the request within a deadline, runs it on the verifier and streams its
 * events back, awaiting each write so a slow reader slows generation instead
 * of filling memory. Meanwhile it watches the stream: a `cancel`, a reset or
 * a dropped connection aborts the completion, which frees its sequence.
 *
 * Bad input gets an `error` event (`MALFORMED_MESSAGE`, `TOO_LARGE`,
 * `TIMEOUT`) and the stream is closed. Never rejects: whatever goes wrong
 * ends this chat only.
 */
export async function handleChatStream (stream: Stream, connection: Pick<Connection, 'remotePeer'>, options: ChatHandlerOptions): Promise<void> {
  const { stats } = options
  stats.open++
  const messages = lpStream(stream, { maxDataLength: MAX_CHAT_REQUEST_BYTES })
  const write = async (event: ChatServerEvent): Promise<void> => {
    await messages.write(encodeChatEvent(event), { signal: AbortSignal.timeout(CHAT_WRITE_TIMEOUT_MS) })
  }
  try {
    const request = await readRequest(messages, options)
    const outcome: Outcome = 'type' in request
      ? { kind: 'error', reply: request }
      : await serveChat(stream, messages, write, request, connection.remotePeer.toString(), options)
    count(stats, outcome)
    if (outcome.kind === 'error') {
      await write(outcome.reply)
    }
    await closeGracefully(stream, CHAT_WRITE_TIMEOUT_MS)
  } catch (err) {
    // The client went away, stopped reading, or the stream broke: nobody is left to tell.
    stream.abort(err instanceof Error ? err : new Error(String(err)))
  } finally {
    stats.open--
  }
}

/** Reads the request, or says why there is none to serve. */
async function readRequest (messages: LengthPrefixedStream<Stream>, options: ChatHandlerOptions): Promise<ValidChatRequest | ChatErrorEvent> {
  try {
    return decodeChatRequest(await messages.read({ signal: AbortSignal.any([options.signal, AbortSignal.timeout(CHAT_REQUEST_TIMEOUT_MS)]) }))
  } catch (err) {
    return options.signal.aborted ? shuttingDown() : requestErrorEvent(err)
  }
}

/**
 * Runs the completion and streams its events: `queued`s, then `started`
 * just before the first token, `delta`s and `done`. When nothing has been
 * sent for `heartbeatMs` the last `queued` is repeated (or `started` sent, or
 * an empty `delta` once generating), so the client can tell a long wait from
 * a dead verifier.
 *
 * @returns how the chat ended; an `error` outcome's reply is still to be sent
 * @throws when writing to the client fails (the caller resets the stream)
 */
async function serveChat (
  stream: Stream,
  messages: LengthPrefixedStream<Stream>,
  write: (event: ChatServerEvent) => Promise<void>,
  request: ValidChatRequest,
  clientId: string,
  options: ChatHandlerOptions
): Promise<Outcome> {
  const { log, verifier } = options
  const controller = new AbortController()
  const stop = (reason: ChatStop): void => {
    if (!controller.signal.aborted) {
      controller.abort(reason)
    }
  }
  const stopReason = (): ChatStop | undefined => controller.signal.reason instanceof ChatStop ? controller.signal.reason : undefined
  const onShutdown = (): void => { stop(new ChatStop(shuttingDown(), 'shutting down')) }
  const onStreamClose = (): void => { stop(new ChatStop(undefined, 'the chat stream closed')) }
  options.signal.addEventListener('abort', onShutdown, { once: true })
  stream.addEventListener('close', onStreamClose, { once: true })
  if (options.signal.aborted) {
    onShutdown()
  }
  const finished = new AbortController()
  const watching = watchClient(messages, stop, finished.signal)

  let iterator: AsyncIterator<CompletionEvent> | undefined
  let lastQueued: ChatServerEvent | undefined
  let startedSent = false
  const sendStarted = async (): Promise<void> => {
    if (!startedSent) {
      startedSent = true
      await write(startedEvent(verifier))
    }
  }
  try {
    const { receipts: presented, ...chat } = request
    const credit = await creditOf(options, clientId, presented ?? [])
    iterator = verifier.complete({ ...chat, clientId, credit }, { signal: controller.signal })[Symbol.asyncIterator]()
    let pending = iterator.next()
    while (true) {
      // Asked for before the last event is written, so generation overlaps the write;
      // marked handled so a rejection during that write is not an unhandled one.
      pending.catch(() => {})
      const next = await nextOrHeartbeat(pending, options.heartbeatMs ?? CHAT_QUEUED_HEARTBEAT_MS)
      const stopped = stopReason()
      if (next === 'heartbeat') {
        if (stopped !== undefined) {
          // The verifier is slow to wind down: leave; `return()` below frees the sequence.
          return stopped.reply === undefined ? { kind: 'cancelled' } : { kind: 'error', reply: stopped.reply }
        }
        if (lastQueued !== undefined) {
          await write(lastQueued)
        } else if (!startedSent) {
          await sendStarted()
        } else {
          await write({ type: 'delta', text: '' })
        }
        continue
      }
      if (next.done === true) {
        return stopped?.reply === undefined ? { kind: 'cancelled' } : { kind: 'error', reply: stopped.reply }
      }
      const event = next.value
      pending = iterator.next()
      if (stopped !== undefined && event.type !== 'done') {
        // Draining to the verifier's `done`; the client wants no more text.
        continue
      }
      switch (event.type) {
        case 'queued':
          lastQueued = { type: 'queued', position: event.position, etaMs: event.etaMs, tier: event.tier }
          await write(lastQueued)
          break
        case 'delta': {
          lastQueued = undefined
          await sendStarted()
          // A long text goes in pieces; its tokens go with the last, once the client has all of it.
          const pieces = splitDeltaText(event.text)
          for (const [index, text] of pieces.entries()) {
            await write({ type: 'delta', text, ...(index === pieces.length - 1 && event.tokens !== undefined ? { tokens: event.tokens } : {}) })
          }
          break
        }
        case 'done':
          if (stopped?.reply !== undefined) {
            return { kind: 'error', reply: stopped.reply }
          }
          if (stopped !== undefined && streamGone(stream)) {
            return { kind: 'cancelled' }
          }
          await sendStarted()
          // A client that cancelled still reads this `done` (finish reason `cancelled`).
          await write({ type: 'done', finishReason: event.finishReason, usage: event.usage, timings: event.timings, ...(event.receipt === undefined ? {} : { receipt: event.receipt }) })
          return event.finishReason === 'cancelled' ? { kind: 'cancelled' } : { kind: 'completed' }
      }
    }
  } catch (err) {
    const stopped = stopReason()
    if (stopped !== undefined) {
      return stopped.reply === undefined ? { kind: 'cancelled' } : { kind: 'error', reply: stopped.reply }
    }
    if (err instanceof Error && ['BusyError', 'LimitError', 'InvalidRequestError'].includes(err.name)) {
      return { kind: 'error', reply: verifierRefusal(err) }
    }
    // A write to the client timed out or hit a closed stream: nobody is left to tell.
    if (streamGone(stream) || isStreamFailure(err)) {
      throw err
    }
    log.warn(`chat ${request.requestId} from ${clientId} failed: ${errorMessage(err)}`)
    return { kind: 'error', reply: errorEvent('INTERNAL', 'the verifier failed to answer') }
  } finally {
    finished.abort()
    stop(new ChatStop(undefined, 'the chat ended'))
    options.signal.removeEventListener('abort', onShutdown)
    stream.removeEventListener('close', onStreamClose)
    // Frees the sequence if we leave before the verifier's `done`.
    const returned = iterator?.return?.()
    if (returned !== undefined) {
      await withTimeout(returned.catch(() => undefined), RETURN_TIMEOUT_MS)
    }
    await watching
  }
}

/**
 * The asker's accepted draft tokens in the recent window, after counting
 * the receipts it presents. A refused receipt is logged and costs the chat
 * nothing but its priority; one counted before is not news (a page presents
 * its receipts with every chat).
 */
async function creditOf (options: ChatHandlerOptions, clientId: string, presented: NonNullable<ValidChatRequest['receipts']>): Promise<number> {
  if (options.credit === undefined) {
    return 0
  }
  try {
    const outcomes = await options.credit.present(clientId, presented)
    const refused = outcomes.filter((outcome) => outcome.refused !== undefined && outcome.replayed !== true)
    if (refused.length > 0) {
      options.log.info(`${refused.length} of ${outcomes.length} receipts presented by ${clientId} not counted: ${refused[0]?.refused ?? ''}`)
    }
    return options.credit.creditOf(clientId).acceptedTokens
  } catch (err) {
    // The ledger failing costs the chat its priority, not its answer.
    options.log.warn(`cannot read ${clientId}'s credit from the receipt ledger: ${errorMessage(err)}`)
    return 0
  }
}

/**
 * Reads control messages until the chat ends. `cancel` stops the completion
 * (the client then still gets `done`, cancelled); a malformed one ends the
 * chat with `MALFORMED_MESSAGE` or `TOO_LARGE`. The client closing its side
 * is fine (no more controls); a reset is seen by the stream's `close` listener.
 */
async function watchClient (messages: LengthPrefixedStream<Stream>, stop: (reason: ChatStop) => void, finished: AbortSignal): Promise<void> {
  while (!finished.aborted) {
    let frame
    try {
      // No deadline of its own: `finished` aborts it when the chat ends.
      frame = await messages.read({ signal: finished })
    } catch (err) {
      if (!finished.aborted && isOversizedFrame(err)) {
        stop(new ChatStop(errorEvent('TOO_LARGE', errorMessage(err)), 'oversized control message'))
      }
      // Otherwise the chat ended, the client closed its side, or the stream broke ('close' covers that).
      return
    }
    try {
      if (decodeChatControl(frame).cancel) {
        stop(new ChatStop(undefined, 'the client cancelled'))
      }
    } catch (err) {
      const code = isOversizedFrame(err) ? 'TOO_LARGE' : 'MALFORMED_MESSAGE'
      stop(new ChatStop(errorEvent(code, errorMessage(err)), 'malformed control message'))
      return
    }
  }
}

/** Closes our side, then resets the stream if the client has not closed its own within the linger time. */
async function closeGracefully (stream: Stream, timeoutMs: number): Promise<void> {
  await stream.close({ signal: AbortSignal.timeout(timeoutMs) })
  if (stream.status === 'open') {
    const closed = new Promise<void>((resolve) => { stream.addEventListener('close', () => { resolve() }, { once: true }) })
    if (await withTimeout(closed, CLOSE_LINGER_MS) === 'timeout') {
      stream.abort(new Error('the client did not close the chat stream'))
    }
  }
}

async function nextOrHeartbeat<T> (pending: Promise<IteratorResult<T>>, heartbeatMs: number): Promise<IteratorResult<T> | 'heartbeat'> {
  return withTimeout(pending, heartbeatMs, 'heartbeat')
}

/** Resolves with `promise`'s value, or `onTimeout` after `timeoutMs`; a rejection of `promise` propagates. */
async function withTimeout<T, U = 'timeout'> (promise: Promise<T>, timeoutMs: number, onTimeout: U = 'timeout' as U): Promise<T | U> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([promise, new Promise<U>((resolve) => { timer = setTimeout(() => { resolve(onTimeout) }, timeoutMs) })])
  } finally {
    clearTimeout(timer)
  }
}

function startedEvent (verifier: Verifier): ChatServerEvent {
  const { name, tokenizerFingerprint, contextLength, demo } = verifier.model
  return { type: 'started', model: name, tokenizerFingerprint, contextLength, demo, agent: AGENT }
}

function errorEvent (code: ChatErrorCode, message: string, retryAfterSeconds?: number): ChatErrorEvent {
  return { type: 'error', code, message, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) }
}

function shuttingDown (): ChatErrorEvent {
  return errorEvent('CANCELLED', 'the verifier is shutting down')
}

/** The reply to a request that could not be read. */
function requestErrorEvent (err: unknown): ChatErrorEvent {
  if (isOversizedFrame(err)) {
    return errorEvent('TOO_LARGE', `the chat request is over ${MAX_CHAT_REQUEST_BYTES} bytes`)
  }
  // Only the request's own deadline can abort this read here: shutting down is told apart before.
  if (isDeadlineOrAbort(err)) {
    return errorEvent('TIMEOUT', 'no chat request arrived in time')
  }
  if (err instanceof Error && err.name === 'UnexpectedEOFError') {
    return errorEvent('MALFORMED_MESSAGE', 'the stream ended before a whole chat request arrived')
  }
  return errorEvent('MALFORMED_MESSAGE', errorMessage(err))
}

/** What the verifier refused at once, as the client sees it. */
function verifierRefusal (err: Error): ChatErrorEvent {
  switch (err.name) {
    case 'BusyError': {
      const seconds = 'retryAfterSeconds' in err && typeof err.retryAfterSeconds === 'number' ? err.retryAfterSeconds : 1
      return errorEvent('BUSY', err.message, Math.max(1, Math.ceil(seconds)))
    }
    case 'LimitError':
      return errorEvent('LIMIT', err.message)
    default:
      return errorEvent('INVALID_REQUEST', err.message)
  }
}

function streamGone (stream: Stream): boolean {
  return stream.status !== 'open' || stream.writeStatus !== 'writable'
}


function count (stats: ChatStats, outcome: Outcome): void {
  if (outcome.kind === 'error') {
    stats.errors[outcome.reply.code] = (stats.errors[outcome.reply.code] ?? 0) + 1
  } else {
    stats[outcome.kind]++
  }
}

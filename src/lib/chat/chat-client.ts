import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'
import { CHAT_EVENT_TIMEOUT_MS, CHAT_PROTOCOL, MAX_CHAT_EVENT_BYTES, decodeChatEvent, encodeChatControl, encodeChatRequest } from '#protocol'
import type { ChatContinuation, ChatMessage, ChatPrivacy, ChatStreamEvent, SignedReceipt, ValidChatRequest } from '#protocol'
import { connectionKind } from '../mesh/connection-kind.ts'
import type { ConnectionKind } from '../mesh/connection-kind.ts'
import { ChatError, VerifierGoneError, VerifierUnreachableError } from './errors.ts'

/** A chat to send. Only `messages` is required. */
export interface ChatRequestInit {
  messages: ChatMessage[]
  /**
   * Most tokens to generate.
   *
   * @default 512
   */
  maxTokens?: number
  /**
   * 0 is greedy: the same conversation always gets the same answer.
   *
   * @default 0
   */
  temperature?: number
  /**
   * Nucleus sampling; 1 disables it.
   *
   * @default 1
   */
  topP?: number
  /** Seed for temperature > 0 (integer, 0 to 2^32 - 1). */
  seed?: number
  /** Generation stops before any of these strings (at most 8). */
  stop?: string[]
  /**
   * Who may see the conversation: the verifier only, or also browsers
   * drafting for it.
   *
   * @default 'verifier-only'
   */
  privacy?: ChatPrivacy
  /**
   * Drafted receipts from other verifiers, presented for priority at a busy
   * verifier (at most MAX_PRESENTED_RECEIPTS).
   */
  receipts?: SignedReceipt[]
  /**
   * The answer so far, when another verifier began it and went away: this
   * one continues it from its tokens (see protocol/chat-continuation.ts);
   * `maxTokens` then counts the tokens still to write.
   */
  continuation?: ChatContinuation
  /**
   * The conversation's key (1-64 printable ASCII characters, the same for
   * each of its turns): the verifier keeps it warm under it, and only a
   * turn with this key reuses that cache (see protocol/warm-prefix.ts).
   */
  warmKey?: string
  /** The answer fits this format (JSON, or a JSON schema): every token is held to it. */
  responseFormat?: ValidChatRequest['responseFormat']
  /** Tools documented in the prompt; with `toolChoice` `required` or a tool's name the answer is a call (protocol/tool-call-answer.ts). */
  tools?: ValidChatRequest['tools']
  toolChoice?: ValidChatRequest['toolChoice']
  /** Added to these tokens' logits before every choice (-100 to 100, at most 300 tokens). */
  logitBias?: ValidChatRequest['logitBias']
  /**
   * Names the chat in the verifier's logs and receipts.
   *
   * @default a random id
   */
  requestId?: string
}

export interface ChatOptions {
  /** Aborting it cancels the chat: the verifier stops generating and frees its slot. */
  signal?: AbortSignal
  /**
   * Deadline for opening the chat stream (dialling included when there is no connection yet).
   *
   * @default 10000
   */
  openTimeoutMs?: number
  /**
   * Longest silence between two events before the verifier counts as gone.
   *
   * @default CHAT_EVENT_TIMEOUT_MS (60000)
   */
  eventTimeoutMs?: number
}

/**
 * The part of a libp2p node a chat needs: the page's `BrowserNode`, or a
 * Node.js libp2p node in tests and tools.
 */
export interface ChatNode {
  getConnections: (peerId?: PeerId) => Connection[]
  dialProtocol: (peer: PeerId, protocols: string | string[], options?: { signal?: AbortSignal, runOnLimitedConnection?: boolean }) => Promise<Stream>
}

/** Deadline for writing the request, and for the best-effort cancel. */
const WRITE_TIMEOUT_MS = 10_000
/** How long a cancelled chat's stream may take to close before it is reset. */
const CANCEL_CLOSE_TIMEOUT_MS = 5_000

/**
 * Sends a chat to a verifier on a stream of its own and yields what the
 * verifier streams back: `queued` (any number, while waiting), `started`,
 * `delta`s (append their `text`), then one `done`, after which the iteration
 * ends. Uses the best open connection to the verifier (direct WebRTC when
 * there is one; relayed otherwise, which suits short chats), falling back to
 * the next when a stream cannot be opened on it, and dials when there is none.
 * `request` may still be in the making (a promise): the stream opens
 * meanwhile, and one that fails to come together ends the chat with its
 * error before anything is sent.
 *
 * Aborting `signal`, or leaving the loop early, cancels the chat: a cancel
 * goes to the verifier, which stops and frees the slot.
 *
 * @throws {ChatError} the verifier refused or ended the chat (`code` says why), or the request is invalid or too large to send
 * @throws {VerifierUnreachableError} no chat stream could be opened: nothing was sent
 * @throws {VerifierGoneError} the stream broke, closed or fell silent before `done`
 * @throws the signal's reason (an `AbortError` by default) when `signal` aborts
 */
export async function * chatWithVerifier (node: ChatNode, verifierPeerId: PeerId | string, request: ChatRequestInit | Promise<ChatRequestInit>, options: ChatOptions = {}): AsyncGenerator<ChatStreamEvent, void, undefined> {
  const { signal } = options
  signal?.throwIfAborted()
  // A request still being put together (receipts read from storage, say) is finished while
  // the stream opens: opening one takes a round trip or two, which need not wait for it.
  const encoding = request instanceof Promise ? request.then(encodeRequest) : Promise.resolve(encodeRequest(request))
  // Handled below, once the stream is open or has failed to open.
  encoding.catch(() => {})
  const peerId = typeof verifierPeerId === 'string' ? peerIdFromString(verifierPeerId) : verifierPeerId

  let stream: Stream
  try {
    stream = await openChatStream(node, peerId, withTimeout(signal, options.openTimeoutMs ?? 10_000))
  } catch (err) {
    // A request that cannot be sent says so first: that, not the verifier, is what needs fixing.
    await encoding
    signal?.throwIfAborted()
    throw new VerifierUnreachableError(`cannot open a chat with ${peerId.toString()}: ${describe(err)}`, { cause: err })
  }
  let requestBytes: Uint8Array
  try {
    requestBytes = await encoding
  } catch (err) {
    stream.abort(asError(err))
    throw err
  }
  const messages = lpStream(stream, { maxDataLength: MAX_CHAT_EVENT_BYTES })
  let ended = false
  try {
    try {
      await messages.write(requestBytes, { signal: withTimeout(signal, WRITE_TIMEOUT_MS) })
    } catch (err) {
      signal?.throwIfAborted()
      throw new VerifierGoneError(`the verifier went away before taking the request: ${describe(err)}`, { cause: err })
    }
    const eventTimeoutMs = options.eventTimeoutMs ?? CHAT_EVENT_TIMEOUT_MS
    while (true) {
      let event
      try {
        event = decodeChatEvent(await messages.read({ signal: withTimeout(signal, eventTimeoutMs) }))
      } catch (err) {
        signal?.throwIfAborted()
        throw new VerifierGoneError(goneReason(err, eventTimeoutMs), { cause: err })
      }
      if (event.type === 'error') {
        ended = true
        throw new ChatError(event.code, event.message, { retryAfterSeconds: event.retryAfterSeconds })
      }
      if (event.type === 'done') {
        ended = true
      }
      yield event
      if (ended) {
        return
      }
    }
  } finally {
    if (ended) {
      // The verifier closes its side after `done` or `error`; close ours.
      stream.close({ signal: AbortSignal.timeout(CANCEL_CLOSE_TIMEOUT_MS) }).catch((err: unknown) => { stream.abort(asError(err)) })
    } else {
      // Aborted, left early, or broken: make sure the verifier stops generating.
      void cancel(stream, messages)
    }
  }
}

/**
 * Tells the verifier to stop, closes our side and waits (briefly, in the
 * background) for the verifier to close its own; resets the stream if it
 * does not. The verifier also cancels when the stream is reset, so a cancel
 * that cannot be written still frees the slot.
 */
async function cancel (stream: Stream, messages: LengthPrefixedStream<Stream>): Promise<void> {
  if (stream.status !== 'open') {
    return
  }
  const deadline = AbortSignal.timeout(CANCEL_CLOSE_TIMEOUT_MS)
  try {
    if (stream.writeStatus === 'writable') {
      await messages.write(encodeChatControl({ cancel: true }), { signal: deadline })
      await stream.close({ signal: deadline })
    }
    // Read and discard what is still in flight (`done`, cancelled) until the verifier closes.
    while (stream.status === 'open') {
      await messages.read({ signal: deadline })
    }
  } catch (err) {
    stream.abort(asError(err))
  }
}

function encodeRequest (init: ChatRequestInit): Uint8Array {
  try {
    return encodeRequestAsIs(init)
  } catch (err) {
    // Receipts only buy priority: a long chat they would push over the size limit goes without them.
    if ((init.receipts?.length ?? 0) > 0 && err instanceof ChatError && err.code === 'TOO_LARGE') {
      return encodeRequestAsIs({ ...init, receipts: [] })
    }
    throw err
  }
}

function encodeRequestAsIs (init: ChatRequestInit): Uint8Array {
  const request: ValidChatRequest = {
    requestId: init.requestId ?? randomRequestId(),
    messages: init.messages,
    maxTokens: init.maxTokens ?? 512,
    temperature: init.temperature ?? 0,
    topP: init.topP ?? 1,
    ...(init.seed === undefined ? {} : { seed: init.seed }),
    stop: init.stop ?? [],
    privacy: init.privacy ?? 'verifier-only',
    ...(init.receipts === undefined || init.receipts.length === 0 ? {} : { receipts: init.receipts }),
    ...(init.continuation === undefined ? {} : { continuation: init.continuation }),
    ...(init.warmKey === undefined ? {} : { warmKey: init.warmKey }),
    ...(init.responseFormat === undefined ? {} : { responseFormat: init.responseFormat }),
    ...(init.tools === undefined || init.tools.length === 0 ? {} : { tools: init.tools }),
    ...(init.toolChoice === undefined ? {} : { toolChoice: init.toolChoice }),
    ...(init.logitBias === undefined || init.logitBias.length === 0 ? {} : { logitBias: init.logitBias })
  }
  try {
    return encodeChatRequest(request)
  } catch (err) {
    const code = err instanceof Error && err.name === 'MessageTooLargeError' ? 'TOO_LARGE' : 'MALFORMED_MESSAGE'
    throw new ChatError(code, `the chat request cannot be sent: ${describe(err)}`, { cause: err })
  }
}

/**
 * Opens the chat stream on the best open connection, falling back to the next
 * one when it fails (a direct connection can be half-dead for seconds before
 * the browser notices), and to a fresh dial when there is none.
 */
async function openChatStream (node: ChatNode, peerId: PeerId, signal: AbortSignal): Promise<Stream> {
  let lastError: unknown
  for (const connection of rankedConnections(node.getConnections(peerId))) {
    try {
      // Relayed connections are limited (bytes and time), but a short chat fits,
      // and it lets a page chat before its WebRTC connection is up.
      return await connection.newStream(CHAT_PROTOCOL, { signal, runOnLimitedConnection: true })
    } catch (err) {
      signal.throwIfAborted()
      lastError = err
    }
  }
  if (lastError !== undefined) {
    throw lastError
  }
  return node.dialProtocol(peerId, CHAT_PROTOCOL, { signal, runOnLimitedConnection: true })
}

const CONNECTION_RANK: Record<ConnectionKind, number> = { webrtc: 0, websocket: 1, other: 2, relayed: 3 }

/** Open connections, best first: direct beats WebSocket beats relayed. */
function rankedConnections (connections: Connection[]): Connection[] {
  return connections
    .filter((connection) => connection.status === 'open')
    .sort((a, b) => CONNECTION_RANK[connectionKind(a)] - CONNECTION_RANK[connectionKind(b)])
}

/** 128 random bits as hex: `crypto.randomUUID` exists only in secure contexts, `getRandomValues` everywhere. */
function randomRequestId (): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

function withTimeout (signal: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs)
  return signal === undefined ? timeout : AbortSignal.any([signal, timeout])
}

function goneReason (err: unknown, eventTimeoutMs: number): string {
  const name = err instanceof Error ? err.name : ''
  if (name === 'TimeoutError') {
    return `the verifier sent nothing for ${Math.round(eventTimeoutMs / 1000)} s`
  }
  if (name === 'UnexpectedEOFError') {
    return 'the verifier closed the chat before finishing it'
  }
  if (name === 'MalformedMessageError' || name === 'MessageTooLargeError' || name === 'InvalidDataLengthError') {
    return `the verifier sent a malformed event: ${describe(err)}`
  }
  return `the chat stream broke: ${describe(err)}`
}

function describe (err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}

function asError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

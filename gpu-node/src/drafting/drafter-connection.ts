import { lpStream } from '@libp2p/utils'
import { DRAFT_HELLO_TIMEOUT_MS, MAX_DRAFT_BATCH_TOKENS, MAX_DRAFT_TO_VERIFIER_BYTES, decodeDraftToVerifier, encodeDraftToDrafter } from '#protocol'
import { isDeadlineOrAbort, isOversizedFrame } from '#mesh-common'
import { errorMessage } from '#server'
import type { DraftRefusalCode, DraftToDrafterMessage, DraftToVerifierMessage, ReceiptGapRequest, SignedReceipt } from '#protocol'
import type { Log } from '#server'
import { DelayLine } from './link-delay.ts'
import type { DraftJob } from './draft-job.ts'
import type { Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'

/** Messages waiting for a drafter that stopped reading; past this, it is dropped. */
const MAX_QUEUED_MESSAGES = 1024

/** How long, after our last message, the drafter may take to close its side before a reset. */
const CLOSE_LINGER_MS = 2_000

export interface DrafterHello {
  model: string
  maxJobs: number
}

/**
 * One drafter's long-lived draft stream, on the verifier. Writes never block
 * the caller (the token loop): messages are queued and written in order; a
 * drafter that stops reading is dropped. Reads feed batches to the jobs.
 */
export class DrafterConnection {
  readonly peerId: string
  readonly model: string
  readonly maxJobs: number
  readonly jobs = new Map<number, DraftJob>()
  readonly #messages: LengthPrefixedStream<Stream>
  readonly #stream: Stream
  readonly #queue: Uint8Array[] = []
  #writing = false
  #ended = false

  /** An emulated WAN (`--emulate-link-delay`): half the round trip each way; immediate when off. */
  readonly #inbound: DelayLine<DraftToVerifierMessage>
  readonly #outbound: DelayLine<DraftToDrafterMessage>

  constructor (stream: Stream, messages: LengthPrefixedStream<Stream>, peerId: string, hello: DrafterHello, options: { linkDelayMs?: number } = {}) {
    const oneWayMs = (options.linkDelayMs ?? 0) / 2
    this.#inbound = new DelayLine(oneWayMs, (message) => { this.#handle(message) })
    this.#outbound = new DelayLine(oneWayMs, (message) => { this.#enqueue(message) })
    this.#stream = stream
    this.#messages = messages
    this.peerId = peerId
    this.model = hello.model
    this.maxJobs = hello.maxJobs
  }

  get ended (): boolean {
    return this.#ended
  }

  /** Queues a message; never waits. */
  send (message: DraftToDrafterMessage): void {
    if (this.#ended) {
      return
    }
    this.#outbound.push(message)
  }

  #enqueue (message: DraftToDrafterMessage): void {
    if (this.#queue.length >= MAX_QUEUED_MESSAGES) {
      if (!this.#ended) {
        this.end(new Error('the drafter stopped reading'))
      }
      return
    }
    this.#queue.push(encodeDraftToDrafter(message))
    void this.#drain()
  }

  #handle (message: DraftToVerifierMessage): void {
    if (message.type === 'batch') {
      this.jobs.get(message.jobId)?.offer(message)
    } else if (message.type === 'failed') {
      // Not a finished answer: the drafter let this one down, and its standing says so.
      this.jobs.get(message.jobId)?.fail()
    }
  }

  /**
   * Reads the drafter's messages until the stream ends. A malformed,
   * oversized or out-of-place message ends the whole connection (with a
   * refusal saying why); its jobs' answers go on without drafts.
   */
  async serve (log: Log): Promise<void> {
    try {
      while (!this.#ended) {
        const message = decodeDraftToVerifier(await this.#messages.read())
        if (message.type === 'hello') {
          throw new DraftProtocolError('hello sent twice')
        }
        this.#inbound.push(message)
      }
    } catch (err) {
      if (!this.#ended) {
        log.info(`drafter ${this.peerId} dropped: ${errorMessage(err)}`)
        const refusal = refusalFor(err)
        if (refusal != null) {
          this.send(refusal)
        }
        this.end()
      }
    }
  }

  /** Ends the connection: its jobs are abandoned, queued messages are flushed if possible, the stream closes. */
  end (err?: Error): void {
    if (this.#ended) {
      return
    }
    this.#ended = true
    for (const job of this.jobs.values()) {
      job.abandon()
    }
    this.jobs.clear()
    this.#inbound.close()
    // Messages still on the emulated link go out now, before the stream closes.
    this.#outbound.flush()
    void this.#finish(err)
  }

  async #drain (): Promise<void> {
    if (this.#writing) {
      return
    }
    this.#writing = true
    try {
      while (this.#queue.length > 0) {
        const bytes = this.#queue.shift()
        if (bytes != null) {
          await this.#messages.write(bytes)
        }
      }
    } catch (err) {
      this.#queue.length = 0
      this.end(err instanceof Error ? err : new Error(String(err)))
    } finally {
      this.#writing = false
    }
  }

  async #finish (err: Error | undefined): Promise<void> {
    if (err != null) {
      this.#stream.abort(err)
      return
    }
    try {
      // Let the last queued messages (a refusal, job closes) go out before closing.
      await this.#drain()
      await this.#stream.close({ signal: AbortSignal.timeout(CLOSE_LINGER_MS) })
    } catch (closeError) {
      this.#stream.abort(closeError instanceof Error ? closeError : new Error(String(closeError)))
    }
  }
}

/** What to tell a drafter whose message broke the rules; nothing when its stream just ended or broke. */
function refusalFor (err: unknown): DraftToDrafterMessage | undefined {
  if (isOversizedFrame(err)) {
    return { type: 'refusal', code: 'DRAFT_TOO_LARGE', message: `draft messages are at most ${MAX_DRAFT_TO_VERIFIER_BYTES} bytes` }
  }
  const name = err instanceof Error ? err.name : ''
  if (name === 'MalformedMessageError' || name === 'DraftProtocolError') {
    return { type: 'refusal', code: 'DRAFT_MALFORMED', message: errorMessage(err) }
  }
  return undefined
}

/** A well-formed message that is out of place (a second hello). */
class DraftProtocolError extends Error {
  override readonly name = 'DraftProtocolError'
}

/**
 * Reads and checks a drafter's hello. Returns the connection, or undefined
 * after refusing it (and closing the stream). When the hello asks for
 * receipts again, `resend` finds them (for `peerId`, the connection's remote
 * peer, whoever the hello claims to be) and they follow the welcome.
 */
export async function acceptDrafter (stream: Stream, peerId: string, options: {
  tokenizerFingerprint: string
  linkDelayMs?: number
  resend?: (subject: string, request: ReceiptGapRequest) => SignedReceipt[]
}): Promise<DrafterConnection | undefined> {
  const messages = lpStream(stream, { maxDataLength: MAX_DRAFT_TO_VERIFIER_BYTES })
  const refuse = async (code: DraftRefusalCode, message: string): Promise<undefined> => {
    try {
      await messages.write(encodeDraftToDrafter({ type: 'refusal', code, message }), { signal: AbortSignal.timeout(CLOSE_LINGER_MS) })
      await stream.close({ signal: AbortSignal.timeout(CLOSE_LINGER_MS) })
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
    return undefined
  }
  let hello
  try {
    hello = decodeDraftToVerifier(await messages.read({ signal: AbortSignal.timeout(DRAFT_HELLO_TIMEOUT_MS) }))
  } catch (err) {
    if (isDeadlineOrAbort(err)) {
      return refuse('DRAFT_TIMEOUT', 'no hello arrived in time')
    }
    const refusal = refusalFor(err)
    if (refusal?.type === 'refusal') {
      return refuse(refusal.code, refusal.message)
    }
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    return undefined
  }
  if (hello.type !== 'hello') {
    return refuse('DRAFT_MALFORMED', 'the first message must be a hello')
  }
  if (hello.tokenizerFingerprint !== options.tokenizerFingerprint) {
    return refuse('TOKENIZER_MISMATCH', `this verifier's tokenizer is ${options.tokenizerFingerprint}, not ${hello.tokenizerFingerprint}`)
  }
  await messages.write(encodeDraftToDrafter({ type: 'welcome', maxBatchTokens: MAX_DRAFT_BATCH_TOKENS }))
  const drafter = new DrafterConnection(stream, messages, peerId, { model: hello.model, maxJobs: hello.maxJobs }, { linkDelayMs: options.linkDelayMs })
  if (hello.receipts !== undefined && options.resend !== undefined) {
    // Queued like any message, so they never hold up the jobs that follow.
    for (const receipt of options.resend(peerId, hello.receipts)) {
      drafter.send({ type: 'receipt', receipt })
    }
  }
  return drafter
}

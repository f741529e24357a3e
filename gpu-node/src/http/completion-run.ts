import { cancelledByServer, ClientGoneError, isClientGone } from './errors.ts'
import type { HttpMetrics } from './http-metrics.ts'
import type { CompletionEvent, CompletionRequest, PromptCompletionRequest, TokenLogprob, Verifier } from '../verifier/types.ts'
import type { ServerResponse } from 'node:http'

/**
 * One verifier completion serving one HTTP response. The first event is
 * awaited before anything is written, so errors the verifier throws at once
 * (busy, over limits, invalid) still become HTTP statuses. When the client
 * disconnects, the completion is aborted, which frees its sequence in the
 * verifier for the next request; so is one its reader stops iterating.
 */
export class CompletionRun implements AsyncIterable<CompletionEvent> {
  readonly #controller: AbortController
  readonly #iterator: AsyncIterator<CompletionEvent>
  #first: IteratorResult<CompletionEvent> | undefined
  readonly #detach: () => void
  readonly #metrics: HttpMetrics
  #finished = false
  #closed = false

  private constructor (controller: AbortController, iterator: AsyncIterator<CompletionEvent>, first: IteratorResult<CompletionEvent>, detach: () => void, metrics: HttpMetrics) {
    this.#controller = controller
    this.#iterator = iterator
    this.#first = first
    this.#detach = detach
    this.#metrics = metrics
  }

  /**
   * Starts `request` on `verifier`, tied to `response`'s connection, and
   * counts its outcome in `metrics`.
   *
   * @throws whatever the verifier throws before its first event (`BusyError`,
   * `LimitError`, `InvalidRequestError`), or {ClientGoneError} when the client
   * left while the request was queued
   */
  static async start (verifier: Verifier, request: CompletionRequest | PromptCompletionRequest, response: ServerResponse, metrics: HttpMetrics): Promise<CompletionRun> {
    const controller = new AbortController()
    const onClose = (): void => {
      // 'close' also follows a complete response; only an early one is a disconnect.
      if (!response.writableFinished) {
        controller.abort(new ClientGoneError())
      }
    }
    response.on('close', onClose)
    const detach = (): void => { response.off('close', onClose) }
    let iterator: AsyncIterator<CompletionEvent> | undefined
    try {
      iterator = verifier.complete(request, { signal: controller.signal })[Symbol.asyncIterator]()
      const first = await iterator.next()
      if (controller.signal.aborted) {
        throw new ClientGoneError()
      }
      return new CompletionRun(controller, iterator, first, detach, metrics)
    } catch (err) {
      detach()
      controller.abort()
      await iterator?.return?.().catch(() => undefined)
      throw isClientGone(controller.signal.reason) ? new ClientGoneError() : err
    }
  }

  /** True once the client has disconnected. */
  get clientGone (): boolean {
    return isClientGone(this.#controller.signal.reason)
  }

  /**
   * Reads the whole answer, for clients that asked not to stream: its
   * message text, and apart from it the text of the tool calls the model
   * made on its own (read as calls in `done.toolCalls` when they came whole).
   *
   * @throws {ClientGoneError} when the client left; an ApiError when the server cancelled it
   */
  async collect (): Promise<{ text: string, callText: string, logprobs: TokenLogprob[], done: Extract<CompletionEvent, { type: 'done' }> }> {
    let text = ''
    let callText = ''
    const logprobs: TokenLogprob[] = []
    let done: Extract<CompletionEvent, { type: 'done' }> | undefined
    for await (const event of this) {
      if (event.type === 'delta' && event.toolCall === true) {
        callText += event.text
        logprobs.push(...event.logprobs ?? [])
      } else if (event.type === 'delta') {
        text += event.text
        logprobs.push(...event.logprobs ?? [])
      } else if (event.type === 'done') {
        done = event
      }
    }
    if (done == null) {
      throw new Error('the verifier ended a completion without a done event')
    }
    if (done.finishReason === 'cancelled') {
      throw this.clientGone ? new ClientGoneError() : cancelledByServer()
    }
    return { text, callText, logprobs, done }
  }

  async * [Symbol.asyncIterator] (): AsyncGenerator<CompletionEvent, void, undefined> {
    try {
      let next = this.#first ?? await this.#iterator.next()
      this.#first = undefined
      while (next.done !== true) {
        if (next.value.type === 'done') {
          this.#finished = true
          this.#metrics.completed(next.value.usage, next.value.finishReason)
        }
        yield next.value
        if (this.#finished) {
          return
        }
        next = await this.#iterator.next()
      }
      this.#finished = true
    } catch (err) {
      throw this.clientGone ? new ClientGoneError() : err
    } finally {
      await this.close()
    }
  }

  /** Stops generating (if still running) and lets go of the response. Safe to call twice. */
  async close (): Promise<void> {
    this.#detach()
    if (this.#closed) {
      return
    }
    this.#closed = true
    if (!this.#finished) {
      this.#controller.abort()
      this.#metrics.cancelled()
    }
    // Even after `done` the source may sit at its last `yield` holding the
    // sequence until it is resumed; `return` runs its cleanup now.
    await this.#iterator.return?.().catch(() => undefined)
  }
}

import { InferenceEngineError } from '../inference/index.ts'
import type { ChatCompletionSummary, InferenceEngine } from '../inference/index.ts'
import type { AnswerEvent, Answerer } from './answer-reducer.ts'
import type { AnswerRequest, AnswerSource } from './answer-source.ts'
import { isDemoModelName } from './chat-text.ts'

/** A model loaded on this device, as the chat needs it (the page's `LocalModel` is one). */
export interface DeviceModel {
  /** The loaded model's name; undefined while none is ready. */
  readonly model: string | undefined
  /** The engine running it; undefined while none is ready. */
  readonly engine: InferenceEngine | undefined
}

/**
 * Answers from the model loaded on this device, streamed as the events a
 * verifier sends (`started`, `delta`s, `done` with counts and timings), so
 * the chat shows and keeps them the same way. No queue, no receipts. A
 * model unloaded mid-answer ends it with `EngineDisposedError`.
 */
export class DeviceAnswerSource implements AnswerSource {
  readonly #device: DeviceModel | undefined

  constructor (device: DeviceModel | undefined) {
    this.#device = device
  }

  answerer (): Answerer | undefined {
    const model = this.#device?.model
    if (model === undefined) return undefined
    const contextLength = this.#device?.engine?.model?.contextLength
    return { kind: 'device', model, ...(contextLength === undefined ? {} : { contextLength }) }
  }

  /** Nothing to wait for: a model is loaded here or it is not. */
  async waitForAnswerer (): Promise<Answerer | undefined> {
    return this.answerer()
  }

  async * answer (request: AnswerRequest, _answerer: Answerer, options: { signal: AbortSignal }): AsyncGenerator<AnswerEvent, void, undefined> {
    const engine = this.#device?.engine
    const model = this.#device?.model
    if (engine === undefined || model === undefined) {
      throw new InferenceEngineError('EngineNotLoadedError', 'no model is loaded on this device')
    }
    const startedAt = performance.now()
    let firstTokenMs = 0
    yield { type: 'started', model, tokenizerFingerprint: '', contextLength: engine.model?.contextLength ?? 0, demo: isDemoModelName(model), agent: 'this device' }
    let completionTokens = 0
    let summary: ChatCompletionSummary | undefined
    const onDone = (done: ChatCompletionSummary): void => { summary = done }
    for await (const text of engine.chat(request.messages, { maxTokens: request.maxTokens, temperature: request.temperature, signal: options.signal, onDone })) {
      if (completionTokens === 0) firstTokenMs = performance.now() - startedAt
      completionTokens++
      yield { type: 'delta', text }
    }
    yield {
      type: 'done',
      finishReason: summary?.finishReason ?? 'stop',
      usage: { promptTokens: summary?.promptTokens ?? 0, completionTokens: summary?.completionTokens ?? completionTokens },
      timings: { queuedMs: 0, firstTokenMs: Math.round(firstTokenMs), totalMs: Math.round(performance.now() - startedAt) }
    }
  }
}

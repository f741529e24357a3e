/**
 * The model loaded on this device, as page state: load progress, errors,
 * and a chat that streams the same events a verifier sends, so the chat page
 * shows a local answer exactly like a mesh one. Runs the wllama engine by
 * default; any {@link InferenceEngine} fits.
 *
 * @example
 * ```ts
 * const local = localModel()
 * await local.load()                 // the demo model, from the relay's /models/
 * for await (const event of local.chat({ messages, maxTokens: 64, temperature: 0 }, { signal })) …
 * await local.unload()               // terminates the worker; a running answer ends with EngineDisposedError
 * ```
 */
import type { ChatMessage, ChatStreamEvent } from '#protocol'
import type { ChatCompletionSummary, EngineModel, InferenceEngine } from './engine.ts'
import { createWllamaEngine } from './wllama-engine.ts'
import type { WllamaEngine } from './wllama-engine.ts'

function isWllamaEngine (engine: InferenceEngine): engine is WllamaEngine {
  return engine.kind === 'wllama'
}

/** The demo target (256x4), as the relay serves it from its model cache. */
export const DEMO_LOCAL_MODEL: EngineModel = { id: 'shoal-demo', url: '/models/shoal-demo-v1-target-256x4.gguf', contextLength: 2048 }

export type LocalModelStatus = 'none' | 'loading' | 'ready' | 'failed'

export interface LocalChatRequest {
  messages: ChatMessage[]
  maxTokens: number
  temperature: number
}

export class LocalModel {
  status = $state<LocalModelStatus>('none')
  /** Bytes loaded / total while loading (total 0 when unknown). */
  progress = $state.raw<{ loaded: number, total: number }>({ loaded: 0, total: 0 })
  error = $state<string | undefined>()
  /** The loaded model runs on several threads (the page is cross-origin isolated). */
  multiThreaded = $state(false)
  /** Threads the loaded model runs on (0 until loaded). */
  threads = $state(0)
  #modelId = $state<string | undefined>()
  #engine: InferenceEngine | undefined
  #loading: AbortController | undefined
  readonly #createEngine: () => InferenceEngine

  constructor (createEngine: () => InferenceEngine = createWllamaEngine) {
    this.#createEngine = createEngine
  }

  /** The loaded model's name; undefined until it is ready. */
  get model (): string | undefined {
    return this.status === 'ready' ? this.#modelId : undefined
  }

  async load (model: EngineModel = DEMO_LOCAL_MODEL): Promise<void> {
    await this.unload()
    const controller = new AbortController()
    this.#loading = controller
    this.status = 'loading'
    this.error = undefined
    this.progress = { loaded: 0, total: 0 }
    const engine = this.#createEngine()
    this.#engine = engine
    try {
      await engine.load(model, { signal: controller.signal, onProgress: ({ loaded, total }) => { this.progress = { loaded, total } } })
      this.#modelId = model.id
      this.multiThreaded = engine.capabilities.multiThreaded === true
      this.threads = isWllamaEngine(engine) ? engine.loaded?.threads ?? 0 : 0
      this.status = 'ready'
    } catch (err) {
      await engine.dispose()
      if (this.#engine === engine) {
        this.#engine = undefined
        this.status = controller.signal.aborted ? 'none' : 'failed'
        this.error = controller.signal.aborted ? undefined : err instanceof Error ? err.message : String(err)
      }
    } finally {
      if (this.#loading === controller) this.#loading = undefined
    }
  }

  /** Frees the model and its worker; an answer being written ends at once (interrupted, text kept). */
  async unload (): Promise<void> {
    this.#loading?.abort()
    const engine = this.#engine
    this.#engine = undefined
    this.#modelId = undefined
    this.status = 'none'
    this.multiThreaded = false
    await engine?.dispose()
  }

  async * chat (request: LocalChatRequest, options: { signal: AbortSignal }): AsyncGenerator<ChatStreamEvent> {
    const engine = this.#engine
    const model = this.model
    if (engine === undefined || model === undefined) {
      throw Object.assign(new Error('no model is loaded on this device'), { name: 'EngineNotLoadedError' })
    }
    const startedAt = performance.now()
    let firstTokenMs = 0
    yield { type: 'started', model, tokenizerFingerprint: '', contextLength: 0, demo: /^shoal-demo/i.test(model), agent: 'this device' }
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

let instance: LocalModel | undefined

/** The page's one local model (kept across routes, like the chat state). */
export function localModel (): LocalModel {
  instance ??= new LocalModel()
  return instance
}

/**
 * The model loaded on this device, as page state: load progress and errors.
 * The chat answers with it through `DeviceAnswerSource`
 * (`$lib/conversations`), which reads `model` and `engine`. Runs the wllama
 * engine by default; any {@link InferenceEngine} fits.
 *
 * @example
 * ```ts
 * const local = localModel()
 * await local.load()                 // the demo model, from the relay's /models/
 * local.model, local.engine          // 'shoal-demo', the engine running it
 * await local.unload()               // terminates the worker; a running answer ends with EngineDisposedError
 * ```
 */
import type { EngineModel, InferenceEngine } from './engine.ts'
import { createWllamaEngine } from './wllama-engine.ts'
import type { WllamaEngine } from './wllama-engine.ts'

function isWllamaEngine (engine: InferenceEngine): engine is WllamaEngine {
  return engine.kind === 'wllama'
}

/** The demo target (256x4), as the relay serves it from its model cache. */
export const DEMO_LOCAL_MODEL: EngineModel = { id: 'shoal-demo', url: '/models/shoal-demo-v1-target-256x4.gguf', contextLength: 2048 }

export type LocalModelStatus = 'none' | 'loading' | 'ready' | 'failed'

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

  /** The engine running the loaded model; undefined until it is ready. */
  get engine (): InferenceEngine | undefined {
    return this.status === 'ready' ? this.#engine : undefined
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
}

let instance: LocalModel | undefined

/** The page's one local model (kept across routes, like the chat state). */
export function localModel (): LocalModel {
  instance ??= new LocalModel()
  return instance
}

/**
 * The model loaded on this device, as page state: which engine runs it and
 * why (`chooseDeviceEngine`: WebLLM on a real GPU, wllama with the demo
 * model otherwise), load progress and errors. The chat answers with it
 * through `DeviceAnswerSource` (`$lib/conversations`), which reads `model`
 * and `engine`.
 *
 * @example
 * ```ts
 * const local = localModel()
 * await local.load()                 // the engine this device should run, with its model
 * local.engineKind, local.engineReasons  // 'wllama', ['WebLLM is unavailable: …', …]
 * await local.unload()               // terminates the worker; a running answer ends with EngineDisposedError
 * ```
 */
import { chooseDeviceEngine, createInferenceEngine, loadDeviceEngine } from './device-engine.ts'
import type { DeviceEngineChoice } from './device-engine.ts'
import type { InferenceEngine } from './engine.ts'
import type { EngineKind } from './model-catalog.ts'
import type { WllamaEngine } from './wllama-engine.ts'

function isWllamaEngine (engine: InferenceEngine): engine is WllamaEngine {
  return engine.kind === 'wllama'
}

export type LocalModelStatus = 'none' | 'loading' | 'ready' | 'failed'

export interface LocalModelInit {
  /** @default chooseDeviceEngine */
  chooseEngine?: () => Promise<DeviceEngineChoice>
  /** @default createInferenceEngine */
  createEngine?: (kind: EngineKind) => Promise<InferenceEngine>
}

export class LocalModel {
  status = $state<LocalModelStatus>('none')
  /** Bytes loaded / total while loading (total 0 when unknown). */
  progress = $state.raw<{ loaded: number, total: number }>({ loaded: 0, total: 0 })
  error = $state<string | undefined>()
  /** The loaded model runs on several threads (the page is cross-origin isolated). */
  multiThreaded = $state(false)
  /** Threads the loaded model runs on (0 until loaded, and for WebLLM). */
  threads = $state(0)
  /** The engine chosen for this device, once a load has chosen it. */
  engineKind = $state<EngineKind | undefined>()
  /** Why that engine, in words (e.g. why WebLLM is out). */
  engineReasons = $state.raw<string[]>([])
  #modelId = $state<string | undefined>()
  #engine: InferenceEngine | undefined
  #loading: AbortController | undefined
  /** The device does not change in a page's life: it is examined once. */
  #choice: Promise<DeviceEngineChoice> | undefined
  readonly #chooseEngine: () => Promise<DeviceEngineChoice>
  readonly #createEngine: (kind: EngineKind) => Promise<InferenceEngine>

  constructor (init: LocalModelInit = {}) {
    this.#chooseEngine = init.chooseEngine ?? chooseDeviceEngine
    this.#createEngine = init.createEngine ?? createInferenceEngine
  }

  /** The loaded model's name; undefined until it is ready. */
  get model (): string | undefined {
    return this.status === 'ready' ? this.#modelId : undefined
  }

  /** The engine running the loaded model; undefined until it is ready. */
  get engine (): InferenceEngine | undefined {
    return this.status === 'ready' ? this.#engine : undefined
  }

  async load (): Promise<void> {
    await this.unload()
    const controller = new AbortController()
    this.#loading = controller
    this.status = 'loading'
    this.error = undefined
    this.progress = { loaded: 0, total: 0 }
    // The engine being loaded, so that unload() can end it at once (terminating its worker).
    let loading: InferenceEngine | undefined
    const createEngine = async (kind: EngineKind): Promise<InferenceEngine> => {
      loading = await this.#createEngine(kind)
      this.#engine = loading
      return loading
    }
    try {
      this.#choice ??= this.#chooseEngine()
      const choice = await this.#choice
      controller.signal.throwIfAborted()
      const loaded = await loadDeviceEngine(choice, { signal: controller.signal, createEngine, onProgress: ({ loaded, total }) => { this.progress = { loaded, total } } })
      this.#modelId = loaded.model.id
      this.engineKind = loaded.engine
      this.engineReasons = loaded.reasons
      this.multiThreaded = loaded.running.capabilities.multiThreaded === true
      this.threads = isWllamaEngine(loaded.running) ? loaded.running.loaded?.threads ?? 0 : 0
      this.status = 'ready'
    } catch (err) {
      await loading?.dispose()
      // Aborted: unload() has already said 'none' (and a newer load may be under way).
      if (this.#loading === controller && !controller.signal.aborted) {
        this.#engine = undefined
        this.status = 'failed'
        this.error = err instanceof Error ? err.message : String(err)
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

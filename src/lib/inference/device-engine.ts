/**
 * The one place that decides which engine runs models on this device, and
 * starts it: WebLLM (WebGPU) with its smallest fitting model on a real GPU,
 * wllama (CPU) with the demo model otherwise, and wllama again when WebLLM
 * cannot load its model after all. Every choice comes with its reasons in
 * words. The rules themselves are `recommendEngine` (`engine-choice.ts`).
 *
 * @example
 * ```ts
 * const choice = await chooseDeviceEngine()
 * // { engine: 'wllama', model: DEMO_LOCAL_MODEL, reasons: ['WebLLM is unavailable: This browser has no WebGPU …', …] }
 * const { engine, model, reasons } = await loadDeviceEngine(choice, { onProgress: (p) => { console.log(p.loaded) } })
 * ```
 */
import { detectDevice, recommendEngine, webllmUnavailableReason } from './engine-choice.ts'
import type { DeviceReport, NavigatorLike } from './engine-choice.ts'
import type { EngineModel, InferenceEngine, LoadProgress } from './engine.ts'
import { DEMO_GGUF_MODELS, DEMO_LOCAL_MODEL, webllmCatalogEntries } from './model-catalog.ts'
import type { CatalogModel, EngineKind } from './model-catalog.ts'
import { createWllamaEngine } from './wllama-engine.ts'

/** Which engine and model this device should answer with, and why. */
export interface DeviceEngineChoice {
  engine: EngineKind
  model: EngineModel
  /** Sentences explaining the choice, e.g. why WebLLM is out. */
  reasons: string[]
}

export interface ChooseDeviceEngineOptions {
  /** What the browser offers; read from `navigator` when absent. */
  device?: DeviceReport
  /** @default navigator */
  navigator?: NavigatorLike
  /** @default globalThis.crossOriginIsolated */
  crossOriginIsolated?: boolean
  /**
   * WebLLM's prebuilt models. Asked for only when WebGPU could run one: the
   * list lives in WebLLM's 5.7 MB bundle.
   *
   * @default loadWebllmCatalog
   */
  webllmCatalog?: () => Promise<CatalogModel[]>
}

/** WebLLM's prebuilt chat models, from its bundle (fetched on first use; fails offline unless cached). */
export async function loadWebllmCatalog (): Promise<CatalogModel[]> {
  const { prebuiltAppConfig } = await import('@mlc-ai/web-llm')
  return webllmCatalogEntries(prebuiltAppConfig.model_list)
}

/** Starts an engine of `kind`; WebLLM's code is fetched only when it is asked for. */
export async function createInferenceEngine (kind: EngineKind): Promise<InferenceEngine> {
  if (kind === 'wllama') {
    return createWllamaEngine()
  }
  const { createWebllmEngine } = await import('./webllm-engine.ts')
  return createWebllmEngine()
}

/** Decides the engine for this device (see the module's doc). Never throws. */
export async function chooseDeviceEngine (options: ChooseDeviceEngineOptions = {}): Promise<DeviceEngineChoice> {
  const device = options.device ?? await detectDevice(options.navigator ?? navigator, { crossOriginIsolated: options.crossOriginIsolated ?? globalThis.crossOriginIsolated })
  const onCpu = recommendEngine(device, DEMO_GGUF_MODELS)
  if (webllmUnavailableReason(device) !== undefined || (device.webgpu.available && device.webgpu.fallback)) {
    return { engine: 'wllama', model: DEMO_LOCAL_MODEL, reasons: onCpu.reasons }
  }
  let webllmModels: CatalogModel[]
  try {
    webllmModels = await (options.webllmCatalog ?? loadWebllmCatalog)()
  } catch (err) {
    return { engine: 'wllama', model: DEMO_LOCAL_MODEL, reasons: [`WebLLM's model list could not be loaded (${describe(err)}); are you offline?`, ...onCpu.reasons.slice(-1)] }
  }
  const recommendation = recommendEngine(device, [...DEMO_GGUF_MODELS, ...webllmModels])
  if (recommendation.engine === 'webllm' && recommendation.model !== undefined) {
    return { engine: 'webllm', model: { id: recommendation.model.id }, reasons: recommendation.reasons }
  }
  return { engine: 'wllama', model: DEMO_LOCAL_MODEL, reasons: recommendation.reasons }
}

export interface LoadDeviceEngineOptions {
  signal?: AbortSignal
  onProgress?: (progress: LoadProgress) => void
  /** @default createInferenceEngine */
  createEngine?: (kind: EngineKind) => Promise<InferenceEngine>
}

/** An engine with its model loaded, what was chosen in the end, and why. */
export interface LoadedDeviceEngine extends DeviceEngineChoice {
  running: InferenceEngine
}

/**
 * Loads the chosen engine and model. When WebLLM cannot load its model
 * (its files or library cannot be fetched, WebGPU fails in the worker),
 * falls back to wllama with the demo model, adding why to the reasons.
 *
 * @throws the engine's errors (by name: `ModelLoadError`, `AbortError`, …) when wllama cannot load either
 */
export async function loadDeviceEngine (choice: DeviceEngineChoice, options: LoadDeviceEngineOptions = {}): Promise<LoadedDeviceEngine> {
  const createEngine = options.createEngine ?? createInferenceEngine
  const load = async (engine: EngineKind, model: EngineModel): Promise<InferenceEngine> => {
    const running = await createEngine(engine)
    try {
      await running.load(model, { signal: options.signal, onProgress: options.onProgress })
      return running
    } catch (err) {
      await running.dispose()
      throw err
    }
  }
  try {
    return { ...choice, running: await load(choice.engine, choice.model) }
  } catch (err) {
    const name = err instanceof Error ? err.name : ''
    if (choice.engine !== 'webllm' || options.signal?.aborted === true || (name !== 'ModelLoadError' && name !== 'EngineUnsupportedError')) {
      throw err
    }
    const reasons = [...choice.reasons, `WebLLM could not load ${choice.model.id} (${describe(err)}), so wllama runs the demo model on the CPU instead.`]
    return { engine: 'wllama', model: DEMO_LOCAL_MODEL, reasons, running: await load('wllama', DEMO_LOCAL_MODEL) }
  }
}

function describe (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

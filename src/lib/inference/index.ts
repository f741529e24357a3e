/**
 * Running models in this browser: one engine interface (`engine.ts`) with
 * two engines behind it, wllama (llama.cpp in WebAssembly, CPU, in a
 * dedicated worker) and WebLLM (WebGPU, in a shared worker); which one this
 * device runs, and why, is decided in one place (`device-engine.ts`, by the
 * rules of `engine-choice.ts`); the models it can run are in
 * `model-catalog.ts`. Engine failures are errors matched by `name`
 * (`EngineNotLoadedError`, `EngineDisposedError`, `ModelLoadError`, …).
 *
 * WebLLM's code (several MB) is never imported from here: engines are
 * created through `createInferenceEngine`, which fetches it when asked.
 * The page's loaded model (`localModel()`, rune state) is imported from
 * `local-model.svelte.ts`, so Node code (tests) can import this door.
 *
 * @example
 * ```ts
 * import { chooseDeviceEngine, loadDeviceEngine } from '$lib/inference'
 *
 * const choice = await chooseDeviceEngine()      // { engine: 'wllama', model: DEMO_LOCAL_MODEL, reasons: ['WebLLM is unavailable: …', …] }
 * const { running } = await loadDeviceEngine(choice)
 * let answer = ''
 * for await (const text of running.chat([{ role: 'user', content: 'Hello!' }], { maxTokens: 64, temperature: 0 })) answer += text
 * await running.dispose()
 * ```
 */
export { InferenceEngineError, inferenceErrorFrom } from './engine.ts'
export type {
  ChatCompletionOptions,
  ChatCompletionSummary,
  ChatMessage,
  EngineCapabilities,
  EngineModel,
  InferenceEngine,
  InferenceErrorName,
  LoadOptions,
  LoadProgress,
  TokenWithProbability
} from './engine.ts'
export { chooseDeviceEngine, createInferenceEngine, loadDeviceEngine, loadWebllmCatalog } from './device-engine.ts'
export type { ChooseDeviceEngineOptions, DeviceEngineChoice, LoadDeviceEngineOptions, LoadedDeviceEngine } from './device-engine.ts'
export { describeAdapter, detectDevice, formatBytes, modelUnavailableReason, recommendEngine, webllmUnavailableReason } from './engine-choice.ts'
export type { AdapterLike, DeviceReport, EngineRecommendation, NavigatorLike, WebGpuReport } from './engine-choice.ts'
export { DEMO_GGUF_MODELS, DEMO_LOCAL_MODEL, MODEL_CACHE_NAME, MODELS_PATH, modelCacheKey, webllmCatalogEntries } from './model-catalog.ts'
export type { CatalogModel, EngineKind, WebllmModelRecord } from './model-catalog.ts'
export { createWllamaEngine } from './wllama-engine.ts'
export type { WllamaEngine, WllamaEngineInit } from './wllama-engine.ts'

/**
 * The models a browser can run: the demo GGUF files the relay serves at
 * `/models/<file>.gguf` (for wllama, CPU) and WebLLM's prebuilt MLC models
 * (WebGPU), each with what it needs so {@link ./engine-choice.ts} can say
 * whether it fits this device.
 *
 * Pure data and pure functions: WebLLM's list is passed in (see
 * {@link webllmCatalogEntries}) so this module does not pull the WebLLM
 * bundle into every page.
 *
 * @example
 * ```ts
 * const { prebuiltAppConfig } = await import('@mlc-ai/web-llm')
 * const models = [...DEMO_GGUF_MODELS, ...webllmCatalogEntries(prebuiltAppConfig.model_list)]
 * ```
 */
import type { EngineModel } from './engine.ts'

/** Which engine runs a model. */
export type EngineKind = 'wllama' | 'webllm'

export interface CatalogModel {
  /** Stable id: the GGUF file name without `.gguf`, or WebLLM's `model_id`. */
  id: string
  engine: EngineKind
  /** Short human label. */
  label: string
  /** wllama: the GGUF URL; WebLLM: the model's base URL (Hugging Face). */
  url: string
  /** WebLLM only: the compiled model library (`.wasm`). */
  modelLibraryUrl?: string
  /** Download size in bytes when known up front (0 = unknown until fetched). */
  sizeBytes: number
  /** GPU memory needed, in MiB (WebLLM's `vram_required_MB`); 0 for CPU models. */
  vramMiB: number
  /** WebGPU features the model library needs, e.g. `shader-f16`. */
  requiredFeatures: readonly string[]
  /** WebLLM's `low_resource_required`: runs on small GPUs/phones. */
  lowResource: boolean
  /** The model's text is meaningless (Shoal's random demo weights). */
  demo: boolean
}

/**
 * The model a device answers with on the CPU: the demo target (256x4), as
 * the relay serves it, under the name the chat shows.
 */
export const DEMO_LOCAL_MODEL: EngineModel = { id: 'shoal-demo', url: '/models/shoal-demo-v1-target-256x4.gguf', contextLength: 2048 }

/** Cache Storage cache holding downloaded model weights (never the service worker's precache). */
export const MODEL_CACHE_NAME = 'shoal-models-v1'

/** Where the relay serves model files. */
export const MODELS_PATH = '/models/'

/** Demo roles the relay serves (see gpu-node/src/model/demo-models.ts). */
const DEMO_ROLES = [
  { role: 'target', label: 'Shoal demo (target, 256x4)' },
  { role: 'draft-small', label: 'Shoal demo draft (2 layers)' },
  { role: 'draft-copy', label: 'Shoal demo draft (copy of the target)' },
  { role: 'draft-noisy', label: 'Shoal demo draft (noisy)' }
] as const

/** The demo GGUF models served by the relay; tiny random models, meaningless text. */
export const DEMO_GGUF_MODELS: readonly CatalogModel[] = DEMO_ROLES.map(({ role, label }) => ({
  id: `shoal-demo-v1-${role}-256x4`,
  engine: 'wllama',
  label,
  url: `${MODELS_PATH}shoal-demo-v1-${role}-256x4.gguf`,
  sizeBytes: 0,
  vramMiB: 0,
  requiredFeatures: [],
  lowResource: true,
  demo: true
}))

/** The fields of WebLLM's `ModelRecord` this catalog reads (a structural subset, so tests need no WebLLM). */
export interface WebllmModelRecord {
  model: string
  model_id: string
  model_lib: string
  vram_required_MB?: number
  low_resource_required?: boolean
  required_features?: string[]
  model_type?: number
}

/** WebLLM's `ModelType.LLM` (0): chat models; embedding and vision models are left out. */
const WEBLLM_MODEL_TYPE_LLM = 0

/** WebLLM's prebuilt chat models as catalog entries. */
export function webllmCatalogEntries (records: readonly WebllmModelRecord[]): CatalogModel[] {
  return records
    .filter((record) => (record.model_type ?? WEBLLM_MODEL_TYPE_LLM) === WEBLLM_MODEL_TYPE_LLM)
    .map((record) => ({
      id: record.model_id,
      engine: 'webllm' as const,
      label: record.model_id.replace(/-MLC$/, ''),
      url: record.model,
      modelLibraryUrl: record.model_lib,
      sizeBytes: 0,
      vramMiB: record.vram_required_MB ?? 0,
      requiredFeatures: requiredFeatures(record),
      lowResource: record.low_resource_required ?? false,
      demo: false
    }))
}

/**
 * The WebGPU features a WebLLM model needs. WebLLM's list does not always say:
 * in 0.2.86 many `q4f16_1`/`q0f16` models omit `required_features`, yet every
 * `f16` quantisation runs f16 shaders and fails without `shader-f16`.
 */
function requiredFeatures (record: WebllmModelRecord): string[] {
  const features = new Set(record.required_features ?? [])
  if (/-q\d+f16/.test(record.model_id)) features.add('shader-f16')
  return [...features]
}

/** The URL a model's weights are cached under (absolute, so cache keys do not depend on the page). */
export function modelCacheKey (model: Pick<CatalogModel, 'url'>, origin: string): string {
  return new URL(model.url, origin).href
}

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
  /** `draft`: a model made to draft for a target (the Contribute page offers these). */
  role: 'target' | 'draft'
  /** One of Shoal's own tiny demo models: it writes simple stories, not facts. */
  demo: boolean
}

/**
 * The model a device answers with on the CPU: the demo target, as the relay
 * serves it, under the name the chat shows. Its context is the 512 tokens it
 * declares (it was trained on windows of 256).
 */
export const DEMO_LOCAL_MODEL: EngineModel = { id: 'shoal-demo', url: '/models/shoal-stories-target.gguf', contextLength: 512 }

/** Cache Storage cache holding downloaded model weights (never the service worker's precache). */
export const MODEL_CACHE_NAME = 'shoal-models-v1'

/** Where the relay serves model files. */
export const MODELS_PATH = '/models/'

function demoGgufModel (id: string, role: CatalogModel['role'], label: string): CatalogModel {
  return { id, engine: 'wllama', role, label, url: `${MODELS_PATH}${id}.gguf`, sizeBytes: 0, vramMiB: 0, requiredFeatures: [], lowResource: true, demo: true }
}

/** The draft the Contribute page offers first: the demo pair's draft. */
export const DEFAULT_DRAFT_MODEL: CatalogModel = demoGgufModel('shoal-stories-draft', 'draft', 'Shoal stories draft (2 layers × 128, distilled from the target)')

/**
 * The demo pair the relay serves (committed in demo-models/, see its README):
 * a tiny target trained on simple children's stories and the draft distilled
 * from it, which share a tokenizer. The target comes first: it is the one a
 * device answers with.
 */
export const DEMO_GGUF_MODELS: readonly CatalogModel[] = [
  demoGgufModel('shoal-stories-target', 'target', 'Shoal stories (4 layers × 192, 2.2M parameters)'),
  DEFAULT_DRAFT_MODEL
]

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
      role: 'target' as const,
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

/**
 * A WebLLM prebuilt model declared to share the tokenizer of some verifier
 * models, so a tab with WebGPU can draft for them on the GPU. Declared, not
 * verified: Shoal's tests cannot run WebLLM models (see docs/drafting.md,
 * "A WebLLM drafter").
 */
export interface WebllmDraftPairing {
  /** WebLLM `model_id`s of the draft, preferred first; `-q4f16` builds need `shader-f16`. */
  draftModelIds: readonly string[]
  label: string
  /** Verifier model names (as they announce them, e.g. `Qwen2.5-7B-Instruct-Q4_K_M`) this draft is declared to fit. */
  targets: RegExp
  /**
   * A GGUF of the same tokenizer. MLC builds carry a Hugging Face
   * `tokenizer.json`, not GGUF metadata, so the fingerprint the verifier
   * checks is read from this file's header (range requests, weights never
   * read), exactly as for a wllama draft.
   */
  tokenizerGgufUrl: string
}

/**
 * Every Qwen2.5 Instruct size shares one tokenizer (the same byte-level BPE
 * vocabulary and special tokens), so the smallest drafts for all of them. A
 * verifier whose GGUF was converted with different tokenizer metadata
 * announces another fingerprint and refuses the drafter; the page then
 * waits for a verifier that matches.
 */
export const WEBLLM_DRAFT_PAIRINGS: readonly WebllmDraftPairing[] = [
  {
    draftModelIds: ['Qwen2.5-0.5B-Instruct-q4f16_1-MLC', 'Qwen2.5-0.5B-Instruct-q4f32_1-MLC'],
    label: 'Qwen2.5 0.5B Instruct (WebLLM)',
    targets: /qwen2\.5/i,
    tokenizerGgufUrl: 'https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q8_0.gguf'
  }
]

/** The URL a model's weights are cached under (absolute, so cache keys do not depend on the page). */
export function modelCacheKey (model: Pick<CatalogModel, 'url'>, origin: string): string {
  return new URL(model.url, origin).href
}

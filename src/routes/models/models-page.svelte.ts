import {
  DEMO_GGUF_MODELS,
  MODEL_CACHE_NAME,
  createInferenceEngine,
  detectDevice,
  loadWebllmCatalog,
  modelCacheKey,
  modelUnavailableReason,
  recommendEngine
} from '$lib/inference'
import type { CatalogModel, DeviceReport, EngineRecommendation, InferenceEngine } from '$lib/inference'
import { deleteFromCache, downloadToCache, listCache, WEBLLM_CACHE_NAMES } from './model-cache.ts'
import type { CachedEntry } from './model-cache.ts'

/** A download or load in progress. */
export interface Transfer {
  loaded: number
  total: number
  text?: string
}

/**
 * The Models page's state: this device (WebGPU, memory) and the engine
 * recommended for it, the models cached here, storage use, and the
 * downloads and WebLLM loads under way. `start()` when the page mounts;
 * it returns how to stop (a loaded WebLLM model is freed).
 */
export class ModelsPage {
  device = $state.raw<DeviceReport | undefined>()
  recommendation = $state.raw<EngineRecommendation | undefined>()
  webllmModels = $state.raw<CatalogModel[]>([])
  cached = $state.raw<CachedEntry[]>([])
  estimate = $state.raw<StorageEstimate | undefined>()
  persisted = $state<boolean | undefined>()
  persistMessage = $state('')
  /** Downloads and loads in progress, by model id. */
  transfers = $state<Record<string, Transfer>>({})
  /** The last failure per model id, shown beside it. */
  failures = $state<Record<string, string>>({})
  loadedWebllm = $state<string | undefined>()
  webllmListError = $state('')

  readonly fittingWebllm = $derived(this.webllmModels.filter((model) => this.device !== undefined && modelUnavailableReason(model, this.device) === undefined))
  readonly unfitWebllm = $derived(this.webllmModels.filter((model) => this.device !== undefined && modelUnavailableReason(model, this.device) !== undefined))
  readonly webllmCached = $derived(this.cached.filter((entry) => entry.cache !== MODEL_CACHE_NAME))
  readonly #cachedByUrl = $derived(new Map(this.cached.map((entry) => [entry.url, entry])))

  #webllmEngine: InferenceEngine | undefined

  start (): () => void {
    void this.refresh()
    void (async () => {
      // WebLLM's list lives in its bundle (5.7 MB, too big for the offline precache): load it only
      // here, and carry on with the demo models when it cannot be fetched (offline).
      try {
        this.webllmModels = await loadWebllmCatalog()
      } catch (err) {
        this.webllmListError = `WebLLM's model list could not be loaded (${describeError(err)}); are you offline?`
      }
      this.device = await detectDevice(navigator, { crossOriginIsolated })
      this.recommendation = recommendEngine(this.device, [...DEMO_GGUF_MODELS, ...this.webllmModels])
    })()
    return () => { void this.#webllmEngine?.dispose() }
  }

  async refresh (): Promise<void> {
    const lists = await Promise.all([MODEL_CACHE_NAME, ...WEBLLM_CACHE_NAMES].map(async (name) => listCache(name)))
    this.cached = lists.flat()
    this.estimate = await navigator.storage?.estimate()
    this.persisted = await navigator.storage?.persisted()
  }

  cacheEntry (model: CatalogModel): CachedEntry | undefined {
    return this.#cachedByUrl.get(modelCacheKey(model, location.origin))
  }

  async download (model: CatalogModel): Promise<void> {
    delete this.failures[model.id]
    this.transfers[model.id] = { loaded: 0, total: 0 }
    try {
      await downloadToCache(modelCacheKey(model, location.origin), {
        onProgress: ({ loaded, total }) => { this.transfers[model.id] = { loaded, total } }
      })
    } catch (err) {
      this.failures[model.id] = describeError(err)
    } finally {
      delete this.transfers[model.id]
      await this.refresh()
    }
  }

  async remove (entry: CachedEntry): Promise<void> {
    await deleteFromCache(entry)
    await this.refresh()
  }

  async loadWebllm (model: CatalogModel): Promise<void> {
    delete this.failures[model.id]
    this.transfers[model.id] = { loaded: 0, total: 1, text: 'Checking the model library…' }
    try {
      this.#webllmEngine ??= await createInferenceEngine('webllm')
      await this.#webllmEngine.load({ id: model.id }, {
        onProgress: ({ loaded, total, text }) => { this.transfers[model.id] = { loaded, total, text } }
      })
      this.loadedWebllm = model.id
    } catch (err) {
      this.failures[model.id] = describeError(err)
    } finally {
      delete this.transfers[model.id]
      await this.refresh()
    }
  }

  async keepModels (): Promise<void> {
    if (navigator.storage?.persist === undefined) {
      this.persistMessage = 'This browser cannot keep storage on request.'
      return
    }
    this.persisted = await navigator.storage.persist()
    this.persistMessage = this.persisted
      ? 'Kept: the browser will not evict your models when space runs low.'
      : 'The browser declined (it decides by how much you use this site; installing the app helps). Models may be evicted when space runs low.'
  }
}

function describeError (err: unknown): string {
  if (err instanceof Error) return err.name === 'Error' ? err.message : `${err.name}: ${err.message}`
  return String(err)
}

/// <reference lib="webworker" />
/**
 * WebLLM for drafting, in a dedicated worker of its own (behind comlink):
 * an in-worker `MLCEngine`, driven token by token through its low-level
 * `forwardTokensAndSample` and `resetChat`. Not the chat engine's shared
 * worker: WebLLM's worker API ignores logit processors, and drafting needs
 * one to know the probability of each token it proposes. The page talks to
 * it through `webllm-draft-engine.ts`; nothing else should import this file.
 *
 * Greedy whatever the model's config says: the logit processor keeps only
 * the argmax (and notes its probability) before WebLLM's sampler runs, and
 * the load also turns temperature and penalties off. That costs a copy of
 * the logits to the CPU per token, the price of a probability WebLLM's
 * low-level API does not return.
 *
 * Written against @mlc-ai/web-llm 0.2.86's API; never run on a real WebGPU
 * device by Shoal's tests (see docs/drafting.md, "A WebLLM drafter").
 */
import * as Comlink from 'comlink'
import { MLCEngine, prebuiltAppConfig } from '@mlc-ai/web-llm'
import type { AppConfig, LogitProcessor, ModelRecord } from '@mlc-ai/web-llm'
import { z } from 'zod'
import { InferenceEngineError } from './engine.ts'
import type { TokenWithProbability } from './engine.ts'
import { tokenIdsSchema, webllmDraftLoadRequestSchema } from './webllm-draft-protocol.ts'
import type { WebllmDraftLoadedModel, WebllmDraftWorkerApi } from './webllm-draft-protocol.ts'

/** The fields of `mlc-chat-config.json` drafting needs (WebLLM keeps its parsed copy private). */
const chatConfigSchema = z.object({
  context_window_size: z.number().int(),
  conv_template: z.object({ stop_token_ids: z.array(z.number().int()) })
})

/** Keeps only the argmax and remembers it with its probability (softmax at temperature 1, as wllama reports). */
class GreedyProbe implements LogitProcessor {
  #last: TokenWithProbability | undefined

  /** The argmax of the last logits seen, once. */
  take (): TokenWithProbability | undefined {
    const last = this.#last
    this.#last = undefined
    return last
  }

  processLogits (logits: Float32Array): Float32Array {
    let best = 0
    let max = Number.NEGATIVE_INFINITY
    for (let index = 0; index < logits.length; index++) {
      const logit = logits[index] ?? Number.NEGATIVE_INFINITY
      if (logit > max) {
        max = logit
        best = index
      }
    }
    let sum = 0
    for (const logit of logits) sum += Math.exp(logit - max)
    this.#last = { token: best, probability: 1 / sum }
    // Far below, but finite: WebLLM's penalties and softmax then leave the argmax the only choice.
    const only = new Float32Array(logits.length).fill(max - 1e4)
    only[best] = max
    return only
  }

  processSampledToken (): void {}
  resetState (): void {}
}

let engine: MLCEngine | undefined
let probe: GreedyProbe | undefined
let loaded: WebllmDraftLoadedModel | undefined
/** One call at a time: they share the one KV cache. */
let busy = false

async function exclusive<T> (work: () => Promise<T>): Promise<T> {
  if (busy) throw new InferenceEngineError('EngineBusyError', 'another draft operation is running')
  busy = true
  try {
    return await work()
  } catch (err) {
    if (err instanceof InferenceEngineError) throw err
    throw new InferenceEngineError('InferenceError', err instanceof Error ? err.message : String(err), { cause: err })
  } finally {
    busy = false
  }
}

function requireEngine (): MLCEngine {
  if (engine === undefined || loaded === undefined) throw new InferenceEngineError('EngineNotLoadedError', 'no draft model is loaded')
  return engine
}

/** WebLLM's own rule (`cleanModelUrl`, not exported): a Hugging Face repository URL gets `resolve/main/`. */
function modelBaseUrl (url: string): string {
  const withSlash = url.endsWith('/') ? url : `${url}/`
  return /.+\/resolve\/.+\//.test(withSlash) ? withSlash : `${withSlash}resolve/main/`
}

async function unloadModel (): Promise<void> {
  const current = engine
  engine = undefined
  probe = undefined
  loaded = undefined
  await current?.unload().catch(() => {})
}

const api: WebllmDraftWorkerApi = {
  async load (input, onProgress) {
    const request = webllmDraftLoadRequestSchema.parse(input)
    return await exclusive(async () => {
      await unloadModel()
      if (!('gpu' in navigator)) throw new InferenceEngineError('EngineUnsupportedError', 'this worker has no WebGPU (navigator.gpu is missing)')
      const record: ModelRecord | undefined = request.url !== undefined && request.modelLibraryUrl !== undefined
        ? { model: request.url, model_id: request.id, model_lib: request.modelLibraryUrl }
        : prebuiltAppConfig.model_list.find((entry) => entry.model_id === request.id)
      if (record === undefined) throw new InferenceEngineError('ModelLoadError', `WebLLM knows no model "${request.id}"`)
      const appConfig: AppConfig = { ...prebuiltAppConfig, model_list: [record] }
      const greedy = new GreedyProbe()
      const created = new MLCEngine({
        appConfig,
        logitProcessorRegistry: new Map([[record.model_id, greedy]]),
        initProgressCallback: (report) => { onProgress?.(report.progress, report.text) }
      })
      try {
        await created.reload(record.model_id, {
          context_window_size: request.contextLength,
          temperature: 0,
          top_p: 1,
          repetition_penalty: 1,
          frequency_penalty: 0,
          presence_penalty: 0
        })
        const response = await fetch(new URL('mlc-chat-config.json', modelBaseUrl(record.model)))
        if (!response.ok) throw new Error(`mlc-chat-config.json: HTTP ${response.status}`)
        const config = chatConfigSchema.parse(await response.json())
        engine = created
        probe = greedy
        loaded = {
          id: record.model_id,
          contextLength: Math.min(request.contextLength, config.context_window_size > 0 ? config.context_window_size : request.contextLength),
          endOfGeneration: config.conv_template.stop_token_ids
        }
        return loaded
      } catch (err) {
        await created.unload().catch(() => {})
        throw new InferenceEngineError('ModelLoadError', `WebLLM could not load ${request.id}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
      }
    })
  },

  async forwardTokensAndSample (input, isPrefill) {
    const tokens = tokenIdsSchema.parse(input)
    return await exclusive(async () => {
      const model = requireEngine()
      const greedy = probe
      if (greedy === undefined) throw new InferenceEngineError('EngineNotLoadedError', 'no draft model is loaded')
      greedy.take()
      const token = await model.forwardTokensAndSample([...tokens], isPrefill === true)
      const seen = greedy.take()
      // The probe saw these logits; a different token means WebLLM sampled past it (a grammar, a bias): say so, don't draft it.
      if (seen === undefined || seen.token !== token) {
        throw new InferenceEngineError('InferenceError', `WebLLM sampled token ${token}, not the greedy ${seen?.token ?? 'unknown'}`)
      }
      return seen
    })
  },

  async resetChat () {
    await exclusive(async () => { await requireEngine().resetChat() })
  },

  async unload () {
    await exclusive(unloadModel)
  }
}

Comlink.expose(api)

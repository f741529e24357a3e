/**
 * The WebLLM draft engine: a draft model on WebGPU, in a dedicated worker
 * (`webllm-draft.worker.ts`), as a {@link DraftEngine}. WebLLM can only
 * go forward (`forwardTokensAndSample`) or forget everything
 * (`resetChat`), so rewinds go through {@link ReprefillDraftEngine}: the
 * kept prefix is prefilled again on the next call.
 *
 * Written against @mlc-ai/web-llm 0.2.86's real API; untested on a real
 * WebGPU device (Shoal's test machines cannot run WebLLM models). The
 * adapter's logic is tested with a stand-in core, and over a real model in
 * Node (`tests/integration/reprefill-drafting.spec.ts`).
 *
 * @example
 * ```ts
 * const engine = createWebllmDraftEngine()
 * await engine.load({ id: 'Qwen2.5-0.5B-Instruct-q4f16_1-MLC', contextLength: 2048 })
 * const drafter = new Drafter({ engine, transport, model: engine.model.id, tokenizerFingerprint, contextLength: engine.model.contextLength })
 * ```
 */
import * as Comlink from 'comlink'
import { InferenceEngineError, inferenceErrorFrom } from './engine.ts'
import type { EngineModel, LoadOptions, TokenWithProbability } from './engine.ts'
import { ReprefillDraftEngine } from '../drafting/reprefill-draft-engine.ts'
import type { ReprefillStats } from '../drafting/reprefill-draft-engine.ts'
import type { DraftEngine } from '../drafting/drafter.ts'
import type { WebllmDraftWorkerApi } from './webllm-draft-protocol.ts'

export interface WebllmDraftEngineInit {
  /** @default a module worker from `webllm-draft.worker.ts` */
  createWorker?: () => Worker
}

export interface WebllmDraftEngine extends DraftEngine {
  readonly kind: 'webllm'
  /** The loaded model, with the context it holds. */
  readonly model: EngineModel | undefined
  /** Forward calls and re-prefills so far (what rewinds cost). */
  readonly stats: ReprefillStats
  load: (model: EngineModel, options?: LoadOptions) => Promise<void>
  /** Terminates the worker (frees the GPU memory); pending calls reject with `EngineDisposedError`. */
  dispose: () => Promise<void>
}

/** A draft needs little context, and its KV cache is GPU memory. */
const DEFAULT_CONTEXT_LENGTH = 2048

export function createWebllmDraftEngine (init: WebllmDraftEngineInit = {}): WebllmDraftEngine {
  const worker = (init.createWorker ?? (() => new Worker(new URL('./webllm-draft.worker.ts', import.meta.url), { type: 'module', name: 'shoal-webllm-draft' })))()
  const remote = Comlink.wrap<WebllmDraftWorkerApi>(worker)
  let model: EngineModel | undefined
  let drafting: ReprefillDraftEngine | undefined
  let disposed = false
  let rejectGone: (err: Error) => void = () => {}
  const gone = new Promise<never>((_resolve, reject) => { rejectGone = reject })
  gone.catch(() => {}) // observed by whoever races it
  worker.addEventListener('error', (event) => {
    event.preventDefault()
    stop(new InferenceEngineError('EngineDisposedError', `the WebLLM draft worker died: ${event.message}`))
  })

  function stop (reason: Error): void {
    disposed = true
    worker.terminate()
    rejectGone(reason)
    model = undefined
    drafting = undefined
  }

  async function call<T> (run: () => Promise<T>): Promise<T> {
    if (disposed) throw new InferenceEngineError('EngineDisposedError', 'the engine was disposed')
    try {
      return await Promise.race([run(), gone])
    } catch (err) {
      throw inferenceErrorFrom(err)
    }
  }

  function requireLoaded (): ReprefillDraftEngine {
    if (disposed) throw new InferenceEngineError('EngineDisposedError', 'the engine was disposed')
    if (drafting === undefined) throw new InferenceEngineError('EngineNotLoadedError', 'no draft model is loaded')
    return drafting
  }

  return {
    kind: 'webllm',
    get model () { return model },
    get stats () { return drafting?.stats ?? { forwards: 0, reprefills: 0, reprefilledTokens: 0 } },

    async load (next: EngineModel, options: LoadOptions = {}): Promise<void> {
      const { signal, onProgress } = options
      signal?.throwIfAborted()
      model = undefined
      drafting = undefined
      const progress = onProgress === undefined
        ? undefined
        : Comlink.proxy((fraction: number, text: string) => { onProgress({ loaded: fraction, total: 1, text }) })
      // WebLLM's load cannot be cancelled: an abort stops waiting for it, and the worker goes with it.
      let onAbort = (): void => {}
      const aborted = new Promise<never>((_resolve, reject) => {
        onAbort = () => {
          stop(new InferenceEngineError('EngineDisposedError', 'the load was aborted'))
          reject(signal?.reason ?? new DOMException('the load was aborted', 'AbortError'))
        }
      })
      aborted.catch(() => {})
      signal?.addEventListener('abort', onAbort, { once: true })
      let loaded
      try {
        loaded = await Promise.race([call(async () => await remote.load({
          id: next.id,
          ...(next.url === undefined ? {} : { url: next.url }),
          ...(next.modelLibraryUrl === undefined ? {} : { modelLibraryUrl: next.modelLibraryUrl }),
          contextLength: next.contextLength ?? DEFAULT_CONTEXT_LENGTH
        }, progress)), aborted])
      } finally {
        signal?.removeEventListener('abort', onAbort)
      }
      const endOfGeneration = new Set(loaded.endOfGeneration)
      drafting = new ReprefillDraftEngine({
        core: {
          forwardTokensAndSample: async (tokens: readonly number[], isPrefill: boolean): Promise<TokenWithProbability> => await call(async () => await remote.forwardTokensAndSample([...tokens], isPrefill)),
          resetChat: async () => { await call(async () => { await remote.resetChat() }) }
        },
        isEndOfGeneration: (token) => endOfGeneration.has(token)
      })
      model = { ...next, contextLength: loaded.contextLength }
    },

    async evaluate (tokens, options) { return await requireLoaded().evaluate(tokens, options) },
    async generateGreedy (count, options) { return await requireLoaded().generateGreedy(count, options) },
    async rewind (position) { return await requireLoaded().rewind(position) },

    async dispose (): Promise<void> {
      if (disposed) return
      stop(new InferenceEngineError('EngineDisposedError', 'the engine was disposed'))
    }
  }
}

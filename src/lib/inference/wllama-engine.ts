/**
 * The wllama engine: llama.cpp (WebAssembly, CPU) in a dedicated worker
 * (`wllama.worker.ts`), behind the shared {@link InferenceEngine} interface.
 * Multi-threaded when the page is cross-origin isolated (the relay sends
 * COOP/COEP), single-threaded otherwise. Loads GGUF files (the relay serves
 * the demo models at `/models/<file>.gguf`) and keeps them in Cache Storage
 * so they load again offline.
 *
 * `dispose()` terminates the worker: whatever runs rejects at once with
 * `EngineDisposedError` (a chat keeps the deltas it already yielded). A
 * worker that dies on its own (out of memory, a wasm abort) is treated the
 * same way.
 *
 * @example
 * ```ts
 * const engine = createWllamaEngine()
 * await engine.load({ id: 'shoal-demo', url: '/models/shoal-stories-target.gguf' })
 * for await (const text of engine.chat([{ role: 'user', content: 'Hi' }], { maxTokens: 32, temperature: 0 })) console.log(text)
 * ```
 */
import * as Comlink from 'comlink'
import { InferenceEngineError, inferenceErrorFrom } from './engine.ts'
import type { ChatCompletionOptions, ChatMessage, EngineCapabilities, EngineModel, InferenceEngine, LoadOptions, TokenWithProbability } from './engine.ts'
import type { WllamaChatResult, WllamaLoadedModel, WllamaWorkerApi } from './wllama-protocol.ts'

export interface WllamaEngineInit {
  /**
   * Starts the worker (a seam for tests).
   *
   * @default a module worker from `wllama.worker.ts`
   */
  createWorker?: () => Worker
}

export interface WllamaEngine extends InferenceEngine {
  readonly kind: 'wllama'
  /** Details of the loaded model (threads, context), once loaded. */
  readonly loaded: WllamaLoadedModel | undefined
}

let operationCounter = 0

function nextOperationId (): string {
  operationCounter++
  return `op-${operationCounter}-${Math.random().toString(36).slice(2, 8)}`
}

function abortReason (signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('the operation was cancelled', 'AbortError')
}

export function createWllamaEngine (init: WllamaEngineInit = {}): WllamaEngine {
  const createWorker = init.createWorker ?? (() => new Worker(new URL('./wllama.worker.ts', import.meta.url), { type: 'module', name: 'shoal-wllama' }))
  let worker: Worker | undefined
  let remote: Comlink.Remote<WllamaWorkerApi> | undefined
  let disposed = false
  let model: EngineModel | undefined
  let loaded: WllamaLoadedModel | undefined
  /** Rejects every pending call when the worker is terminated or dies. */
  let workerGone: { promise: Promise<never>, reject: (err: Error) => void } | undefined

  function start (): Comlink.Remote<WllamaWorkerApi> {
    if (disposed) {
      throw new InferenceEngineError('EngineDisposedError', 'the engine was disposed')
    }
    if (remote !== undefined) {
      return remote
    }
    const created = createWorker()
    let reject: (err: Error) => void = () => {}
    const promise = new Promise<never>((_resolve, rejectGone) => { reject = rejectGone })
    promise.catch(() => {}) // observed by whoever races it
    workerGone = { promise, reject }
    created.addEventListener('error', (event) => {
      event.preventDefault()
      stop(new InferenceEngineError('EngineDisposedError', `the inference worker died: ${event.message}`))
    })
    worker = created
    remote = Comlink.wrap<WllamaWorkerApi>(created)
    return remote
  }

  function stop (reason: Error): void {
    worker?.terminate()
    workerGone?.reject(reason)
    worker = undefined
    remote = undefined
    workerGone = undefined
    model = undefined
    loaded = undefined
  }

  /** Runs a worker call; rejects with the worker's named error, or at once if the worker goes away. */
  async function call<T> (run: (api: Comlink.Remote<WllamaWorkerApi>) => Promise<T>): Promise<T> {
    const api = start()
    const gone = workerGone?.promise
    try {
      return await (gone === undefined ? run(api) : Promise.race([run(api), gone]))
    } catch (err) {
      throw inferenceErrorFrom(err)
    }
  }

  /** Forwards an abort signal to the worker as `cancel(operationId)`. */
  function forwardAbort (signal: AbortSignal | undefined, operationId: string): () => void {
    if (signal === undefined) {
      return () => {}
    }
    const onAbort = (): void => { void remote?.cancel(operationId) }
    signal.addEventListener('abort', onAbort, { once: true })
    return () => { signal.removeEventListener('abort', onAbort) }
  }

  function requireLoaded (): void {
    if (disposed) throw new InferenceEngineError('EngineDisposedError', 'the engine was disposed')
    if (loaded === undefined) throw new InferenceEngineError('EngineNotLoadedError', 'no model is loaded')
  }

  const engine: WllamaEngine = {
    kind: 'wllama',
    get capabilities (): EngineCapabilities {
      return { tokens: true, backend: 'wasm', multiThreaded: loaded?.multiThreaded ?? globalThis.crossOriginIsolated }
    },
    get model () { return model },
    get loaded () { return loaded },

    async load (next: EngineModel, options: LoadOptions = {}): Promise<void> {
      const { signal, onProgress } = options
      signal?.throwIfAborted()
      if (next.url === undefined) {
        throw new InferenceEngineError('ModelLoadError', `no GGUF URL for ${next.id}`)
      }
      const url = new URL(next.url, globalThis.location?.href).href
      const operationId = nextOperationId()
      const release = forwardAbort(signal, operationId)
      model = undefined
      loaded = undefined
      try {
        const progress = onProgress === undefined
          ? undefined
          : Comlink.proxy((bytes: number, total: number) => { onProgress({ loaded: bytes, total, text: 'downloading' }) })
        loaded = await call(async (api) => await api.load({
          operationId,
          id: next.id,
          url,
          ...(next.contextLength === undefined ? {} : { contextLength: next.contextLength }),
          ...(next.threads === undefined ? {} : { threads: next.threads })
        }, progress))
        // The context it holds, which may be less than asked (a model trained for less): what the chat plans with.
        model = { ...next, contextLength: loaded.contextLength }
      } catch (err) {
        if (signal?.aborted === true) throw abortReason(signal)
        throw err
      } finally {
        release()
      }
    },

    chat (messages: readonly ChatMessage[], options: ChatCompletionOptions): AsyncIterable<string> {
      return {
        [Symbol.asyncIterator]: () => chatIterator(messages, options)
      }
    },

    async tokenize (text: string, options: { special?: boolean } = {}): Promise<number[]> {
      requireLoaded()
      return await call(async (api) => await api.tokenize(text, options.special ?? true))
    },

    async detokenize (tokens: readonly number[]): Promise<string> {
      requireLoaded()
      return await call(async (api) => await api.detokenize([...tokens]))
    },

    async evaluate (tokens: readonly number[], options: { signal?: AbortSignal } = {}): Promise<number> {
      requireLoaded()
      options.signal?.throwIfAborted()
      return await call(async (api) => await api.evaluate([...tokens]))
    },

    async generateGreedy (count: number, options: { signal?: AbortSignal } = {}): Promise<TokenWithProbability[]> {
      requireLoaded()
      const { signal } = options
      signal?.throwIfAborted()
      const operationId = nextOperationId()
      const release = forwardAbort(signal, operationId)
      try {
        return await call(async (api) => await api.generateGreedy(count, operationId))
      } catch (err) {
        if (signal?.aborted === true) throw abortReason(signal)
        throw err
      } finally {
        release()
      }
    },

    async rewind (position: number): Promise<number> {
      requireLoaded()
      return await call(async (api) => await api.rewind(position))
    },

    async contextLength (): Promise<number> {
      requireLoaded()
      return await call(async (api) => await api.contextLength())
    },

    async unload (): Promise<void> {
      if (remote === undefined) return
      model = undefined
      loaded = undefined
      await call(async (api) => { await api.unload() })
    },

    async dispose (): Promise<void> {
      if (disposed) return
      disposed = true
      stop(new InferenceEngineError('EngineDisposedError', 'the engine was disposed'))
    }
  }

  /** Turns the worker's delta callbacks into an async iterator of text. */
  function chatIterator (messages: readonly ChatMessage[], options: ChatCompletionOptions): AsyncIterator<string> {
    const queue: string[] = []
    let finished = false
    let failure: unknown
    let wake: (() => void) | undefined
    const notify = (): void => { wake?.(); wake = undefined }
    const { signal } = options
    const operationId = nextOperationId()
    let begun = false

    const begin = (): void => {
      begun = true
      const release = forwardAbort(signal, operationId)
      const onDelta = Comlink.proxy(async (text: string) => { queue.push(text); notify() })
      call(async (api) => await api.chat({
        operationId,
        messages: messages.map(({ role, content }) => ({ role, content })),
        maxTokens: options.maxTokens,
        temperature: options.temperature ?? 0,
        topP: options.topP ?? 1,
        stop: options.stop ?? []
      }, onDelta)).then((result: WllamaChatResult) => {
        options.onDone?.(result)
      }, (err: unknown) => {
        failure = signal?.aborted === true ? abortReason(signal) : err
      }).finally(() => {
        release()
        finished = true
        notify()
      })
    }

    return {
      async next (): Promise<IteratorResult<string>> {
        if (!begun) {
          requireLoaded()
          signal?.throwIfAborted()
          begin()
        }
        while (true) {
          const text = queue.shift()
          if (text !== undefined) return { value: text, done: false }
          if (finished) {
            if (failure !== undefined) {
              const err = failure
              failure = undefined
              throw err
            }
            return { value: undefined, done: true }
          }
          await new Promise<void>((resolve) => { wake = resolve })
        }
      },
      async return (): Promise<IteratorResult<string>> {
        // The consumer stopped reading (break): stop generating too.
        if (begun && !finished) void remote?.cancel(operationId)
        return { value: undefined, done: true }
      }
    }
  }

  return engine
}

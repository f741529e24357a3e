/**
 * The WebLLM engine: MLC's WebGPU runtime (`@mlc-ai/web-llm`), hosted in a
 * SharedWorker (webllm-engine.worker.ts) so every tab of the origin shares
 * one loaded model, behind Shoal's {@link InferenceEngine} interface.
 *
 * What it adds to WebLLM:
 * - fails fast and in words: no WebGPU → `EngineUnsupportedError`; a model
 *   library (`.wasm`) that cannot be fetched, a load that stalls, or an
 *   unknown model → `ModelLoadError` (WebLLM itself would wait forever);
 * - a heartbeat: the page pings the worker; when it stops answering (the
 *   worker crashed or was killed) pending calls reject with
 *   `EngineDisposedError`, a fresh worker is started and the model reloaded;
 * - `AbortSignal` on load and chat (WebLLM has none).
 *
 * WebLLM offers no public tokenizer or KV-cache rollback through its worker
 * API, so `capabilities.tokens` is false and the token methods throw
 * `EngineUnsupportedError`. Drafting on WebGPU has an engine of its own
 * (`webllm-draft-engine.ts`), over WebLLM's in-worker `forwardTokensAndSample`.
 *
 * @example
 * ```ts
 * const engine = createWebllmEngine()
 * await engine.load({ id: 'Qwen2.5-0.5B-Instruct-q4f16_1-MLC' }, { onProgress: (p) => { console.log(p.text) } })
 * for await (const text of engine.chat([{ role: 'user', content: 'Hi' }], { maxTokens: 32 })) console.log(text)
 * await engine.dispose()
 * ```
 */
import { WebWorkerMLCEngine, prebuiltAppConfig } from '@mlc-ai/web-llm'
import type { AppConfig, ChatCompletionMessageParam, InitProgressReport, ModelRecord } from '@mlc-ai/web-llm'
import { InferenceEngineError } from './engine.ts'
import type { ChatCompletionOptions, ChatMessage, EngineCapabilities, EngineModel, InferenceEngine, LoadOptions } from './engine.ts'
import { WEBLLM_BYE, WEBLLM_PING, webllmPongSchema } from './webllm-messages.ts'
import type { WebllmPong } from './webllm-messages.ts'

export interface WebllmEngineInit {
  /**
   * How long fetching the model library may take before the load fails
   * (WebLLM needs it before anything else).
   *
   * @default 15000
   */
  libraryDeadlineMs?: number
  /**
   * A load fails when WebLLM reports no progress for this long (a stalled
   * download or shader compilation), however large the model.
   *
   * @default 60000
   */
  stallDeadlineMs?: number
  /** @default 2000 */
  heartbeatIntervalMs?: number
  /**
   * The worker counts as lost after this long without a pong. Generous:
   * shader compilation can block the worker's event loop for seconds.
   *
   * @default 20000
   */
  heartbeatDeadlineMs?: number
  /** Models beyond WebLLM's prebuilt list. @default prebuiltAppConfig */
  appConfig?: AppConfig
  /** Starts the worker; tests and hosts without SharedWorker may pass their own. @default the shared worker */
  connect?: () => WorkerConnection
}

/** A message channel to a worker running webllm-engine.worker.ts. */
export interface WorkerConnection {
  postMessage: (message: unknown) => void
  /** Set by the engine: every message from the worker. */
  onmessage: ((event: MessageEvent) => void) | null
  /** Fires when the worker fails to start or crashes. */
  onerror: (listener: (reason: string) => void) => void
  close: () => void
}

const WORKER_NAME = 'shoal-webllm'

/** Connects to the SharedWorker (one per origin), or a dedicated Worker where SharedWorker is missing. */
export function connectWebllmWorker (preferDedicated = false): WorkerConnection {
  if (!preferDedicated && typeof SharedWorker === 'function') {
    const worker = new SharedWorker(new URL('./webllm-engine.worker.ts', import.meta.url), { type: 'module', name: WORKER_NAME })
    const port = worker.port
    const connection: WorkerConnection = {
      postMessage: (message) => { port.postMessage(message) },
      onmessage: null,
      onerror: (listener) => { worker.addEventListener('error', () => { listener('the shared WebLLM worker failed') }) },
      close: () => { port.postMessage({ kind: WEBLLM_BYE }); port.close() }
    }
    port.addEventListener('message', (event) => { connection.onmessage?.(event) })
    port.start()
    return connection
  }
  const worker = new Worker(new URL('./webllm-engine.worker.ts', import.meta.url), { type: 'module', name: WORKER_NAME })
  const connection: WorkerConnection = {
    postMessage: (message) => { worker.postMessage(message) },
    onmessage: null,
    onerror: (listener) => { worker.addEventListener('error', (event) => { listener(event.message || 'the WebLLM worker failed') }) },
    close: () => { worker.terminate() }
  }
  worker.addEventListener('message', (event) => { connection.onmessage?.(event) })
  return connection
}

/** Turns anything WebLLM threw (often a plain string from the worker) into a named error. */
function loadError (model: string, err: unknown): Error {
  if (err instanceof InferenceEngineError || (err instanceof DOMException && err.name === 'AbortError')) return err
  const text = err instanceof Error ? err.message : String(err)
  if (/webgpu|gpu adapter|navigator\.gpu/i.test(text) && !/fetch/i.test(text)) {
    return new InferenceEngineError('EngineUnsupportedError', `WebLLM cannot use WebGPU here: ${text}`, { cause: err })
  }
  if (/shader-f16|f16/i.test(text)) {
    return new InferenceEngineError('EngineUnsupportedError', `${model} needs the WebGPU feature shader-f16, which this GPU lacks: ${text}`, { cause: err })
  }
  if (/CompileError|WebAssembly/.test(text)) {
    return new InferenceEngineError('ModelLoadError', `The model library for ${model} is not a WebAssembly module WebLLM can run (${text}); it must be compiled by MLC's toolchain for this WebLLM version.`, { cause: err })
  }
  if (/Failed to fetch|NetworkError|network/i.test(text)) {
    return new InferenceEngineError('ModelLoadError', `WebLLM could not download the files of ${model} (chat config, tokenizer or weights): ${text}. Check the connection, or that the model's host is reachable.`, { cause: err })
  }
  return new InferenceEngineError('ModelLoadError', `WebLLM could not load ${model}: ${text}`, { cause: err })
}

/** The WebLLM model record for `model`: from the app config, or built from its URLs. */
export function webllmModelRecord (model: EngineModel, appConfig: AppConfig): ModelRecord {
  if (model.url !== undefined && model.modelLibraryUrl !== undefined) {
    return { model: model.url, model_id: model.id, model_lib: model.modelLibraryUrl }
  }
  const record = appConfig.model_list.find((entry) => entry.model_id === model.id)
  if (record === undefined) {
    throw new InferenceEngineError('ModelLoadError', `WebLLM knows no model "${model.id}" (not in its prebuilt list; pass url and modelLibraryUrl for a custom one).`)
  }
  return record
}

/**
 * Fetches the start of the model library to prove it is reachable, within
 * `deadlineMs`. WebLLM fetches it only after the config and would otherwise
 * retry or wait without end when the network drops the request.
 */
export async function checkModelLibrary (modelId: string, url: string, deadlineMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = AbortSignal.timeout(deadlineMs)
  const combined = signal === undefined ? deadline : AbortSignal.any([signal, deadline])
  let response: Response
  try {
    response = await fetch(url, { method: 'GET', headers: { Range: 'bytes=0-3' }, signal: combined, cache: 'no-store' })
  } catch (err) {
    if (signal?.aborted === true) throw new DOMException('The load was aborted', 'AbortError')
    const why = deadline.aborted ? `no answer within ${Math.round(deadlineMs / 1000)} s` : (err instanceof Error ? err.message : String(err))
    throw new InferenceEngineError('ModelLoadError', `The WebLLM model library for ${modelId} could not be fetched from ${url} (${why}). Every WebLLM model needs its TVM-compiled library (.wasm); without it the model cannot run.`, { cause: err })
  }
  await response.body?.cancel()
  if (!response.ok) {
    throw new InferenceEngineError('ModelLoadError', `The WebLLM model library for ${modelId} is missing: ${url} answered HTTP ${response.status}. Every WebLLM model needs its TVM-compiled library (.wasm).`)
  }
}

async function webGpuProblem (): Promise<string | undefined> {
  if (!('gpu' in navigator)) return 'this browser has no WebGPU (navigator.gpu is missing, or the page is not a secure context)'
  const adapter = await Promise.race([
    navigator.gpu.requestAdapter(),
    new Promise<'timeout'>((resolve) => { setTimeout(() => { resolve('timeout') }, 5_000) })
  ])
  if (adapter === 'timeout') return 'the WebGPU adapter did not answer within 5 s'
  if (adapter === null) return 'WebGPU offers no adapter on this device'
  return undefined
}

function toWebllmMessages (messages: readonly ChatMessage[]): ChatCompletionMessageParam[] {
  return messages.map((message): ChatCompletionMessageParam => {
    switch (message.role) {
      case 'system': return { role: 'system', content: message.content }
      case 'user': return { role: 'user', content: message.content }
      case 'assistant': return { role: 'assistant', content: message.content }
    }
  })
}

class WebllmEngine implements InferenceEngine {
  readonly kind = 'webllm'
  readonly capabilities: EngineCapabilities = { tokens: false, backend: 'webgpu' }
  readonly #init: Required<Omit<WebllmEngineInit, 'connect'>> & { connect: WebllmEngineInit['connect'] }
  #connection: WorkerConnection | undefined
  #engine: WebWorkerMLCEngine | undefined
  #model: EngineModel | undefined
  #busy = false
  #disposed = false
  /** Rejects when the current worker is lost; every call races against it. */
  #lost: Promise<never> = new Promise<never>(() => {})
  #loseWorker: (error: Error) => void = () => {}
  #heartbeat: ReturnType<typeof setInterval> | undefined
  #lastPong = 0
  #pingId = 0
  #progressListener: ((report: InitProgressReport) => void) | undefined
  /** The current worker's first pong: whether it has WebGPU. */
  #firstPong: Promise<WebllmPong> = new Promise<WebllmPong>(() => {})
  #resolveFirstPong: (pong: WebllmPong) => void = () => {}
  /** Use a dedicated Worker: the shared one has no WebGPU in this browser. */
  #dedicated = false

  constructor (init: WebllmEngineInit) {
    this.#init = {
      libraryDeadlineMs: init.libraryDeadlineMs ?? 15_000,
      stallDeadlineMs: init.stallDeadlineMs ?? 60_000,
      heartbeatIntervalMs: init.heartbeatIntervalMs ?? 2_000,
      heartbeatDeadlineMs: init.heartbeatDeadlineMs ?? 20_000,
      appConfig: init.appConfig ?? prebuiltAppConfig,
      connect: init.connect
    }
  }

  get model (): EngineModel | undefined {
    return this.#model
  }

  /** Starts (or joins) the worker and the heartbeat. */
  #ensureWorker (): WebWorkerMLCEngine {
    if (this.#disposed) throw new InferenceEngineError('EngineDisposedError', 'The WebLLM engine was disposed.')
    if (this.#engine !== undefined) return this.#engine
    const connection = this.#init.connect?.() ?? connectWebllmWorker(this.#dedicated)
    this.#firstPong = new Promise<WebllmPong>((resolve) => { this.#resolveFirstPong = resolve })
    const engine = new WebWorkerMLCEngine(connection, {
      appConfig: this.#init.appConfig,
      initProgressCallback: (report) => { this.#progressListener?.(report) }
    })
    // WebWorkerMLCEngine set connection.onmessage; let Shoal's pongs through first.
    const webllmOnMessage = connection.onmessage
    connection.onmessage = (event) => {
      const pong = webllmPongSchema.safeParse(event.data)
      if (pong.success) {
        this.#onPong(pong.data)
        return
      }
      webllmOnMessage?.(event)
    }
    this.#lost = new Promise<never>((_resolve, reject) => { this.#loseWorker = reject })
    this.#lost.catch(() => {})
    connection.onerror((reason) => { this.#workerLost(reason) })
    this.#connection = connection
    this.#engine = engine
    this.#lastPong = Date.now()
    this.#heartbeat = setInterval(() => { this.#beat() }, this.#init.heartbeatIntervalMs)
    this.#beat()
    return engine
  }

  #beat (): void {
    if (Date.now() - this.#lastPong > this.#init.heartbeatDeadlineMs) {
      this.#workerLost(`no heartbeat for ${Math.round(this.#init.heartbeatDeadlineMs / 1000)} s`)
      return
    }
    this.#connection?.postMessage({ kind: WEBLLM_PING, id: ++this.#pingId })
  }

  #onPong (pong: WebllmPong): void {
    this.#lastPong = Date.now()
    this.#resolveFirstPong(pong)
  }

  /**
   * A worker with WebGPU: the shared one, or a dedicated one where the
   * browser exposes WebGPU to dedicated workers only.
   */
  async #workerWithWebGpu (): Promise<WebWorkerMLCEngine> {
    let engine = this.#ensureWorker()
    let pong = await this.#guarded(this.#firstPong)
    if (!pong.webgpu && !this.#dedicated && this.#init.connect === undefined) {
      this.#stopWorker()
      this.#dedicated = true
      engine = this.#ensureWorker()
      pong = await this.#guarded(this.#firstPong)
    }
    if (!pong.webgpu) {
      throw new InferenceEngineError('EngineUnsupportedError', 'WebLLM needs WebGPU inside a worker, and this browser offers WebGPU to pages only.')
    }
    return engine
  }

  /** The worker died: fail what is pending, start afresh, and reload the model in the background. */
  #workerLost (reason: string): void {
    this.#stopWorker()
    this.#loseWorker(new InferenceEngineError('EngineDisposedError', `The WebLLM worker was lost (${reason}).`))
    const model = this.#model
    this.#model = undefined
    if (model !== undefined && !this.#disposed) {
      this.load(model).catch(() => {})
    }
  }

  #stopWorker (): void {
    clearInterval(this.#heartbeat)
    this.#heartbeat = undefined
    this.#connection?.close()
    this.#connection = undefined
    this.#engine = undefined
  }

  async #guarded<T> (operation: Promise<T>): Promise<T> {
    return Promise.race([operation, this.#lost])
  }

  async load (model: EngineModel, options: LoadOptions = {}): Promise<void> {
    const { signal } = options
    signal?.throwIfAborted()
    const gpuProblem = await webGpuProblem()
    if (gpuProblem !== undefined) {
      throw new InferenceEngineError('EngineUnsupportedError', `WebLLM needs WebGPU: ${gpuProblem}.`)
    }
    const record = webllmModelRecord(model, this.#init.appConfig)
    await checkModelLibrary(model.id, record.model_lib, this.#init.libraryDeadlineMs, signal)
    const appConfig: AppConfig = { ...this.#init.appConfig, model_list: [record, ...this.#init.appConfig.model_list.filter((entry) => entry.model_id !== record.model_id)] }
    const engine = await this.#workerWithWebGpu()
    engine.setAppConfig(appConfig)
    this.#model = undefined

    let stallTimer: ReturnType<typeof setTimeout> | undefined
    let failLoad: (error: Error) => void = () => {}
    const failed = new Promise<never>((_resolve, reject) => { failLoad = reject })
    const armStallTimer = (): void => {
      clearTimeout(stallTimer)
      stallTimer = setTimeout(() => {
        failLoad(new InferenceEngineError('ModelLoadError', `Loading ${model.id} stalled: WebLLM reported no progress for ${Math.round(this.#init.stallDeadlineMs / 1000)} s.`))
      }, this.#init.stallDeadlineMs)
    }
    const onAbort = (): void => { failLoad(new DOMException('The load was aborted', 'AbortError')) }
    signal?.addEventListener('abort', onAbort, { once: true })
    this.#progressListener = (report) => {
      armStallTimer()
      options.onProgress?.({ loaded: report.progress, total: 1, text: report.text })
    }
    armStallTimer()
    try {
      const contextWindow = model.contextLength === undefined ? undefined : { context_window_size: model.contextLength }
      await this.#guarded(Promise.race([engine.reload(model.id, contextWindow), failed]))
      this.#model = model
    } catch (err) {
      // WebLLM cannot cancel a reload: drop whatever it half-loaded.
      engine.unload().catch(() => {})
      throw loadError(model.id, err)
    } finally {
      clearTimeout(stallTimer)
      signal?.removeEventListener('abort', onAbort)
      this.#progressListener = undefined
    }
  }

  chat (messages: readonly ChatMessage[], options: ChatCompletionOptions): AsyncIterable<string> {
    return this.#chat(messages, options)
  }

  async * #chat (messages: readonly ChatMessage[], options: ChatCompletionOptions): AsyncGenerator<string> {
    const engine = this.#engine
    if (engine === undefined || this.#model === undefined) {
      throw new InferenceEngineError('EngineNotLoadedError', 'No WebLLM model is loaded.')
    }
    if (this.#busy) throw new InferenceEngineError('EngineBusyError', 'The WebLLM engine is already answering.')
    const { signal } = options
    signal?.throwIfAborted()
    this.#busy = true
    const onAbort = (): void => { engine.interruptGenerate() }
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const chunks = await this.#guarded(engine.chat.completions.create({
        messages: toWebllmMessages(messages),
        stream: true,
        max_tokens: options.maxTokens,
        temperature: options.temperature ?? 0,
        top_p: options.topP ?? 1,
        seed: options.seed,
        stop: options.stop
      }))
      const iterator = chunks[Symbol.asyncIterator]()
      for (;;) {
        const next = await this.#guarded(iterator.next())
        if (next.done === true) break
        signal?.throwIfAborted()
        const text = next.value.choices[0]?.delta.content
        if (typeof text === 'string' && text.length > 0) yield text
      }
      signal?.throwIfAborted()
    } catch (err) {
      if (signal?.aborted === true) throw new DOMException('The answer was stopped', 'AbortError')
      if (err instanceof InferenceEngineError) throw err
      throw new InferenceEngineError('InferenceError', `WebLLM failed while answering: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
    } finally {
      signal?.removeEventListener('abort', onAbort)
      this.#busy = false
    }
  }

  async #unsupported (): Promise<never> {
    throw new InferenceEngineError('EngineUnsupportedError', 'WebLLM offers no token-level API through its worker (no tokenizer access, no KV-cache rollback); use wllama for drafting.')
  }

  async tokenize (): Promise<number[]> { return this.#unsupported() }
  async detokenize (): Promise<string> { return this.#unsupported() }
  async evaluate (): Promise<number> { return this.#unsupported() }
  async generateGreedy (): Promise<never> { return this.#unsupported() }
  async rewind (): Promise<number> { return this.#unsupported() }
  async contextLength (): Promise<number> { return this.#unsupported() }

  async unload (): Promise<void> {
    const engine = this.#engine
    this.#model = undefined
    if (engine !== undefined) await this.#guarded(engine.unload())
  }

  async dispose (): Promise<void> {
    if (this.#disposed) return
    this.#disposed = true
    this.#model = undefined
    this.#stopWorker()
    this.#loseWorker(new InferenceEngineError('EngineDisposedError', 'The WebLLM engine was disposed.'))
  }
}

/** A WebLLM engine; nothing starts until {@link InferenceEngine.load}. */
export function createWebllmEngine (init: WebllmEngineInit = {}): InferenceEngine {
  return new WebllmEngine(init)
}

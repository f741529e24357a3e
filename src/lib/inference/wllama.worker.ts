/// <reference lib="webworker" />
/**
 * wllama (llama.cpp in WebAssembly) in a dedicated worker, behind comlink:
 * the page stays responsive while the model runs, and terminating this
 * worker frees everything at once. The page talks to it through
 * `wllama-engine.ts`; nothing else should import this file.
 *
 * Errors thrown here reach the page as `{ name, message }` (comlink keeps
 * both), so every failure is an `InferenceEngineError` or an `AbortError`.
 */
import * as Comlink from 'comlink'
import { Wllama } from '@wllama/wllama/esm/index.js'
import singleThreadWasm from '@wllama/wllama/esm/single-thread/wllama.wasm?url'
import multiThreadWasm from '@wllama/wllama/esm/multi-thread/wllama.wasm?url'
import { InferenceEngineError } from './engine.ts'
import type { ChatMessage, TokenWithProbability } from './engine.ts'
import { CHATML_END_OF_TURN, CHATML_STOP_STRINGS, chatMlPromptPieces, isChatMlTemplate, StopStringStream } from './wllama-chat-prompt.ts'
import type { WllamaChatRequest, WllamaChatResult, WllamaLoadRequest, WllamaLoadedModel, WllamaWorkerApi } from './wllama-protocol.ts'
import { wllamaChatRequestSchema, wllamaLoadRequestSchema } from './wllama-protocol.ts'

declare const self: DedicatedWorkerGlobalScope

// wllama resolves its wasm URL against `document.baseURI`, which workers lack.
// Give it the worker's own URL (same origin as the page) as the base.
if (!('document' in globalThis)) {
  Object.defineProperty(globalThis, 'document', { value: { baseURI: self.location.href }, configurable: true })
}

/** Cache Storage bucket of downloaded models (versioned, like every Shoal cache). */
const MODEL_CACHE = 'shoal-models-v1'
const DEFAULT_CONTEXT_LENGTH = 2048

let wllama: Wllama | undefined
let loaded: WllamaLoadedModel | undefined
/** Ids of operations the page asked to cancel. */
const cancelled = new Set<string>()
/** One chat or token operation at a time: they share the one KV cache. */
let busy = false

function notLoaded (): never {
  throw new InferenceEngineError('EngineNotLoadedError', 'no model is loaded')
}

function abortError (): DOMException {
  return new DOMException('the operation was cancelled', 'AbortError')
}

function requireModel (): Wllama {
  return wllama === undefined || loaded === undefined ? notLoaded() : wllama
}

async function exclusive<T> (work: () => Promise<T>): Promise<T> {
  if (busy) {
    throw new InferenceEngineError('EngineBusyError', 'another chat or token operation is running')
  }
  busy = true
  try {
    return await work()
  } catch (err) {
    throw asTransferableError(err)
  } finally {
    busy = false
  }
}

/** wllama's own errors (WllamaError, WllamaAbortError) → names the page knows. */
function asTransferableError (err: unknown): Error {
  if (err instanceof InferenceEngineError || (err instanceof DOMException && err.name === 'AbortError')) {
    return err
  }
  if (err instanceof Error && err.name === 'AbortError') {
    return abortError()
  }
  const message = err instanceof Error ? err.message : String(err)
  return new InferenceEngineError('InferenceError', message, { cause: err })
}

/** The model file, from the cache when it is there (so it loads offline), else downloaded and cached. */
async function fetchModel (url: string, operationId: string, onProgress?: (loaded: number, total: number) => void): Promise<Blob> {
  const cache = typeof caches === 'undefined' ? undefined : await caches.open(MODEL_CACHE).catch(() => undefined)
  const cached = await cache?.match(url)
  if (cached !== undefined) {
    const blob = await cached.blob()
    onProgress?.(blob.size, blob.size)
    return blob
  }
  const controller = new AbortController()
  const poll = setInterval(() => { if (cancelled.has(operationId)) controller.abort() }, 50)
  try {
    let response: Response
    try {
      response = await fetch(url, { signal: controller.signal })
    } catch (err) {
      throw controller.signal.aborted ? abortError() : new InferenceEngineError('ModelLoadError', `cannot fetch ${url}: ${String(err)}`)
    }
    if (!response.ok || response.body === null) {
      throw new InferenceEngineError('ModelLoadError', `cannot fetch ${url}: HTTP ${response.status}`)
    }
    const total = Number(response.headers.get('content-length') ?? 0)
    const chunks: Uint8Array<ArrayBuffer>[] = []
    let received = 0
    const reader = response.body.getReader()
    try {
      while (true) {
        const { done, value } = await reader.read()
        if (done) break
        chunks.push(value)
        received += value.byteLength
        onProgress?.(received, Number.isFinite(total) ? total : 0)
      }
    } catch (err) {
      throw controller.signal.aborted ? abortError() : new InferenceEngineError('ModelLoadError', `download of ${url} broke off: ${String(err)}`)
    }
    const blob = new Blob(chunks)
    await cache?.put(url, new Response(blob, { headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(blob.size) } })).catch(() => {
      // A full or unavailable cache only costs the next load a download.
    })
    return blob
  } finally {
    clearInterval(poll)
  }
}

/** Half the cores (leave the page and the mesh some), at least 2 where there are 2, at most 4. */
function threadCount (cores: number): number {
  return Math.max(Math.min(2, cores), Math.min(4, Math.ceil(cores / 2)))
}

async function unloadModel (): Promise<void> {
  const current = wllama
  wllama = undefined
  loaded = undefined
  await current?.exit().catch(() => {})
}

/** Tokenizes a chat the way the verifier does; falls back to llama.cpp's template for non-ChatML models. */
async function promptTokens (model: Wllama, messages: readonly ChatMessage[]): Promise<number[]> {
  if (!isChatMlTemplate(model.getChatTemplate())) {
    const text = await model.formatChat([...messages], true)
    return await model.tokenize(text, true)
  }
  const tokens: number[] = []
  for (const piece of chatMlPromptPieces(messages)) {
    if (piece.kind === 'bos') {
      const bos = model.getBOS()
      if (bos >= 0) tokens.push(bos)
    } else {
      tokens.push(...await model.tokenize(piece.text, piece.kind === 'special'))
    }
  }
  return tokens
}

const api: WllamaWorkerApi = {
  async load (input, onProgress) {
    const request: WllamaLoadRequest = wllamaLoadRequestSchema.parse(input)
    return await exclusive(async () => {
      await unloadModel()
      cancelled.delete(request.operationId)
      const blob = await fetchModel(request.url, request.operationId, onProgress)
      if (cancelled.has(request.operationId)) throw abortError()
      const instance = new Wllama(
        { 'single-thread/wllama.wasm': singleThreadWasm, 'multi-thread/wllama.wasm': multiThreadWasm },
        { suppressNativeLog: true, logger: { debug: () => {}, log: () => {}, warn: () => {}, error: console.error } }
      )
      const contextLength = request.contextLength ?? DEFAULT_CONTEXT_LENGTH
      try {
        await instance.loadModel([blob], {
          n_ctx: contextLength,
          seed: 0,
          // Threads need cross-origin isolation (SharedArrayBuffer); wllama falls back to one otherwise.
          n_threads: self.crossOriginIsolated ? request.threads ?? threadCount(navigator.hardwareConcurrency) : 1
        })
      } catch (err) {
        await instance.exit().catch(() => {})
        throw new InferenceEngineError('ModelLoadError', `cannot load ${request.id}: ${err instanceof Error ? err.message : String(err)}`)
      }
      if (cancelled.has(request.operationId)) {
        await instance.exit().catch(() => {})
        throw abortError()
      }
      wllama = instance
      const context = instance.getLoadedContextInfo()
      loaded = {
        id: request.id,
        // No more than the model was trained for: past it a model writes nonsense (and the verifier,
        // which holds the model's own context, would refuse the prompt), so the page plans for this.
        contextLength: context.n_ctx_train > 0 ? Math.min(context.n_ctx, context.n_ctx_train) : context.n_ctx,
        multiThreaded: instance.isMultithread(),
        threads: instance.getNumThreads(),
        chatMl: isChatMlTemplate(instance.getChatTemplate()),
        bytes: blob.size
      }
      return loaded
    })
  },

  async unload () {
    await exclusive(unloadModel)
  },

  cancel (operationId) {
    cancelled.add(operationId)
  },

  async chat (input, onDelta): Promise<WllamaChatResult> {
    const request: WllamaChatRequest = wllamaChatRequestSchema.parse(input)
    return await exclusive(async () => {
      const model = requireModel()
      const isCancelled = (): boolean => cancelled.has(request.operationId)
      // The last delta's acknowledgement: the callback's port is not this one, so the
      // result must wait for it, or it could overtake the final deltas.
      let delivered: Promise<void> = Promise.resolve()
      const emit = (text: string): void => {
        if (text !== '') delivered = onDelta(text)
      }
      try {
        const tokens = await promptTokens(model, request.messages)
        await model.kvClear()
        // The answer ends ('length') where the context does, like the verifier's.
        const maxTokens = Math.min(request.maxTokens, (loaded?.contextLength ?? 0) - tokens.length)
        if (maxTokens < 1) {
          throw new InferenceEngineError('InferenceError', `the conversation (${tokens.length} tokens) fills the ${loaded?.contextLength ?? 0}-token context`)
        }
        await model.decode(tokens, {})
        if (isCancelled()) throw abortError()
        const greedy = request.temperature === 0
        if (!greedy) {
          await model.samplingInit({ temp: request.temperature, top_p: request.topP, top_k: 0, penalty_repeat: 1 }, tokens)
        }
        const endOfTurn = loaded?.chatMl === true ? await model.lookupToken(CHATML_END_OF_TURN).catch(() => -1) : -1
        const stream = new StopStringStream([...(loaded?.chatMl === true ? CHATML_STOP_STRINGS : []), ...request.stop])
        let completionTokens = 0
        let finishReason: WllamaChatResult['finishReason'] = 'length'
        while (completionTokens < maxTokens) {
          if (isCancelled()) throw abortError()
          const token = greedy ? (await model.getLogits(1))[0]?.token : (await model.samplingSample()).token
          if (token === undefined) throw new InferenceEngineError('InferenceError', 'the model gave no next token')
          completionTokens++
          if (model.isTokenEOG(token) || token === endOfTurn) {
            finishReason = 'stop'
            break
          }
          if (!greedy) await model.samplingAccept([token])
          emit(stream.push(await model.detokenize([token])))
          if (stream.stopped) {
            finishReason = 'stop'
            break
          }
          if (completionTokens < maxTokens) {
            await model.decode([token], {})
          }
        }
        emit(stream.flush())
        await delivered
        return { finishReason, promptTokens: tokens.length, completionTokens }
      } finally {
        cancelled.delete(request.operationId)
        await delivered.catch(() => {})
      }
    })
  },

  async tokenize (text, special) {
    return await requireModel().tokenize(text, special)
  },

  async detokenize (tokens) {
    return await requireModel().detokenize([...tokens], true)
  },

  async evaluate (tokens) {
    return await exclusive(async () => (await requireModel().decode([...tokens], {})).nPast)
  },

  async generateGreedy (count, operationId) {
    return await exclusive(async () => {
      const model = requireModel()
      const result: TokenWithProbability[] = []
      try {
        for (let index = 0; index < count; index++) {
          if (cancelled.has(operationId)) throw abortError()
          const best = (await model.getLogits(1))[0]
          if (best === undefined) throw new InferenceEngineError('InferenceError', 'the model gave no next token')
          result.push({ token: best.token, probability: best.p })
          await model.decode([best.token], {})
          if (model.isTokenEOG(best.token)) break
        }
        return result
      } finally {
        cancelled.delete(operationId)
      }
    })
  },

  async rewind (position) {
    return await exclusive(async () => {
      const model = requireModel()
      if (position <= 0) {
        // wllama's kvRemove fails when asked to keep nothing; clearing is the same thing.
        await model.kvClear()
      } else {
        await model.kvRemove(position, -1)
      }
      return await contextTokens(model)
    })
  },

  async contextLength () {
    return await contextTokens(requireModel())
  }
}

/** Tokens in the KV cache now (wllama tracks them; `decode([])` reports the count without running). */
async function contextTokens (model: Wllama): Promise<number> {
  return (await model.decode([], {})).nPast
}

Comlink.expose(api)

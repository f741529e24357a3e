/**
 * What the page and `webllm-draft.worker.ts` say to each other (through
 * comlink). The worker parses every request with these schemas.
 */
import { z } from 'zod'
import type { TokenWithProbability } from './engine.ts'

export const webllmDraftLoadRequestSchema = z.object({
  /** WebLLM's `model_id`: a prebuilt model, or one described by `url` and `modelLibraryUrl`. */
  id: z.string().min(1),
  /** The model's base URL (its `mlc-chat-config.json`, tokenizer and shards). */
  url: z.url().optional(),
  /** The compiled model library (`.wasm`). */
  modelLibraryUrl: z.url().optional(),
  /** Context window to allocate (a draft needs little; the KV cache is GPU memory). */
  contextLength: z.number().int().min(64).max(1 << 17)
})
export type WebllmDraftLoadRequest = z.infer<typeof webllmDraftLoadRequestSchema>

export const tokenIdsSchema = z.array(z.number().int().min(0).max(0x7fffffff)).min(1).max(1 << 17)

export interface WebllmDraftLoadedModel {
  id: string
  /** Context window allocated, in tokens. */
  contextLength: number
  /** The model's end-of-generation token ids (its chat template's `stop_token_ids`). */
  endOfGeneration: number[]
}

/** The worker's API (every method may reject with a named error; see engine.ts). */
export interface WebllmDraftWorkerApi {
  load: (request: WebllmDraftLoadRequest, onProgress?: (progress: number, text: string) => void) => Promise<WebllmDraftLoadedModel>
  /** WebLLM's `forwardTokensAndSample`, greedy, with the probability the model gave the token. */
  forwardTokensAndSample: (tokens: readonly number[], isPrefill: boolean) => Promise<TokenWithProbability>
  /** WebLLM's `resetChat`: empties the KV cache. */
  resetChat: () => Promise<void>
  unload: () => Promise<void>
}

/**
 * What the page and `wllama.worker.ts` say to each other (through comlink).
 * The worker parses every request with these schemas: the page is trusted
 * code, but a bad value would otherwise surface deep inside llama.cpp.
 */
import { z } from 'zod'
import { MAX_CHAT_TEMPERATURE } from '#protocol'
import type { TokenWithProbability } from './engine.ts'

export const wllamaLoadRequestSchema = z.object({
  /** Names this load for `cancel`. */
  operationId: z.string().min(1),
  id: z.string().min(1),
  /** URL of the GGUF file (absolute, or relative to the worker's URL). */
  url: z.string().min(1),
  contextLength: z.number().int().min(64).max(1 << 20).optional(),
  threads: z.number().int().min(1).max(64).optional()
})
export type WllamaLoadRequest = z.infer<typeof wllamaLoadRequestSchema>

export const wllamaChatRequestSchema = z.object({
  operationId: z.string().min(1),
  messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })).min(1),
  maxTokens: z.number().int().min(1),
  /** The chat protocol's range, so a setting means the same on this device as at a verifier. */
  temperature: z.number().min(0).max(MAX_CHAT_TEMPERATURE),
  topP: z.number().gt(0).max(1),
  stop: z.array(z.string()).max(16)
})
export type WllamaChatRequest = z.infer<typeof wllamaChatRequestSchema>

export interface WllamaLoadedModel {
  id: string
  /** Context window allocated, in tokens. */
  contextLength: number
  multiThreaded: boolean
  threads: number
  /** The model's chat template is ChatML (prompts then match the verifier's token for token). */
  chatMl: boolean
  /** Size of the GGUF file. */
  bytes: number
}

export interface WllamaChatResult {
  finishReason: 'stop' | 'length'
  promptTokens: number
  completionTokens: number
}

/** The worker's API (every method may reject with a named error; see engine.ts). */
export interface WllamaWorkerApi {
  load: (request: WllamaLoadRequest, onProgress?: (loaded: number, total: number) => void) => Promise<WllamaLoadedModel>
  unload: () => Promise<void>
  /** Cancels the load, chat or generation with this `operationId` (it rejects with `AbortError`). */
  cancel: (operationId: string) => void
  /** Streams the answer through `onDelta`; resolves once every delta has been delivered. */
  chat: (request: WllamaChatRequest, onDelta: (text: string) => Promise<void>) => Promise<WllamaChatResult>
  tokenize: (text: string, special: boolean) => Promise<number[]>
  detokenize: (tokens: readonly number[]) => Promise<string>
  evaluate: (tokens: readonly number[]) => Promise<number>
  generateGreedy: (count: number, operationId: string) => Promise<TokenWithProbability[]>
  rewind: (position: number) => Promise<number>
  contextLength: () => Promise<number>
}

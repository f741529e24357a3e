/**
 * Models for tests: the built-in demo models (generated once into the cache,
 * shared by every test and process), and node-llama-cpp's own greedy answer
 * for a chat, computed with its high-level API and none of Shoal's code, as
 * the reference the verifier must match byte for byte.
 */
import { getLlama, LlamaChat, LlamaLogLevel } from 'node-llama-cpp'
import { ensureDemoModels as ensureModels } from '../../gpu-node/src/model/demo-models.ts'
import type { DemoModelRole, DemoModelShape } from '../../gpu-node/src/model/demo-models.ts'
import type { ChatHistoryItem, Llama } from 'node-llama-cpp'

export type { DemoModelRole }

/** Paths of the demo target and its drafts (default shape 256x4), generated when missing. */
export async function ensureDemoModels (shape: Partial<DemoModelShape> = {}): Promise<Record<DemoModelRole, string>> {
  return ensureModels({ shape })
}

export interface ReferenceMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

let sharedLlama: Promise<Llama> | undefined

/** One CPU llama.cpp instance for the test process (loading the binding takes most of a second). */
async function referenceLlama (): Promise<Llama> {
  sharedLlama ??= getLlama({ gpu: false, build: 'never', maxThreads: 1, logLevel: LlamaLogLevel.error })
  return sharedLlama
}

/**
 * What node-llama-cpp itself answers, greedy: `LlamaChat.generateResponse`
 * (the engine under `LlamaChatSession`) with the chat wrapper it picks for
 * the model, temperature 0 and no repeat penalty, on a fresh context. A
 * trailing assistant message is continued, as `LlamaChat` does with a
 * history that ends in a model response.
 */
export async function referenceGreedyCompletion (modelPath: string, messages: readonly ReferenceMessage[], maxTokens: number, options: { stop?: string[] } = {}): Promise<{ text: string, stopReason: string }> {
  const llama = await referenceLlama()
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 })
  try {
    const context = await model.createContext({ contextSize: 1024, sequences: 1, threads: 1 })
    const chat = new LlamaChat({ contextSequence: context.getSequence() })
    const history: ChatHistoryItem[] = messages.map((message): ChatHistoryItem => message.role === 'system'
      ? { type: 'system', text: message.content }
      : message.role === 'user' ? { type: 'user', text: message.content } : { type: 'model', response: [message.content] })
    // The answer to write: a new model turn, or the continuation of a trailing assistant message.
    if (history.at(-1)?.type !== 'model') {
      history.push({ type: 'model', response: [] })
    }
    const result = await chat.generateResponse(history, {
      temperature: 0,
      repeatPenalty: false,
      maxTokens,
      customStopTriggers: options.stop
    })
    await chat.dispose()
    await context.dispose()
    return { text: result.response, stopReason: result.metadata.stopReason }
  } finally {
    await model.dispose()
  }
}

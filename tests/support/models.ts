/**
 * Models for tests: the built-in demo pair (the story target and its
 * distilled draft, committed in demo-models/ and copied into the model cache
 * the relay serves), random demo models of a given shape (generated once into
 * the cache, shared by every test and process), and node-llama-cpp's own
 * greedy answer for a chat, computed with its high-level API and none of
 * Shoal's code, as the reference the verifier must match byte for byte.
 */
import { copyFile, open, rename, stat } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { getLlama, LlamaChat, LlamaLogLevel } from 'node-llama-cpp'
import { GgmlTensorType, readGgufHeader } from '#gguf'
import { ensureDemoModels as ensureModels } from '../../gpu-node/src/model/demo-models.ts'
import { ensureStoriesModels } from '../../gpu-node/src/model/stories-models.ts'
import { SeededRandom } from '../../gpu-node/src/model/seeded-random.ts'
import type { DemoModelRole, DemoModelShape } from '../../gpu-node/src/model/demo-models.ts'
import type { StoriesModelRole } from '../../gpu-node/src/model/stories-models.ts'
import type { ChatHistoryItem, Llama } from 'node-llama-cpp'

export type { DemoModelRole, StoriesModelRole }

/**
 * Paths of the demo pair in the model cache (what the verifier runs by
 * default and the relay serves at /models/shoal-stories-*.gguf).
 */
export async function ensureDemoPair (): Promise<Record<StoriesModelRole, string>> {
  return ensureStoriesModels()
}

/**
 * Paths of a random demo target and its drafts (default shape 256x4),
 * generated when missing: for tests that need a model of a given shape or
 * speed, not the default.
 */
export async function ensureDemoModels (shape: Partial<DemoModelShape> = {}): Promise<Record<DemoModelRole, string>> {
  return ensureModels({ shape })
}

/**
 * A copy of an F32 model with seeded noise on every weight (a relative
 * `scale` of each weight's size, uniform): a draft that mostly agrees with
 * its original, like the random generator's `draft-noisy`. Written next to
 * `path` under a name with the scale in it, whole, then renamed.
 */
export async function noisyModelCopy (path: string, scale: number, seed = 1): Promise<string> {
  const noisy = path.replace(/\.gguf$/, `-noisy-${scale}-${seed}.gguf`)
  const [original, existing] = await Promise.all([stat(path), stat(noisy).catch(() => undefined)])
  // Seeded: a copy already there has the same bytes, unless its original was rebuilt since.
  if (existing?.isFile() === true && existing.size === original.size && existing.mtimeMs >= original.mtimeMs) {
    return noisy
  }
  const partial = `${noisy}.${randomBytes(6).toString('hex')}.partial`
  await copyFile(path, partial)
  const file = await open(partial, 'r+')
  try {
    const { size } = await file.stat()
    const header = await readGgufHeader({
      size,
      read: async (offset, length) => {
        const buffer = new Uint8Array(length)
        const { bytesRead } = await file.read(buffer, 0, length, offset)
        return buffer.subarray(0, bytesRead)
      }
    })
    const random = new SeededRandom(`noisy-copy/${scale}/${seed}`)
    for (const tensor of header.tensors) {
      if (tensor.type !== GgmlTensorType.F32) {
        throw new Error(`noisyModelCopy writes F32 models only; ${tensor.name} is type ${tensor.type}`)
      }
      const count = tensor.dimensions.reduce((product, dimension) => product * dimension, 1)
      const bytes = Buffer.alloc(count * 4)
      const position = header.dataOffset + tensor.offset
      await file.read(bytes, 0, bytes.length, position)
      const values = new Float32Array(bytes.buffer, bytes.byteOffset, count)
      for (let index = 0; index < count; index++) {
        const value = values[index] ?? 0
        values[index] = value + Math.abs(value) * random.nextCentered(scale)
      }
      await file.write(bytes, 0, bytes.length, position)
    }
  } finally {
    await file.close()
  }
  await rename(partial, noisy)
  return noisy
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

import { inspectModelFile } from '../model/model-file.ts'
import { resolveModelPath } from '../model/resolve-model.ts'
import { ModelFileError } from '../verifier/errors.ts'
import { createLlamaEmbedder } from './llama-embedder.ts'
import type { LlamaModel } from 'node-llama-cpp'
import type { Embedder } from './types.ts'

export interface OpenEmbedderInit {
  /** `--embedding-model`: a .gguf file or a node-llama-cpp URI; none embeds with the served model. */
  embeddingModel?: string
  /** The served model, its name and context: used as they are without `--embedding-model`. */
  served: { model: LlamaModel, name: string, contextLength: number }
  threads: number
  /** Embedding requests that may wait for the one before (`--queue-size`); beyond that, BusyError. */
  queueSize: number
  /** @default 'auto' */
  gpu?: 'auto' | false
  /** Where download progress goes (stderr). */
  progress?: { write: (text: string) => unknown, isTTY?: boolean }
  signal?: AbortSignal
}

/** Tokens an input to a model loaded for embeddings alone may hold, unless it was trained on fewer. */
const EMBEDDING_CONTEXT_SIZE = 4096

/**
 * The embedder gpu-node serves: on the served model itself, or on
 * `--embedding-model`'s, loaded now (a bad file stops the start, as a bad
 * `--model` does) by the same llama.cpp instance as the served model.
 *
 * @throws {ModelFileError} when the embedding model is missing, malformed, or llama.cpp cannot load it
 */
export async function openEmbedder (init: OpenEmbedderInit): Promise<Embedder> {
  const { served } = init
  if (init.embeddingModel === undefined) {
    return createLlamaEmbedder({ model: served.model, name: served.name, threads: init.threads, contextSize: served.contextLength, queueSize: init.queueSize })
  }
  const resolved = await resolveModelPath(init.embeddingModel, { progress: init.progress, signal: init.signal })
  // Checked before llama.cpp sees it: some malformed files abort the whole process there.
  const file = await inspectModelFile(resolved.path)
  let model: LlamaModel
  try {
    model = await served.model.llama.loadModel({ modelPath: file.path, gpuLayers: init.gpu === false ? 0 : 'auto' })
  } catch (err) {
    throw new ModelFileError(`llama.cpp cannot load embedding model file ${file.path}: ${err instanceof Error ? err.message : String(err)}`)
  }
  return createLlamaEmbedder({
    model,
    name: resolved.name,
    threads: init.threads,
    contextSize: Math.min(file.trainContextLength, EMBEDDING_CONTEXT_SIZE),
    queueSize: init.queueSize,
    ownsModel: true
  })
}

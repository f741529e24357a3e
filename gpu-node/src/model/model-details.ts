import { GgufFileType } from 'node-llama-cpp'
import type { LlamaModel } from 'node-llama-cpp'

/** What a loaded model is, for clients that ask (Ollama's `/api/show`, `/api/ps`, `/api/tags`). */
export interface ModelDetails {
  /** `general.architecture`, e.g. `llama`, `qwen2`: Ollama's `family`. */
  architecture: string
  /** Weights, counted from the file's tensors. */
  parameterCount: number
  /** The file's weight type, as llama.cpp names it: `Q4_K_M`, `F16`, `F32`. */
  quantization: string
  /** Bytes of the weights loaded. */
  sizeBytes: number
  /** Of those, bytes on the GPU. */
  gpuBytes: number
  /** Context the model was trained with. */
  trainContextLength: number
  /** Tokens one chat may hold here (the verifier's context per sequence). */
  contextLength: number
  embeddingLength: number
  /** Whether the model has fill-in-the-middle tokens (a completion's `suffix` works). */
  fillInTheMiddle: boolean
  /** The file's Jinja chat template (`tokenizer.chat_template`), when it has one. */
  chatTemplate: string | undefined
  /** The file's scalar metadata under dotted GGUF keys (`llama.context_length`), arrays and the template left out. */
  metadata: Record<string, string | number | boolean>
}

/**
 * Reads a loaded model's details from node-llama-cpp (its GGUF metadata and
 * tensor insights): nothing is guessed, what the file lacks is left empty.
 */
export function describeModel (model: LlamaModel, contextLength: number): ModelDetails {
  const metadata = flattenMetadata(model.fileInfo.metadata)
  const fileType = metadata['general.file_type']
  const chatTemplate = model.fileInfo.metadata.tokenizer?.chat_template
  const { prefix, suffix, middle } = model.tokens.infill
  return {
    architecture: String(metadata['general.architecture'] ?? ''),
    parameterCount: model.fileInsights.totalParameters,
    quantization: typeof fileType === 'number' ? quantizationName(fileType) : '',
    sizeBytes: model.size,
    gpuBytes: model.memoryUsage.vram,
    trainContextLength: model.trainContextSize,
    contextLength,
    embeddingLength: model.embeddingVectorSize,
    fillInTheMiddle: prefix != null && suffix != null && middle != null,
    chatTemplate: typeof chatTemplate === 'string' && chatTemplate !== '' ? chatTemplate : undefined,
    metadata
  }
}

/** `MOSTLY_Q4_K_M` → `Q4_K_M`, `ALL_F32` → `F32`, as Ollama and llama.cpp show them. */
function quantizationName (fileType: number): string {
  const name: string | undefined = GgufFileType[fileType]
  return name === undefined ? `type ${fileType}` : name.replace(/^(MOSTLY|ALL)_/, '')
}

/** `{ llama: { context_length: 512 } }` → `{ 'llama.context_length': 512 }`; arrays (the vocabulary) and the chat template left out. */
function flattenMetadata (value: unknown, prefix = '', into: Record<string, string | number | boolean> = {}): Record<string, string | number | boolean> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return into
  }
  for (const [key, entry] of Object.entries(value)) {
    const path = prefix === '' ? key : `${prefix}.${key}`
    if (path === 'tokenizer.chat_template') {
      continue
    }
    if (typeof entry === 'string' || typeof entry === 'number' || typeof entry === 'boolean') {
      into[path] = entry
    } else if (typeof entry === 'bigint') {
      into[path] = Number(entry)
    } else {
      flattenMetadata(entry, path, into)
    }
  }
  return into
}

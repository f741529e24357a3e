import { open } from 'node:fs/promises'
import { basename } from 'node:path'
import { ModelFileError } from '../verifier/errors.ts'
import { GgufFormatError, GgufValueType, metadataNumber, metadataString, metadataStrings, readGgufHeader, tensorDataBytes, tokenizerFingerprint } from '#gguf'
import type { ByteSource, GgufHeader } from '#gguf'

/** What gpu-node needs to know about a model file before (and besides) loading it. */
export interface ModelFileInfo {
  path: string
  /** `general.architecture`, e.g. `llama`. */
  architecture: string
  /** `general.name`, when the file has one. */
  name: string | undefined
  /** Context length the model was trained with. */
  trainContextLength: number
  /** See `tokenizerFingerprint`. */
  tokenizerFingerprint: string
  tokenCount: number
  header: GgufHeader
}

/** Architectures without attention heads or feed-forward blocks in the usual sense. */
const RECURRENT_ARCHITECTURES = new Set(['mamba', 'mamba2', 'rwkv6', 'rwkv6qwen2', 'rwkv7', 'arwkv7'])

/**
 * Reads and checks a model file's GGUF header, and computes its tokenizer
 * fingerprint, without llama.cpp: some malformed files make llama.cpp abort
 * the whole process (a failed assertion, not an error), so nothing reaches it
 * unchecked.
 *
 * @throws {ModelFileError} when the path is missing, a directory, unreadable,
 * not GGUF, truncated, or lacks keys llama.cpp needs
 */
export async function inspectModelFile (path: string): Promise<ModelFileInfo> {
  const header = await readHeader(path)
  const fail = (problem: string): never => {
    throw new ModelFileError(`model file ${path} ${problem}`)
  }
  const { metadata } = header
  const architecture = metadataString(metadata, 'general.architecture')
  if (architecture == null || architecture === '') {
    fail('has no general.architecture: not a model, or a broken conversion')
  }
  const arch = architecture ?? ''
  const positive = (key: string): number => {
    const value = metadataNumber(metadata, key)
    if (value == null) {
      // A per-layer array is also valid for some of these keys.
      const entry = metadata.get(key)
      if (entry?.type === GgufValueType.ARRAY && entry.value.length > 0) {
        return 1
      }
      return fail(`lacks ${key}, which llama.cpp needs (it would abort on this file)`)
    }
    if (!Number.isFinite(value) || value <= 0) {
      return fail(`has ${key} = ${value}; it must be positive`)
    }
    return value
  }
  const trainContextLength = positive(`${arch}.context_length`)
  const embeddingLength = positive(`${arch}.embedding_length`)
  const blockCount = positive(`${arch}.block_count`)
  if (!RECURRENT_ARCHITECTURES.has(arch)) {
    positive(`${arch}.feed_forward_length`)
    const heads = positive(`${arch}.attention.head_count`)
    if (arch === 'llama') {
      positive('llama.attention.layer_norm_rms_epsilon')
      if (Number.isInteger(heads) && heads > 1 && embeddingLength % heads !== 0) {
        fail(`has llama.embedding_length ${embeddingLength}, not divisible by llama.attention.head_count ${heads}`)
      }
    }
  }
  const tokenizerModel = metadataString(metadata, 'tokenizer.ggml.model')
  if (tokenizerModel == null) {
    fail('lacks tokenizer.ggml.model')
  }
  const tokens = metadataStrings(metadata, 'tokenizer.ggml.tokens')
  if (tokenizerModel !== 'none' && (tokens == null || tokens.length === 0)) {
    fail('lacks tokenizer.ggml.tokens')
  }
  if (tokenizerModel === 'gpt2' && metadataStrings(metadata, 'tokenizer.ggml.merges') == null) {
    fail('has a gpt2 tokenizer without tokenizer.ggml.merges')
  }
  if (header.tensors.length === 0) {
    fail('holds no tensors')
  }
  // A split model (`-00001-of-00003.gguf`) keeps most tensors in its other parts.
  const splitCount = metadataNumber(metadata, 'split.count') ?? 1
  if (splitCount <= 1 && header.tensors.length < blockCount) {
    fail(`holds ${header.tensors.length} tensors, fewer than its ${blockCount} layers need`)
  }
  for (const tensor of header.tensors) {
    const start = header.dataOffset + tensor.offset
    const end = start + (tensorDataBytes(tensor) ?? 1)
    if (end > header.fileSize) {
      fail(`is truncated: tensor ${tensor.name} ends at byte ${end}, the file has ${header.fileSize}`)
    }
  }
  return {
    path,
    architecture: arch,
    name: metadataString(metadata, 'general.name'),
    trainContextLength,
    tokenizerFingerprint: await tokenizerFingerprint(metadata),
    tokenCount: tokens?.length ?? 0,
    header
  }
}

/** A model's name for clients: the file name without `.gguf` (and without a split suffix). */
export function modelNameFromPath (path: string): string {
  return basename(path).replace(/\.gguf$/i, '').replace(/-\d{5}-of-\d{5}$/, '')
}

async function readHeader (path: string): Promise<GgufHeader> {
  let file
  try {
    file = await open(path, 'r')
  } catch (err) {
    throw new ModelFileError(describeOpenError(path, err))
  }
  try {
    const stats = await file.stat()
    if (stats.isDirectory()) {
      throw new ModelFileError(`model path ${path} is a directory, not a .gguf file`)
    }
    if (!stats.isFile()) {
      throw new ModelFileError(`model path ${path} is not a regular file`)
    }
    const source: ByteSource = {
      size: stats.size,
      read: async (offset, length) => {
        const buffer = new Uint8Array(length)
        const { bytesRead } = await file.read(buffer, 0, length, offset)
        return buffer.subarray(0, bytesRead)
      }
    }
    return await readGgufHeader(source)
  } catch (err) {
    if (err instanceof ModelFileError) {
      throw err
    }
    if (err instanceof GgufFormatError) {
      throw new ModelFileError(`model file ${path} is not a usable GGUF file: ${err.message}`)
    }
    if (errorCode(err) === 'EISDIR') {
      throw new ModelFileError(`model path ${path} is a directory, not a .gguf file`)
    }
    throw new ModelFileError(`cannot read model file ${path}: ${err instanceof Error ? err.message : String(err)}`)
  } finally {
    await file.close()
  }
}

function describeOpenError (path: string, err: unknown): string {
  switch (errorCode(err)) {
    case 'ENOENT': return `model file ${path} does not exist`
    case 'EACCES': return `cannot read model file ${path}: permission denied`
    case 'EISDIR': return `model path ${path} is a directory, not a .gguf file`
    default: return `cannot open model file ${path}: ${err instanceof Error ? err.message : String(err)}`
  }
}

function errorCode (err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined
}

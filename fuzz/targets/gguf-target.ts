import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { metadataNumber, metadataString, metadataStrings, readGgufHeader, tensorDataBytes, tokenizerFingerprint } from '#gguf'
import type { ByteSource } from '#gguf'
import { REPO_ROOT } from '../../tests/support/processes.ts'
import { bytesFrom } from '../byte-inputs.ts'
import { fuzzTarget } from '../fuzz-target.ts'

/**
 * The header of the project's own draft model (a real llama GGUF with a 2,048-token
 * vocabulary and chat template), cut where its tensor data starts: the seed.
 */
async function demoHeaderBytes (): Promise<Uint8Array> {
  const file = new Uint8Array(await readFile(join(REPO_ROOT, 'demo-models/shoal-stories-draft.gguf')))
  const header = await readGgufHeader(memorySource(file))
  return file.subarray(0, header.dataOffset)
}

/** The bytes as a file, read by offset as the page's range reader and gpu-node's file reader do. */
function memorySource (bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: async (offset, length) => bytes.subarray(offset, offset + length) }
}

const seed = await demoHeaderBytes()

export const ggufTargets = [
  fuzzTarget({
    name: 'gguf-header',
    reads: 'GGUF model headers: gpu-node\'s model files, and the page reading a draft model\'s tokenizer over HTTP ranges',
    inputs: bytesFrom([seed]),
    read: async (bytes) => {
      const header = await readGgufHeader(memorySource(bytes))
      // What Shoal then reads from a header: the tokenizer fingerprint, model facts, tensor sizes.
      await tokenizerFingerprint(header.metadata)
      metadataString(header.metadata, 'general.architecture')
      metadataNumber(header.metadata, 'llama.context_length')
      metadataStrings(header.metadata, 'tokenizer.ggml.tokens')
      header.tensors.forEach(tensorDataBytes)
    },
    refusals: ['GgufFormatError']
  })
]

import { mkdtemp, open, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { demoModelSpec } from './demo-models.ts'
import { GgufValueType, metadataNumber, metadataString, metadataStrings } from '#gguf'
import { writeGgufFile } from '#gguf/writer'
import { inspectModelFile, modelNameFromPath } from './model-file.ts'
import type { GgufFileSpec } from '#gguf/writer'

const SMALL = { width: 64, layers: 2, contextLength: 128 }

async function temporaryDirectory (): Promise<string> {
  return mkdtemp(join(tmpdir(), 'shoal-model-file-test-'))
}

async function writeModel (name: string, edit: (spec: GgufFileSpec) => GgufFileSpec = (spec) => spec): Promise<string> {
  const path = join(await temporaryDirectory(), name)
  await writeGgufFile(path, edit(demoModelSpec('target', SMALL)))
  return path
}

function withoutKey (key: string): (spec: GgufFileSpec) => GgufFileSpec {
  return (spec) => ({ ...spec, metadata: spec.metadata.filter(([name]) => name !== key) })
}

async function modelFileError (path: string): Promise<Error> {
  const err: unknown = await inspectModelFile(path).then(() => undefined, (reason: unknown) => reason)
  if (!(err instanceof Error)) {
    throw new Error(`expected ${path} to be rejected`)
  }
  expect(err.name).toBe('ModelFileError')
  expect(err.message).not.toContain('\n')
  return err
}

test('a valid model reads back with its metadata, tensors and fingerprint', async () => {
  const path = await writeModel('ok.gguf')
  const info = await inspectModelFile(path)
  expect(info).toMatchObject({ architecture: 'llama', name: 'shoal-demo', trainContextLength: 128 })
  expect(info.tokenizerFingerprint).toMatch(/^sha256:[0-9a-f]{64}$/)
  const { metadata, tensors } = info.header
  expect(metadataNumber(metadata, 'llama.embedding_length')).toBe(64)
  expect(metadataNumber(metadata, 'llama.attention.layer_norm_rms_epsilon')).toBeCloseTo(1e-5, 10)
  expect(metadataString(metadata, 'tokenizer.ggml.pre')).toBe('default')
  expect(metadataStrings(metadata, 'tokenizer.ggml.tokens')?.length).toBe(info.tokenCount)
  expect(metadata.get('tokenizer.ggml.add_bos_token')).toEqual({ type: GgufValueType.BOOL, value: false })
  expect(tensors.map((tensor) => tensor.name)).toContain('blk.1.ffn_down.weight')
  expect(tensors.find((tensor) => tensor.name === 'token_embd.weight')?.dimensions).toEqual([64, info.tokenCount])
})

test('a missing file, a directory and an empty file are ModelFileErrors that say so', async () => {
  const directory = await temporaryDirectory()
  expect((await modelFileError(join(directory, 'nope.gguf'))).message).toBe(`model file ${join(directory, 'nope.gguf')} does not exist`)
  expect((await modelFileError(directory)).message).toBe(`model path ${directory} is a directory, not a .gguf file`)
  const empty = join(directory, 'empty.gguf')
  await writeFile(empty, '')
  expect((await modelFileError(empty)).message).toMatch(/too short for a GGUF header/)
})

test('wrong magic and an unsupported version are rejected', async () => {
  const directory = await temporaryDirectory()
  const text = join(directory, 'notes.gguf')
  await writeFile(text, 'hello, this is not a model at all')
  expect((await modelFileError(text)).message).toMatch(/not a GGUF file \(starts with "hell", expected "GGUF"\)/)

  const path = await writeModel('version.gguf')
  const bytes = await readFile(path)
  bytes.writeUInt32LE(99, 4)
  await writeFile(path, bytes)
  expect((await modelFileError(path)).message).toMatch(/GGUF version 99 is not supported/)
})

test('a file cut short, in the header or in the tensor data, is reported as truncated', async () => {
  const path = await writeModel('whole.gguf')
  const bytes = await readFile(path)
  for (const [name, length] of [['header.gguf', 100], ['metadata.gguf', 20_000], ['data.gguf', bytes.length - 1]] as const) {
    const cut = join(await temporaryDirectory(), name)
    await writeFile(cut, bytes.subarray(0, length))
    expect((await modelFileError(cut)).message, name).toMatch(/truncated/)
  }
})

test('keys llama.cpp would abort without are checked first', async () => {
  for (const key of ['llama.feed_forward_length', 'llama.attention.head_count', 'llama.block_count', 'llama.embedding_length', 'llama.context_length', 'llama.attention.layer_norm_rms_epsilon']) {
    const path = await writeModel('missing.gguf', withoutKey(key))
    expect((await modelFileError(path)).message, key).toContain(`lacks ${key}`)
  }
  for (const key of ['general.architecture', 'tokenizer.ggml.model', 'tokenizer.ggml.tokens', 'tokenizer.ggml.merges']) {
    const path = await writeModel('missing.gguf', withoutKey(key))
    await modelFileError(path)
  }
  const zeroHeads = await writeModel('zero.gguf', (spec) => ({
    ...spec,
    metadata: spec.metadata.map(([key, value]) => key === 'llama.attention.head_count' ? [key, { type: GgufValueType.UINT32, value: 0 }] : [key, value])
  }))
  expect((await modelFileError(zeroHeads)).message).toContain('llama.attention.head_count = 0')
})

test('absurd lengths in a corrupt header are refused without allocating them', async () => {
  const path = await writeModel('huge.gguf')
  const file = await open(path, 'r+')
  // The first key's string length sits right after magic, version and the two counts.
  const length = Buffer.alloc(8)
  length.writeBigUInt64LE(1n << 60n)
  await file.write(length, 0, 8, 24)
  await file.close()
  expect((await modelFileError(path)).message).toMatch(/more than the \d+ allowed/)
})

test('model names come from file names', () => {
  expect(modelNameFromPath('/models/Qwen2.5-0.5B-Instruct-Q4_K_M.gguf')).toBe('Qwen2.5-0.5B-Instruct-Q4_K_M')
  expect(modelNameFromPath('/models/big-00001-of-00003.gguf')).toBe('big')
})

import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { buildDemoTokenizer, toByteLevel } from './demo-tokenizer.ts'
import { demoModelFileName, demoModelSpec, ensureDemoModel } from './demo-models.ts'
import { GgufValueType, metadataNumber, tokenizerFingerprint } from '#gguf'
import { inspectModelFile } from './model-file.ts'
import type { ModelFileInfo } from './model-file.ts'

/**
 * The demo target's bytes, pinned: any change to the generator must bump
 * DEMO_MODEL_VERSION (cached files are reused by name) and update this hash.
 */
const TARGET_256X4_SHA256 = '660e0bca72193675fe9a97285e8b29c7b515fed041a4379624670750ba332637'
const DEMO_FINGERPRINT = 'sha256:5b1d780835a5e0c1102155690bba61a1abcce9359859520d4f71264a37da0e06'

async function temporaryDirectory (): Promise<string> {
  return mkdtemp(join(tmpdir(), 'shoal-models-test-'))
}

async function sha256 (path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex')
}

/** The bytes of one tensor's data in a model file. */
async function tensorBytes (info: ModelFileInfo, name: string): Promise<Buffer> {
  const tensor = info.header.tensors.find((candidate) => candidate.name === name)
  if (tensor == null) {
    throw new Error(`no tensor ${name} in ${info.path}`)
  }
  const size = tensor.dimensions.reduce((product, dimension) => product * dimension, 4)
  const start = info.header.dataOffset + tensor.offset
  return (await readFile(info.path)).subarray(start, start + size)
}

test('the demo target is the same bytes every time, in any folder', async () => {
  const [first, second] = await Promise.all([temporaryDirectory(), temporaryDirectory()])
  const firstPath = await ensureDemoModel('target', { cacheDir: first })
  const secondPath = await ensureDemoModel('target', { cacheDir: second })
  expect(firstPath.endsWith(demoModelFileName('target'))).toBe(true)
  expect(await sha256(firstPath)).toBe(TARGET_256X4_SHA256)
  expect(await sha256(secondPath)).toBe(TARGET_256X4_SHA256)
})

test('concurrent writers of one cache end with one whole file and no leftovers; later calls reuse it', async () => {
  const directory = await temporaryDirectory()
  const paths = await Promise.all([1, 2, 3, 4].map(async () => ensureDemoModel('target', { cacheDir: directory })))
  expect(new Set(paths).size).toBe(1)
  const path = paths[0] ?? ''
  expect(await sha256(path)).toBe(TARGET_256X4_SHA256)
  expect(await readdir(directory)).toEqual([demoModelFileName('target')])
  const before = await stat(path)
  expect(await ensureDemoModel('target', { cacheDir: directory })).toBe(path)
  expect((await stat(path)).mtimeMs).toBe(before.mtimeMs)
})

test('drafts share the tokenizer; the small draft is exactly the target\'s first two layers', async () => {
  const directory = await temporaryDirectory()
  const shape = { width: 128, layers: 4 }
  const [target, copy, small, noisy] = await Promise.all((['target', 'draft-copy', 'draft-small', 'draft-noisy'] as const)
    .map(async (role) => inspectModelFile(await ensureDemoModel(role, { cacheDir: directory, shape }))))
  if (target == null || copy == null || small == null || noisy == null) {
    throw new Error('missing model')
  }
  expect(target.tokenizerFingerprint).toBe(DEMO_FINGERPRINT)
  for (const draft of [copy, small, noisy]) {
    expect(draft.tokenizerFingerprint).toBe(target.tokenizerFingerprint)
  }
  expect(metadataNumber(target.header.metadata, 'llama.block_count')).toBe(4)
  expect(metadataNumber(small.header.metadata, 'llama.block_count')).toBe(2)
  for (const name of ['token_embd.weight', 'blk.0.attn_q.weight', 'blk.1.ffn_down.weight', 'output.weight']) {
    expect((await tensorBytes(small, name)).equals(await tensorBytes(target, name)), name).toBe(true)
    expect((await tensorBytes(copy, name)).equals(await tensorBytes(target, name)), name).toBe(true)
    expect((await tensorBytes(noisy, name)).equals(await tensorBytes(target, name)), name).toBe(false)
  }
  expect(small.header.tensors.some((tensor) => tensor.name.startsWith('blk.2.'))).toBe(false)
})

test('the fingerprint changes with the vocabulary, the merges or a special token, not with the chat template', async () => {
  const metadata = new Map(demoModelSpec('target', { width: 64, layers: 2 }).metadata)
  const base = await tokenizerFingerprint(metadata)
  expect(base).toBe(DEMO_FINGERPRINT)
  expect(base).toMatch(/^sha256:[0-9a-f]{64}$/)

  const tokenizer = buildDemoTokenizer()
  const renamed = [...tokenizer.tokens]
  renamed[300] = toByteLevel(' shoalish')
  expect(await tokenizerFingerprint(new Map(metadata).set('tokenizer.ggml.tokens', { type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value: renamed }))).not.toBe(base)
  expect(await tokenizerFingerprint(new Map(metadata).set('tokenizer.ggml.merges', { type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value: tokenizer.merges.slice(1) }))).not.toBe(base)
  expect(await tokenizerFingerprint(new Map(metadata).set('tokenizer.ggml.eos_token_id', { type: GgufValueType.UINT32, value: tokenizer.imEndId }))).not.toBe(base)
  expect(await tokenizerFingerprint(new Map(metadata).set('tokenizer.chat_template', { type: GgufValueType.STRING, value: '{{ messages }}' }))).toBe(base)
  // The integer width a converter picked does not matter, only the value.
  expect(await tokenizerFingerprint(new Map(metadata).set('tokenizer.ggml.eos_token_id', { type: GgufValueType.INT32, value: tokenizer.endOfTextId }))).toBe(base)
})

test('the demo tokenizer holds every byte, words built by merges, and the ChatML specials', () => {
  const tokenizer = buildDemoTokenizer()
  expect(new Set(tokenizer.tokens).size).toBe(tokenizer.tokens.length)
  expect(tokenizer.tokens.slice(0, 256).every((token) => Array.from(token).length === 1)).toBe(true)
  expect(tokenizer.tokens).toContain(toByteLevel(' the'))
  expect(tokenizer.merges).toContain(`${toByteLevel(' th')} e`)
  expect(tokenizer.tokens[tokenizer.imStartId]).toBe('<|im_start|>')
  expect(tokenizer.tokens[tokenizer.imEndId]).toBe('<|im_end|>')
  expect(tokenizer.tokens[tokenizer.endOfTextId]).toBe('<|endoftext|>')
})

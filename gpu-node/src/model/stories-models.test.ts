import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { metadataNumber, metadataString } from '#gguf'
import { inspectModelFile } from './model-file.ts'
import { committedStoriesModelPath, ensureStoriesModel, storiesModelFileName } from './stories-models.ts'

async function temporaryDirectory (): Promise<string> {
  return mkdtemp(join(tmpdir(), 'shoal-stories-test-'))
}

test('the committed pair passes the model checks, shares one tokenizer and declares a 512-token context', async () => {
  const [target, draft] = await Promise.all([inspectModelFile(committedStoriesModelPath('target')), inspectModelFile(committedStoriesModelPath('draft'))])
  expect(target.tokenizerFingerprint).toBe(draft.tokenizerFingerprint)
  for (const info of [target, draft]) {
    expect(metadataString(info.header.metadata, 'general.architecture')).toBe('llama')
    expect(metadataNumber(info.header.metadata, 'llama.context_length')).toBe(512)
    // ChatML, like the random demo models: the verifier's and wllama's prompt code treat them alike.
    expect(metadataString(info.header.metadata, 'tokenizer.chat_template')).toContain('<|im_start|>')
  }
  expect(metadataNumber(target.header.metadata, 'llama.block_count')).toBe(4)
  expect(metadataNumber(draft.header.metadata, 'llama.block_count')).toBe(2)
})

test('concurrent copies into one cache end with one identical file each and no leftovers; later calls reuse it', async () => {
  const directory = await temporaryDirectory()
  const paths = await Promise.all([1, 2, 3].map(async () => ensureStoriesModel('target', { cacheDir: directory })))
  expect(new Set(paths)).toEqual(new Set([join(directory, storiesModelFileName('target'))]))
  expect(await readdir(directory)).toEqual([storiesModelFileName('target')])
  const path = paths[0] ?? ''
  expect((await readFile(path)).equals(await readFile(committedStoriesModelPath('target')))).toBe(true)
  const before = await stat(path)
  expect(await ensureStoriesModel('target', { cacheDir: directory })).toBe(path)
  expect((await stat(path)).mtimeMs).toBe(before.mtimeMs)
})

test('a stale copy of the same size (a rebuilt pair) is replaced', async () => {
  const directory = await temporaryDirectory()
  const committed = await readFile(committedStoriesModelPath('draft'))
  const stale = Buffer.from(committed)
  stale[stale.length - 1] = (stale.at(-1) ?? 0) ^ 0xff
  const path = join(directory, storiesModelFileName('draft'))
  await writeFile(path, stale)
  expect(await ensureStoriesModel('draft', { cacheDir: directory })).toBe(path)
  expect((await readFile(path)).equals(committed)).toBe(true)
})

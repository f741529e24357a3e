/**
 * Writes the trained story pair as GGUF files with the project's own writer
 * (#gguf/writer), from the raw tensors and manifests export_weights.py left
 * in the cache folder.
 *
 * Usage: tsx export-gguf.ts CACHE_DIR OUT_DIR
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeGgufFile } from '#gguf/writer'
import { STORIES_DRAFT_FILE, STORIES_TARGET_FILE } from '../stories-files.ts'
import { exportFolder, readManifest } from './export-manifest.ts'
import { readTrainedTokenizer, storiesModelSpec } from './stories-gguf.ts'
import type { GgufTensorSpec } from '#gguf/writer'

async function readTensor (path: string, count: number): Promise<Float32Array> {
  const bytes = await readFile(path)
  if (bytes.length !== count * 4) {
    throw new Error(`${path} has ${bytes.length} bytes, not ${count * 4}`)
  }
  // A copy, so the values are aligned and little-endian as read.
  const values = new Float32Array(count)
  for (let index = 0; index < count; index++) values[index] = bytes.readFloatLE(index * 4)
  return values
}

async function main (cacheDir: string, outDir: string): Promise<void> {
  const tokenizer = await readTrainedTokenizer(join(cacheDir, 'tokenizer.json'))
  for (const role of ['target', 'draft'] as const) {
    const manifest = await readManifest(cacheDir, role)
    const tensors: GgufTensorSpec[] = []
    for (const tensor of manifest.tensors) {
      const count = tensor.dimensions.reduce((product, size) => product * size, 1)
      const values = await readTensor(join(exportFolder(cacheDir, role), tensor.file), count)
      tensors.push({ name: tensor.name, dimensions: tensor.dimensions, data: () => values })
    }
    const { width, layers } = manifest.config
    const spec = storiesModelSpec({
      name: `shoal-stories-${role}`,
      description: `Shoal story ${role} (${width}x${layers}, ${manifest.parameters} parameters), trained on the project's own generated children's stories.` +
        (role === 'draft' ? ' Distilled from shoal-stories-target.' : ''),
      config: manifest.config,
      tokenizer,
      tensors
    })
    const path = join(outDir, role === 'target' ? STORIES_TARGET_FILE : STORIES_DRAFT_FILE)
    await writeGgufFile(path, spec)
    console.log(`${role}: ${path}`)
  }
}

await main(process.argv[2] ?? '.cache/demo-training', process.argv[3] ?? 'demo-models')

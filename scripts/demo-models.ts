/**
 * Writes the built-in demo models (target and drafts) for a shape into the
 * model cache and prints their paths and tokenizer fingerprint.
 *
 * @example
 * ```console
 * $ npx tsx scripts/demo-models.ts --width 512 --layers 8
 * target       .cache/models/shoal-demo-v1-target-512x8.gguf (91.1 MB)
 * ...
 * ```
 */
import { stat } from 'node:fs/promises'
import { z } from 'zod'
import { ensureDemoModels } from '../gpu-node/src/model/demo-models.ts'
import { inspectModelFile } from '../gpu-node/src/model/model-file.ts'
import { integerSchema, parseOptions, runMain } from '#server'

const Options = z.object({
  width: integerSchema({ min: 64, max: 8192 }).default(256),
  layers: integerSchema({ min: 2, max: 64 }).default(4),
  contextLength: integerSchema({ min: 64, max: 1_048_576 }).default(2048),
  cacheDir: z.string().trim().min(1).optional()
})

runMain({ program: 'shoal-demo-models' }, async ({ log }) => {
  const parsed = parseOptions({
    program: 'shoal-demo-models',
    summary: 'writes the demo target and its drafts (copy, 2-layer, noisy) into the model cache.',
    options: {
      width: { flag: 'width', description: 'Embedding width, a multiple of 64.' },
      layers: { flag: 'layers', description: 'Layers of the target.' },
      contextLength: { flag: 'context-length', description: 'Context length the models claim.' },
      cacheDir: { flag: 'cache-dir', env: 'SHOAL_MODEL_CACHE', description: 'Folder of generated models.', defaultText: '.cache/models' }
    },
    schema: Options
  })
  if (parsed.help) {
    process.stdout.write(parsed.usage)
    return undefined
  }
  const { width, layers, contextLength, cacheDir } = parsed.options
  const paths = await ensureDemoModels({ shape: { width, layers, contextLength }, cacheDir })
  for (const [role, path] of Object.entries(paths)) {
    log.info(`${role.padEnd(12)} ${path} (${((await stat(path)).size / 1e6).toFixed(1)} MB)`)
  }
  log.info(`tokenizer    ${(await inspectModelFile(paths.target)).tokenizerFingerprint}`)
  return undefined
})

/** The manifest export_weights.py writes beside each model's raw tensors. */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { StoriesModelConfig } from './stories-gguf.ts'

export type StoriesRole = 'target' | 'draft'

export interface ExportManifest {
  config: StoriesModelConfig
  parameters: number
  /** ggml dimensions (fastest first) and the raw little-endian float32 file of each tensor. */
  tensors: Array<{ name: string, dimensions: number[], file: string }>
  /** Torch's greedy answers (token ids) to the fixed prompts of prompts.json, by prompt group. */
  greedy: Record<'everyday' | 'agreement', number[][]>
}

export function exportFolder (cacheDir: string, role: StoriesRole): string {
  return join(cacheDir, 'export', role)
}

export async function readManifest (cacheDir: string, role: StoriesRole): Promise<ExportManifest> {
  return JSON.parse(await readFile(join(exportFolder(cacheDir, role), 'manifest.json'), 'utf8')) as ExportManifest
}

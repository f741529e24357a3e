/**
 * The built-in demo pair: a small story-writing target and the draft
 * distilled from it, trained by the project and committed in `demo-models/`
 * (see its README). The verifier runs the target when no model is given; the
 * relay serves both at `/models/<file>.gguf` for the browser engines, from
 * the model cache, so they are copied there.
 *
 * The random generator ({@link ./demo-models.ts}) stays for models of a given
 * shape (a context length, a width).
 *
 * @example
 * ```ts
 * const target = await ensureStoriesModel('target')   // .cache/models/shoal-stories-target.gguf
 * const draft = await ensureStoriesModel('draft')     // .cache/models/shoal-stories-draft.gguf
 * ```
 */
import { randomBytes } from 'node:crypto'
import { readFile, rename, rm, stat, copyFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { demoModelCacheDir } from './demo-models.ts'

/** `target`: what the verifier runs; `draft`: 2 layers x 128, distilled from it. */
export type StoriesModelRole = 'target' | 'draft'

export const STORIES_MODEL_ROLES: readonly StoriesModelRole[] = ['target', 'draft']

/** The committed files, in the repository's `demo-models/` folder. */
const COMMITTED_DIR = fileURLToPath(new URL('../../../demo-models/', import.meta.url))

/** `shoal-stories-target.gguf` or `shoal-stories-draft.gguf`. */
export function storiesModelFileName (role: StoriesModelRole): string {
  return `shoal-stories-${role}.gguf`
}

/** The committed file of a role (never written to). */
export function committedStoriesModelPath (role: StoriesModelRole): string {
  return join(COMMITTED_DIR, storiesModelFileName(role))
}

export interface EnsureStoriesModelOptions {
  /**
   * Folder the relay serves models from.
   *
   * @default $SHOAL_MODEL_CACHE, else `.cache/models` in the repository
   */
  cacheDir?: string
}

/**
 * Copies the committed model of `role` into the model cache unless an
 * identical copy is there, and returns the copy's path. A copy that differs
 * (the pair was rebuilt) is replaced. Written whole under a temporary name
 * and renamed, so concurrent callers never read a partial file.
 */
export async function ensureStoriesModel (role: StoriesModelRole, options: EnsureStoriesModelOptions = {}): Promise<string> {
  const cacheDir = options.cacheDir ?? demoModelCacheDir()
  const source = committedStoriesModelPath(role)
  const path = join(cacheDir, storiesModelFileName(role))
  if (await sameBytes(source, path)) {
    return path
  }
  await mkdir(cacheDir, { recursive: true })
  const partial = `${path}.${randomBytes(6).toString('hex')}.partial`
  try {
    await copyFile(source, partial)
    await rename(partial, path)
  } finally {
    await rm(partial, { force: true })
  }
  return path
}

/** Both models of the pair, copied into the cache. */
export async function ensureStoriesModels (options: EnsureStoriesModelOptions = {}): Promise<Record<StoriesModelRole, string>> {
  return { target: await ensureStoriesModel('target', options), draft: await ensureStoriesModel('draft', options) }
}

async function sameBytes (source: string, copy: string): Promise<boolean> {
  const [sourceStats, copyStats] = await Promise.all([stat(source), stat(copy).catch(() => undefined)])
  if (copyStats?.isFile() !== true || copyStats.size !== sourceStats.size) {
    return false
  }
  // 11 MB together: comparing them costs milliseconds, and a rebuilt pair keeps its sizes.
  const [sourceBytes, copyBytes] = await Promise.all([readFile(source), readFile(copy)])
  return sourceBytes.equals(copyBytes)
}

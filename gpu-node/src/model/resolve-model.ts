import { resolve } from 'node:path'
import { resolveModelFile } from 'node-llama-cpp'
import { ModelFileError } from '../verifier/errors.ts'
import { DEMO_MODEL_NAME, demoModelCacheDir } from './demo-models.ts'
import { ensureStoriesModel } from './stories-models.ts'
import { modelNameFromPath } from './model-file.ts'

/** Where the model to serve lives, once any download is done. */
export interface ResolvedModel {
  path: string
  /** Name clients use: `--model-name`, else the file name without `.gguf` (`shoal-demo` for the demo model). */
  name: string
  /** True for the built-in demo model. */
  demo: boolean
}

export interface ResolveModelOptions {
  /** `--model-name`. */
  name?: string
  /** Where download progress goes (stderr); a TTY gets one updating line. */
  progress?: { write: (text: string) => unknown, isTTY?: boolean }
  signal?: AbortSignal
  /**
   * A download that makes no progress for this long fails.
   *
   * @default 30_000
   */
  stallTimeoutMs?: number
}

const URI_PATTERN = /^(hf:|huggingface:|https?:\/\/)/i

/**
 * Turns `--model` into a local file: nothing means the built-in demo model
 * (the story target committed in `demo-models/`, copied into the model cache
 * the relay serves), a URI (`hf:user/repo:quant`,
 * `https://...`) is downloaded with node-llama-cpp's `resolveModelFile`
 * (into `~/.node-llama-cpp/models`, reused when present), and anything else
 * is a path.
 *
 * @throws {ModelFileError} when a URI cannot be fetched (offline, unknown, stalled)
 */
export async function resolveModelPath (spec: string | undefined, options: ResolveModelOptions = {}): Promise<ResolvedModel> {
  if (spec == null || spec === '') {
    let path: string
    try {
      path = await ensureStoriesModel('target')
    } catch (err) {
      throw new ModelFileError(`cannot write the demo model into ${demoModelCacheDir()} (${describe(err)}); set SHOAL_MODEL_CACHE to a writable folder, or SHOAL_MODEL to a model`)
    }
    return { path, name: options.name ?? DEMO_MODEL_NAME, demo: true }
  }
  if (!URI_PATTERN.test(spec)) {
    const path = resolve(spec)
    return { path, name: options.name ?? modelNameFromPath(path), demo: false }
  }
  const path = await download(spec, options)
  return { path, name: options.name ?? modelNameFromPath(path), demo: false }
}

async function download (uri: string, options: ResolveModelOptions): Promise<string> {
  if (/^https?:\/\//i.test(uri)) {
    // node-llama-cpp's downloader retries an unreachable host for minutes; ask once first.
    try {
      await fetch(uri, { method: 'HEAD', redirect: 'follow', signal: AbortSignal.any([AbortSignal.timeout(15_000), ...(options.signal == null ? [] : [options.signal])]) })
    } catch (err) {
      throw new ModelFileError(`cannot fetch model ${uri}: ${describe(err)}`)
    }
  }
  const stallTimeoutMs = options.stallTimeoutMs ?? 30_000
  const progress = new ProgressLine(uri, options.progress)
  const stalled = new AbortController()
  let watchdog = setTimeout(() => { stalled.abort() }, stallTimeoutMs)
  const onProgress = ({ totalSize, downloadedSize }: { totalSize: number, downloadedSize: number }): void => {
    clearTimeout(watchdog)
    watchdog = setTimeout(() => { stalled.abort() }, stallTimeoutMs)
    progress.update(downloadedSize, totalSize)
  }
  const signal = AbortSignal.any([stalled.signal, ...(options.signal == null ? [] : [options.signal])])
  try {
    const downloading = resolveModelFile(uri, { cli: false, onProgress, signal })
    // Some failures leave resolveModelFile waiting on retries that ignore the signal; stop waiting anyway.
    const path = await Promise.race([
      downloading,
      new Promise<never>((_resolve, reject) => {
        signal.addEventListener('abort', () => { reject(new Error(stalled.signal.aborted ? `no progress for ${Math.round(stallTimeoutMs / 1000)} s` : 'aborted')) }, { once: true })
      })
    ])
    progress.done()
    return path
  } catch (err) {
    progress.done()
    throw new ModelFileError(`cannot fetch model ${uri}: ${describe(err)}`)
  } finally {
    clearTimeout(watchdog)
  }
}

/** One line of download progress: rewritten in place on a TTY, else printed at each quarter. */
class ProgressLine {
  #lastQuarter = -1
  #written = false

  constructor (readonly uri: string, readonly output: ResolveModelOptions['progress']) {}

  update (downloaded: number, total: number): void {
    if (this.output == null || total <= 0) {
      return
    }
    const fraction = Math.min(1, downloaded / total)
    const text = `Downloading ${this.uri}: ${Math.floor(fraction * 100)}% (${megabytes(downloaded)} of ${megabytes(total)} MB)`
    if (this.output.isTTY === true) {
      const width = 24
      const filled = Math.round(fraction * width)
      this.output.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`)
      this.#written = true
      return
    }
    const quarter = Math.floor(fraction * 4)
    if (quarter !== this.#lastQuarter) {
      this.#lastQuarter = quarter
      this.output.write(`${text}\n`)
    }
  }

  done (): void {
    if (this.#written) {
      this.output?.write('\n')
      this.#written = false
    }
  }
}

function megabytes (bytes: number): string {
  return (bytes / 1_000_000).toFixed(1)
}

function describe (err: unknown): string {
  if (!(err instanceof Error)) {
    return String(err)
  }
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : ''
  return `${err.message}${cause}`.replace(/\s+/g, ' ').trim()
}

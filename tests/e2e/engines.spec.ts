/**
 * Browser inference engines, in headless Chromium against the built app served by a real relay:
 * - engine choice reads WebGPU (present through SwiftShader with the WebGPU flags, absent without);
 * - a WebLLM model whose model library cannot be fetched fails on the page, in words, within a
 *   deadline (WebLLM needs a TVM-compiled .wasm per model, which cannot be downloaded here);
 * - the model manager downloads a demo GGUF from the relay's /models/ with visible progress, lists
 *   it as cached with its size, deletes it, and shows the storage estimate.
 *
 * Run `npm run build` first.
 */
import { existsSync } from 'node:fs'
import { cp, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, expect, test } from '@playwright/test'
import type { BrowserContext, Page } from '@playwright/test'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/browser.ts'
import { ensureDemoPair } from '../support/models.ts'
import { REPO_ROOT, startRelay, temporaryDirectory } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'

const APP_DIR = join(REPO_ROOT, 'build')
const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--enable-unsafe-swiftshader']
/** The page must report a missing model library within this long (the engine's own deadline is 15 s). */
const WEBLLM_ERROR_DEADLINE_MS = 30_000

let relay: ShoalProcess
let demoPair: Awaited<ReturnType<typeof ensureDemoPair>>

test.beforeAll(async () => {
  if (!existsSync(join(APP_DIR, 'index.html'))) throw new Error(`no built app in ${APP_DIR}: run \`npm run build\` first`)
  // The relay serves the demo pair from the model cache, where it is copied.
  demoPair = await ensureDemoPair()
  relay = await startRelay({ appDir: APP_DIR })
})

test.afterAll(async () => {
  await relay?.stop()
})

/** A fresh profile (a persistent context, as service workers and storage quotas need) with its own flags. */
async function launch (extraArgs: string[]): Promise<{ context: BrowserContext, page: Page, close: () => Promise<void> }> {
  const directory = await temporaryDirectory('shoal-engines-profile-')
  const context = await chromium.launchPersistentContext(directory, {
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    baseURL: relay.url
  })
  const page = context.pages()[0] ?? await context.newPage()
  return {
    context,
    page,
    close: async () => {
      await context.close()
      await rm(directory, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 })
    }
  }
}

test('with the WebGPU flags, engine choice sees the SwiftShader adapter without shader-f16', async () => {
  const { page, close } = await launch(WEBGPU_ARGS)
  try {
    await page.goto('/models')
    const status = page.getByTestId('webgpu-status')
    await expect(status).toHaveAttribute('data-available', 'true')
    await expect(page.getByTestId('webgpu-adapter')).toContainText(/swiftshader/i)
    await expect(page.getByTestId('shader-f16')).toHaveText('no')
    // A software adapter: WebLLM is possible but wllama is advised, and the page says why.
    await expect(page.getByTestId('recommendation')).toHaveAttribute('data-engine', 'wllama')
    await expect(page.getByTestId('device')).toContainText('software renderer')
    // Only models without shader-f16 are offered.
    await expect(page.getByTestId('webllm-model').first()).toBeVisible()
    const offered = await page.getByTestId('webllm-model').evaluateAll((items) => items.map((item) => item.getAttribute('data-model-id') ?? ''))
    expect(offered.length).toBeGreaterThan(0)
    expect(offered.every((id) => !/q4f16|q0f16/.test(id)), `f16 models offered: ${offered.join(', ')}`).toBe(true)
  } finally {
    await close()
  }
})

test('without the WebGPU flags, engine choice reports WebGPU absent and explains why', async () => {
  const { page, close } = await launch([])
  try {
    await page.goto('/models')
    const status = page.getByTestId('webgpu-status')
    await expect(status).toHaveAttribute('data-available', 'false')
    await expect(status).toContainText(/WebGPU|adapter/)
    await expect(page.getByTestId('recommendation')).toHaveAttribute('data-engine', 'wllama')
    await expect(page.getByTestId('webllm-none')).toBeVisible()
  } finally {
    await close()
  }
})

test('a WebLLM model whose library cannot be fetched fails on the page in words, within a deadline', async () => {
  const { page, close } = await launch(WEBGPU_ARGS)
  try {
    await page.goto('/models')
    const model = page.getByTestId('webllm-model').first()
    await expect(model).toBeVisible()
    const started = Date.now()
    await model.getByRole('button', { name: 'Download and load' }).click()
    const error = model.getByTestId('webllm-error')
    await expect(error).toBeVisible({ timeout: WEBLLM_ERROR_DEADLINE_MS })
    expect(Date.now() - started).toBeLessThan(WEBLLM_ERROR_DEADLINE_MS)
    await expect(error).toContainText('ModelLoadError')
    await expect(error).toContainText(/model library .* could not be fetched|model library .* is missing/)
    // The button is back: the user can retry, nothing hangs.
    await expect(model.getByRole('button', { name: 'Download and load' })).toBeVisible()
  } finally {
    await close()
  }
})

test('past the library check, the load runs in the shared worker and its failure reaches the page in words', async () => {
  const { context, page, close } = await launch(WEBGPU_ARGS)
  try {
    // The page's own library check sees a library (Playwright routes reach the page, not the shared
    // worker); the worker's WebLLM then fails to reach Hugging Face, as it would offline.
    await context.route(/^https:\/\/raw\.githubusercontent\.com\/.*\.wasm$/, async (route) => {
      await route.fulfill({ status: 206, contentType: 'application/wasm', body: '\0asm' })
    })
    await page.goto('/models')
    const model = page.locator('[data-testid="webllm-model"][data-model-id="Qwen2.5-0.5B-Instruct-q4f32_1-MLC"]')
    await model.getByRole('button', { name: 'Download and load' }).click()
    const error = model.getByTestId('webllm-error')
    await expect(error).toBeVisible({ timeout: WEBLLM_ERROR_DEADLINE_MS })
    await expect(error).toContainText('ModelLoadError')
    await expect(error).toContainText('could not download the files of Qwen2.5-0.5B-Instruct-q4f32_1-MLC')
  } finally {
    await close()
  }
})

test('the model manager downloads a demo GGUF with progress, lists it with its size, deletes it', async () => {
  const { context, page, close } = await launch([])
  try {
    // The demo target (8.3 MiB): big enough for its progress to be seen at 2 MB/s.
    const fileSize = (await stat(demoPair.target)).size
    const id = 'shoal-stories-target'
    // Is the relay serving models at all? (Another part of the project adds /models/ to the relay.)
    const head = await page.request.head(`${relay.url}/models/${id}.gguf`)
    expect(head.status(), 'the relay does not serve /models/<file>.gguf').toBe(200)

    await page.goto('/models')
    await expect(page.getByTestId('storage-estimate')).toContainText(/Using .* of .*B/)
    // Slow the download to ~2 MB/s so its progress is on screen long enough to see.
    const devtools = await context.newCDPSession(page)
    await devtools.send('Network.enable')
    await devtools.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: 2 * 1024 * 1024, uploadThroughput: -1 })

    const row = page.locator(`[data-testid="model"][data-model-id="${id}"]`)
    await expect(row).toHaveAttribute('data-cached', 'false')
    await row.getByRole('button', { name: 'Download' }).click()
    const progress = row.getByRole('progressbar')
    await expect(progress).toBeVisible()
    // Progress moves: some bytes of the whole, before the end.
    await expect(row.getByTestId('progress-text')).toHaveText(/[1-9][\d.]* (KiB|MiB) of 8\.\d MiB/)

    await expect(row).toHaveAttribute('data-cached', 'true', { timeout: 30_000 })
    const expectedSize = `${(fileSize / 1024 / 1024).toFixed(1)} MiB`
    await expect(row.getByTestId('cached-size')).toHaveText(`Cached, ${expectedSize}`)
    const stored = await page.evaluate(async (url) => {
      const cache = await caches.open('shoal-models-v1')
      const response = await cache.match(url)
      return response === undefined ? -1 : (await response.arrayBuffer()).byteLength
    }, `${relay.url}/models/${id}.gguf`)
    expect(stored).toBe(fileSize)

    await row.getByRole('button', { name: 'Delete' }).click()
    await expect(row).toHaveAttribute('data-cached', 'false')
    await expect(row.getByRole('button', { name: 'Download' })).toBeVisible()
  } finally {
    await close()
  }
})

test('the shared WebLLM worker answers heartbeats, and a failed load comes back to the tab that asked', async () => {
  // A private copy of build/ with a stand-in WebLLM model beside it (Hugging Face is unreachable
  // here, and Playwright's routes do not reach shared workers): an empty chat config and a model
  // library that is not WebAssembly.
  const workDir = await temporaryDirectory('shoal-engines-app-')
  const appDir = join(workDir, 'app')
  await cp(APP_DIR, appDir, { recursive: true })
  await mkdir(join(appDir, 'webllm-fake/resolve/main'), { recursive: true })
  await writeFile(join(appDir, 'webllm-fake/resolve/main/mlc-chat-config.json'), '{}')
  await writeFile(join(appDir, 'webllm-fake/lib.wasm'), 'not a model library')
  const workerFile = (await readdir(join(appDir, '_app/immutable/workers'))).find((name) => name.startsWith('webllm-engine.worker-'))
  expect(workerFile, 'no webllm-engine worker in the build').toBeDefined()
  const privateRelay = await startRelay({ appDir, keyFile: join(workDir, 'relay.key') })
  const { page, close } = await launch(WEBGPU_ARGS)
  try {
    await page.goto(`${privateRelay.url}/models`)
    const result = await page.evaluate(async ({ workerUrl, deadlineMs }) => {
      const worker = new SharedWorker(workerUrl, { type: 'module', name: 'shoal-webllm-test' })
      const port = worker.port
      const messages: Array<{ kind?: unknown, uuid?: unknown, content?: unknown, webgpu?: unknown, tabs?: unknown }> = []
      port.onmessage = (event: MessageEvent<{ kind?: unknown }>) => { messages.push(event.data) }
      const waitFor = async (test: (message: { kind?: unknown, uuid?: unknown }) => boolean): Promise<(typeof messages)[number] | undefined> => {
        const end = Date.now() + deadlineMs
        while (Date.now() < end) {
          const found = messages.find(test)
          if (found !== undefined) return found
          await new Promise((resolve) => { setTimeout(resolve, 50) })
        }
        return undefined
      }
      port.postMessage({ kind: 'shoal-ping', id: 1 })
      const pong = await waitFor((message) => message.kind === 'shoal-pong')
      const origin = location.origin
      port.postMessage({ kind: 'setAppConfig', uuid: 'config', content: { model_list: [{ model: `${origin}/webllm-fake/`, model_id: 'fake-MLC', model_lib: `${origin}/webllm-fake/lib.wasm` }] } })
      const started = Date.now()
      port.postMessage({ kind: 'reload', uuid: 'reload-1', content: { modelId: ['fake-MLC'] } })
      const reply = await waitFor((message) => message.uuid === 'reload-1')
      return { pong, reply, elapsedMs: Date.now() - started }
    }, { workerUrl: `/_app/immutable/workers/${workerFile ?? ''}`, deadlineMs: WEBLLM_ERROR_DEADLINE_MS })
    // Chromium exposes WebGPU inside shared workers, so one worker can hold the model for every tab.
    expect(result.pong).toMatchObject({ kind: 'shoal-pong', id: 1, tabs: 1, webgpu: true })
    expect(result.reply, 'no answer to reload within the deadline').toMatchObject({ kind: 'throw', uuid: 'reload-1' })
    // WebLLM got past the config to the library, which is not WebAssembly.
    expect(String(result.reply?.content)).toMatch(/WebAssembly/)
  } finally {
    await close()
    await privateRelay.stop()
    await rm(workDir, { recursive: true, force: true })
  }
})

import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { getLlama, LlamaLogLevel, resolveChatWrapper } from 'node-llama-cpp'
import type { Page } from '@playwright/test'
import { buildChatPrompt } from '../../gpu-node/src/verifier/chat-prompt.ts'
import { chatMlPromptPieces } from '../../src/lib/inference/wllama-chat-prompt.ts'
import { launchProfile } from '../support/browser.ts'
import { ensureDemoPair, referenceGreedyCompletion } from '../support/models.ts'
import { REPO_ROOT, startRelay } from '../support/processes.ts'
import { e2eSession } from '../support/e2e-session.ts'

/**
 * The wllama worker's token-level API (what drafting uses), driven straight
 * through its comlink endpoint from the page: the built worker, the demo
 * model from the relay, real Chromium. The page has no hook for this on
 * purpose; the test speaks comlink's wire format (APPLY with RAW values).
 */

const { processes, profiles } = e2eSession()

async function builtWorkerPath (): Promise<string> {
  const folder = join(REPO_ROOT, 'build/_app/immutable/workers')
  const name = (await readdir(folder)).find((file) => /^wllama\.worker-[\w-]+\.js$/.test(file))
  if (name === undefined) throw new Error('no built wllama worker: run `npx vite build`')
  return `/_app/immutable/workers/${name}`
}

/** Starts the worker in the page and installs `window.callWorker(method, ...args)`. */
async function startWorker (page: Page, path: string): Promise<void> {
  await page.evaluate((workerPath) => {
    const worker = new Worker(workerPath, { type: 'module' })
    const pending = new Map<string, { resolve: (value: unknown) => void, reject: (err: Error) => void }>()
    let counter = 0
    worker.addEventListener('message', (event: MessageEvent<{ id: string, type: string, value: unknown, name?: string }>) => {
      const { id, type, value } = event.data
      const waiter = pending.get(id)
      pending.delete(id)
      if (type === 'HANDLER') {
        const thrown = (value as { value: { name: string, message: string } }).value
        waiter?.reject(Object.assign(new Error(thrown.message), { name: thrown.name }))
      } else {
        waiter?.resolve(value)
      }
    })
    Object.assign(window, {
      callWorker: async (method: string, ...args: unknown[]) => await new Promise((resolve, reject) => {
        const id = `call-${counter++}`
        pending.set(id, { resolve, reject })
        worker.postMessage({ id, type: 'APPLY', path: [method], argumentList: args.map((value) => ({ type: 'RAW', value })) })
      })
    })
  }, path)
}

async function call<T> (page: Page, method: string, ...args: unknown[]): Promise<T> {
  return await page.evaluate(async ({ method, args }) => {
    const callWorker = (window as unknown as { callWorker: (method: string, ...args: unknown[]) => Promise<unknown> }).callWorker
    return await callWorker(method, ...args)
  }, { method, args }) as T
}

test('prompt tokens match the verifier\'s, greedy tokens match node-llama-cpp, and rewind regenerates the same tokens', async () => {
  const models = await ensureDemoPair()
  const relay = await startRelay()
  processes.push(relay)
  const profile = await launchProfile()
  profiles.push(profile)
  const page = profile.pages()[0] ?? await profile.newPage()
  await page.goto(relay.url)
  await startWorker(page, await builtWorkerPath())

  const loaded = await call<{ chatMl: boolean, multiThreaded: boolean }>(page, 'load', { operationId: 'load-1', id: 'shoal-demo', url: `${relay.url}/models/shoal-stories-target.gguf` })
  expect(loaded).toMatchObject({ chatMl: true, multiThreaded: true })

  // The verifier's prompt tokens, built by gpu-node's own code.
  const messages = [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Hello <|im_end|> there!' }]
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1, logLevel: LlamaLogLevel.error })
  const model = await llama.loadModel({ modelPath: models.target, gpuLayers: 0 })
  const verifierPrompt = buildChatPrompt(model, resolveChatWrapper(model), messages).tokens.map(Number)
  await model.dispose()

  // The browser's ChatML pieces (what the worker's chat uses), tokenized by wllama in the worker.
  const pieces: number[] = []
  for (const piece of chatMlPromptPieces(messages)) {
    if (piece.kind === 'bos') {
      pieces.push(verifierPrompt[0] ?? -1)
    } else {
      pieces.push(...await call<number[]>(page, 'tokenize', piece.text, piece.kind === 'special'))
    }
  }
  expect(pieces).toEqual(verifierPrompt)

  expect(await call<number>(page, 'evaluate', verifierPrompt)).toBe(verifierPrompt.length)
  const greedy = await call<Array<{ token: number, probability: number }>>(page, 'generateGreedy', 8, 'gen-1')
  expect(greedy).toHaveLength(8)
  for (const { probability } of greedy) {
    expect(probability).toBeGreaterThan(0)
    expect(probability).toBeLessThanOrEqual(1)
  }
  const text = await call<string>(page, 'detokenize', greedy.map(({ token }) => token))
  expect(text).toBe((await referenceGreedyCompletion(models.target, messages, 8)).text)
  expect(await call<number>(page, 'contextLength')).toBe(verifierPrompt.length + 8)

  // Rewind to after the third generated token, re-evaluate the fourth, and the rest comes again.
  expect(await call<number>(page, 'rewind', verifierPrompt.length + 3)).toBe(verifierPrompt.length + 3)
  await call<number>(page, 'evaluate', [greedy[3]?.token])
  const again = await call<Array<{ token: number }>>(page, 'generateGreedy', 4, 'gen-2')
  expect(again.map(({ token }) => token)).toEqual(greedy.slice(4).map(({ token }) => token))

  // Rewinding to the start empties the context; the same prompt gives the same tokens again.
  expect(await call<number>(page, 'rewind', 0)).toBe(0)
  await call<number>(page, 'evaluate', verifierPrompt)
  const fresh = await call<Array<{ token: number }>>(page, 'generateGreedy', 2, 'gen-3')
  expect(fresh.map(({ token }) => token)).toEqual(greedy.slice(0, 2).map(({ token }) => token))

  // Errors cross the boundary by name.
  await call(page, 'unload')
  await expect(call(page, 'tokenize', 'x', false)).rejects.toThrow(/EngineNotLoadedError|no model is loaded/)
})

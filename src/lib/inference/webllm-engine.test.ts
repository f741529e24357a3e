/**
 * The WebLLM engine's own logic, against a fake worker that speaks WebLLM's worker protocol
 * (no GPU, no model): deadlines, the heartbeat, and reloading after the worker is lost.
 * The real worker and WebGPU are exercised in tests/e2e/engines.spec.ts.
 */
import { expect, test } from '@playwright/test'
import { z } from 'zod'
import { createWebllmEngine } from './webllm-engine.ts'
import type { WorkerConnection } from './webllm-engine.ts'

const requestSchema = z.object({ kind: z.string(), uuid: z.string().optional(), id: z.number().optional() })

interface FakeWorker extends WorkerConnection {
  /** Stop answering anything, as a crashed worker would. */
  die: () => void
  reloads: number
}

/** A worker that answers pings, and reloads after `reloadMs` (never when undefined). */
function fakeWorker (options: { reloadMs?: number, webgpu?: boolean }): FakeWorker {
  let alive = true
  const worker: FakeWorker = {
    onmessage: null,
    reloads: 0,
    onerror: () => {},
    close: () => { alive = false },
    die: () => { alive = false },
    postMessage: (message) => {
      const request = requestSchema.parse(message)
      const reply = (data: unknown): void => {
        queueMicrotask(() => { if (alive) worker.onmessage?.(new MessageEvent('message', { data })) })
      }
      if (!alive) return
      if (request.kind === 'shoal-ping') reply({ kind: 'shoal-pong', id: request.id, webgpu: options.webgpu ?? true, tabs: 1 })
      if (request.kind === 'reload') {
        worker.reloads++
        if (options.reloadMs !== undefined) setTimeout(() => { reply({ kind: 'return', uuid: request.uuid, content: null }) }, options.reloadMs)
      }
    }
  }
  return worker
}

const MODEL = { id: 'Qwen2.5-0.5B-Instruct-q4f32_1-MLC' }
const TIMING = { heartbeatIntervalMs: 20, heartbeatDeadlineMs: 200, libraryDeadlineMs: 500 }

const originalFetch = globalThis.fetch

test.afterEach(() => {
  globalThis.fetch = originalFetch
  Reflect.deleteProperty(navigator, 'gpu')
})

test.beforeEach(() => {
  // A GPU adapter and a reachable model library, as far as the engine's own checks go.
  Object.defineProperty(navigator, 'gpu', { value: { requestAdapter: async () => ({}) }, configurable: true })
  globalThis.fetch = async () => new Response('\0asm', { status: 206 })
})

test('without WebGPU the load fails at once with EngineUnsupportedError', async () => {
  Object.defineProperty(navigator, 'gpu', { value: undefined, configurable: true })
  Reflect.deleteProperty(navigator, 'gpu')
  const engine = createWebllmEngine({ ...TIMING, connect: () => fakeWorker({ reloadMs: 0 }) })
  await expect(engine.load(MODEL)).rejects.toMatchObject({ name: 'EngineUnsupportedError' })
})

test('a worker without WebGPU fails the load with EngineUnsupportedError', async () => {
  const engine = createWebllmEngine({ ...TIMING, connect: () => fakeWorker({ reloadMs: 0, webgpu: false }) })
  await expect(engine.load(MODEL)).rejects.toMatchObject({ name: 'EngineUnsupportedError', message: expect.stringMatching(/inside a worker/) })
  await engine.dispose()
})

test('an unreachable model library fails the load with ModelLoadError in words', async () => {
  globalThis.fetch = async () => { throw new TypeError('Failed to fetch') }
  const engine = createWebllmEngine({ ...TIMING, connect: () => fakeWorker({ reloadMs: 0 }) })
  await expect(engine.load(MODEL)).rejects.toMatchObject({ name: 'ModelLoadError', message: expect.stringMatching(/model library .* could not be fetched/) })
})

test('a load without progress fails after the stall deadline instead of hanging', async () => {
  const engine = createWebllmEngine({ ...TIMING, stallDeadlineMs: 300, connect: () => fakeWorker({}) })
  const started = Date.now()
  await expect(engine.load(MODEL)).rejects.toMatchObject({ name: 'ModelLoadError', message: expect.stringMatching(/stalled/) })
  expect(Date.now() - started).toBeLessThan(2_000)
  await engine.dispose()
})

test('an aborted load rejects with AbortError', async () => {
  const engine = createWebllmEngine({ ...TIMING, connect: () => fakeWorker({}) })
  const controller = new AbortController()
  const loading = engine.load(MODEL, { signal: controller.signal })
  setTimeout(() => { controller.abort() }, 50)
  await expect(loading).rejects.toMatchObject({ name: 'AbortError' })
  await engine.dispose()
})

test('when the worker stops answering heartbeats, a fresh one is started and the model reloaded', async () => {
  const workers: FakeWorker[] = []
  const engine = createWebllmEngine({ ...TIMING, connect: () => { const worker = fakeWorker({ reloadMs: 10 }); workers.push(worker); return worker } })
  await engine.load(MODEL)
  expect(engine.model).toEqual(MODEL)
  expect(workers).toHaveLength(1)
  workers[0]?.die()
  await expect.poll(() => workers.length, { timeout: 5_000 }).toBe(2)
  await expect.poll(() => workers[1]?.reloads ?? 0, { timeout: 5_000 }).toBe(1)
  await expect.poll(() => engine.model?.id, { timeout: 5_000 }).toBe(MODEL.id)
  await engine.dispose()
})

test('a worker lost during a load fails it with EngineDisposedError', async () => {
  const worker = fakeWorker({})
  const engine = createWebllmEngine({ ...TIMING, connect: () => worker })
  const loading = engine.load(MODEL)
  setTimeout(() => { worker.die() }, 50)
  await expect(loading).rejects.toMatchObject({ name: 'EngineDisposedError' })
  await engine.dispose()
})

test('token-level calls are unsupported, by name', async () => {
  const engine = createWebllmEngine({ connect: () => fakeWorker({}) })
  expect(engine.capabilities.tokens).toBe(false)
  await expect(engine.tokenize('hi')).rejects.toMatchObject({ name: 'EngineUnsupportedError' })
  await expect(engine.rewind(0)).rejects.toMatchObject({ name: 'EngineUnsupportedError' })
})

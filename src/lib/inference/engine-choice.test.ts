import { expect, test } from '@playwright/test'
import { prebuiltAppConfig } from '@mlc-ai/web-llm'
import { describeAdapter, detectDevice, formatBytes, modelUnavailableReason, recommendEngine, webllmUnavailableReason } from './engine-choice.ts'
import type { AdapterLike, DeviceReport } from './engine-choice.ts'
import { DEMO_GGUF_MODELS, webllmCatalogEntries } from './model-catalog.ts'

const MIB = 1024 * 1024

function adapter (options: { features?: string[], name?: Partial<NonNullable<AdapterLike['info']>>, binding?: number } = {}): AdapterLike {
  const features = new Set(options.features ?? [])
  return {
    features: { has: (feature) => features.has(feature) },
    limits: { maxBufferSize: 2048 * MIB, maxStorageBufferBindingSize: options.binding ?? 2048 * MIB },
    info: { vendor: 'nvidia', architecture: 'ampere', ...options.name }
  }
}

async function deviceWith (gpu: AdapterLike | null | undefined, deviceMemory?: number): Promise<DeviceReport> {
  return detectDevice({
    gpu: gpu === undefined ? undefined : { requestAdapter: async () => gpu },
    deviceMemory,
    hardwareConcurrency: 8
  })
}

const catalog = [...DEMO_GGUF_MODELS, ...webllmCatalogEntries(prebuiltAppConfig.model_list)]

test('no navigator.gpu: WebLLM is out, with the reason in words, and wllama is recommended', async () => {
  const device = await deviceWith(undefined, 8)
  expect(device.webgpu.available).toBe(false)
  expect(webllmUnavailableReason(device)).toMatch(/no WebGPU/)
  const choice = recommendEngine(device, catalog)
  expect(choice.engine).toBe('wllama')
  expect(choice.model?.id).toBe('shoal-stories-target')
  expect(choice.reasons.join(' ')).toMatch(/WebLLM is unavailable/)
})

test('an adapter-less WebGPU is reported as such', async () => {
  const device = await deviceWith(null, 8)
  expect(webllmUnavailableReason(device)).toMatch(/no adapter/)
})

test('a requestAdapter that never answers is cut off by a deadline', async () => {
  const device = await detectDevice({ gpu: { requestAdapter: async () => new Promise<never>(() => {}) } }, { adapterDeadlineMs: 50 })
  expect(device.webgpu.available).toBe(false)
  expect(webllmUnavailableReason(device)).toMatch(/no answer within/)
})

test('SwiftShader is recognised as a software adapter and not recommended for WebLLM', async () => {
  const device = await deviceWith(adapter({ name: { vendor: 'google', architecture: 'swiftshader', description: '' } }), 8)
  expect(device.webgpu).toMatchObject({ available: true, fallback: true, shaderF16: false })
  expect(webllmUnavailableReason(device)).toBeUndefined()
  const choice = recommendEngine(device, catalog)
  expect(choice.engine).toBe('wllama')
  expect(choice.reasons.join(' ')).toMatch(/software renderer/)
})

test('models needing shader-f16 are out without it, in on an adapter that has it', async () => {
  const f16Model = catalog.find((model) => model.requiredFeatures.includes('shader-f16'))
  expect(f16Model).toBeDefined()
  if (f16Model === undefined) return
  const without = await deviceWith(adapter(), 8)
  expect(modelUnavailableReason(f16Model, without)).toMatch(/shader-f16/)
  const withF16 = await deviceWith(adapter({ features: ['shader-f16'] }), 8)
  expect(modelUnavailableReason(f16Model, withF16)).toBeUndefined()
})

test('every f16-quantised WebLLM model needs shader-f16, whether or not WebLLM says so', () => {
  const f16 = catalog.filter((model) => /-q\d+f16/.test(model.id))
  expect(f16.length).toBeGreaterThan(0)
  for (const model of f16) expect(model.requiredFeatures, model.id).toContain('shader-f16')
  const f32 = catalog.find((model) => model.id === 'Qwen2.5-0.5B-Instruct-q4f32_1-MLC')
  expect(f32?.requiredFeatures).toEqual([])
})

test('a real GPU gets WebLLM with the smallest fitting model', async () => {
  const device = await deviceWith(adapter({ features: ['shader-f16'] }), 8)
  const choice = recommendEngine(device, catalog)
  expect(choice.engine).toBe('webllm')
  const fitting = catalog.filter((model) => model.engine === 'webllm' && modelUnavailableReason(model, device) === undefined)
  expect(choice.model?.vramMiB).toBe(Math.min(...fitting.map((model) => model.vramMiB)))
})

test('models larger than the reported memory are out, with a reason', async () => {
  const device = await deviceWith(adapter({ features: ['shader-f16'] }), 2)
  const big = catalog.find((model) => model.engine === 'webllm' && model.vramMiB > 4096)
  expect(big).toBeDefined()
  if (big !== undefined) expect(modelUnavailableReason(big, device)).toMatch(/MiB of GPU memory/)
})

test('a tiny storage-buffer binding limit rules WebLLM out', async () => {
  const device = await deviceWith(adapter({ binding: 64 * MIB }), 8)
  expect(webllmUnavailableReason(device)).toMatch(/128 MiB/)
})

test('describeAdapter names the adapter and formatBytes is readable', () => {
  expect(describeAdapter(adapter({ name: { vendor: '', architecture: '' } }))).toMatchObject({ adapterName: 'unknown adapter' })
  expect(formatBytes(1536)).toBe('1.5 KiB')
  expect(formatBytes(12)).toBe('12 B')
})

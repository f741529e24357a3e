import { expect, test } from '@playwright/test'
import { prebuiltAppConfig } from '@mlc-ai/web-llm'
import { chooseDeviceEngine, loadDeviceEngine } from './device-engine.ts'
import type { DeviceEngineChoice } from './device-engine.ts'
import { InferenceEngineError } from './engine.ts'
import type { EngineModel, InferenceEngine } from './engine.ts'
import type { AdapterLike } from './engine-choice.ts'
import { DEMO_LOCAL_MODEL, webllmCatalogEntries } from './model-catalog.ts'
import type { EngineKind } from './model-catalog.ts'

const MIB = 1024 * 1024
const catalog = webllmCatalogEntries(prebuiltAppConfig.model_list)

function adapter (vendor: string, architecture: string): AdapterLike {
  return {
    features: { has: (feature) => feature === 'shader-f16' },
    limits: { maxBufferSize: 2048 * MIB, maxStorageBufferBindingSize: 2048 * MIB },
    info: { vendor, architecture }
  }
}

function navigatorWith (gpu: AdapterLike | undefined): { gpu?: { requestAdapter: () => Promise<AdapterLike | null> }, deviceMemory: number, hardwareConcurrency: number } {
  return { ...(gpu === undefined ? {} : { gpu: { requestAdapter: async () => gpu } }), deviceMemory: 8, hardwareConcurrency: 8 }
}

/** An engine of `kind` whose load fails with `failure` (or succeeds); it notes what was loaded and whether it was disposed. */
class TestEngine implements InferenceEngine {
  readonly capabilities = { tokens: false, backend: 'wasm' as const }
  model: EngineModel | undefined
  disposed = false

  constructor (readonly kind: EngineKind, readonly failure?: Error) {}

  async load (model: EngineModel): Promise<void> {
    if (this.failure !== undefined) throw this.failure
    this.model = model
  }

  async * chat (): AsyncGenerator<string> { yield '' }
  async tokenize (): Promise<number[]> { return [] }
  async detokenize (): Promise<string> { return '' }
  async evaluate (): Promise<number> { return 0 }
  async generateGreedy (): Promise<[]> { return [] }
  async rewind (): Promise<number> { return 0 }
  async contextLength (): Promise<number> { return 0 }
  async unload (): Promise<void> {}
  async dispose (): Promise<void> { this.disposed = true }
}

test('without WebGPU this device answers with wllama and the demo model, says why, and never fetches WebLLM\'s list', async () => {
  let asked = false
  const choice = await chooseDeviceEngine({ navigator: navigatorWith(undefined), webllmCatalog: async () => { asked = true; return catalog } })
  expect(choice.engine).toBe('wllama')
  expect(choice.model).toEqual(DEMO_LOCAL_MODEL)
  expect(choice.reasons.join(' ')).toMatch(/^WebLLM is unavailable: This browser has no WebGPU/)
  expect(asked).toBe(false)
})

test('a software WebGPU adapter gets wllama too, with the reason', async () => {
  const choice = await chooseDeviceEngine({ navigator: navigatorWith(adapter('google', 'swiftshader')), webllmCatalog: async () => catalog })
  expect(choice.engine).toBe('wllama')
  expect(choice.reasons.join(' ')).toMatch(/software renderer/)
})

test('a real GPU gets WebLLM\'s smallest fitting model; without WebLLM\'s list (offline) it gets wllama, saying so', async () => {
  const choice = await chooseDeviceEngine({ navigator: navigatorWith(adapter('nvidia', 'ampere')), webllmCatalog: async () => catalog })
  expect(choice.engine).toBe('webllm')
  expect(catalog.some((model) => model.id === choice.model.id)).toBe(true)
  const offline = await chooseDeviceEngine({ navigator: navigatorWith(adapter('nvidia', 'ampere')), webllmCatalog: async () => { throw new TypeError('Failed to fetch') } })
  expect(offline).toMatchObject({ engine: 'wllama', model: DEMO_LOCAL_MODEL })
  expect(offline.reasons[0]).toBe('WebLLM\'s model list could not be loaded (Failed to fetch); are you offline?')
})

test('when WebLLM cannot load its model, wllama loads the demo model instead and the reasons say why', async () => {
  const choice: DeviceEngineChoice = { engine: 'webllm', model: { id: 'SmolLM2-135M-Instruct-q0f32-MLC' }, reasons: ['WebGPU adapter nvidia can run 3 WebLLM model(s).'] }
  const started: TestEngine[] = []
  const createEngine = async (kind: EngineKind): Promise<InferenceEngine> => {
    const engine = new TestEngine(kind, kind === 'webllm' ? new InferenceEngineError('ModelLoadError', 'the model library is missing') : undefined)
    started.push(engine)
    return engine
  }
  const loaded = await loadDeviceEngine(choice, { createEngine })
  expect(loaded).toMatchObject({ engine: 'wllama', model: DEMO_LOCAL_MODEL })
  expect(loaded.reasons.at(-1)).toBe('WebLLM could not load SmolLM2-135M-Instruct-q0f32-MLC (the model library is missing), so wllama runs the demo model on the CPU instead.')
  expect(started.map((engine) => [engine.kind, engine.disposed])).toEqual([['webllm', true], ['wllama', false]])
  expect(loaded.running).toBe(started[1])
})

test('a wllama failure, or a stopped load, is the caller\'s to see: no fallback then', async () => {
  const broken = async (kind: EngineKind): Promise<InferenceEngine> => new TestEngine(kind, new InferenceEngineError('ModelLoadError', 'HTTP 404'))
  await expect(loadDeviceEngine({ engine: 'wllama', model: DEMO_LOCAL_MODEL, reasons: [] }, { createEngine: broken })).rejects.toMatchObject({ name: 'ModelLoadError' })
  const stopped = new AbortController()
  stopped.abort()
  await expect(loadDeviceEngine({ engine: 'webllm', model: { id: 'x' }, reasons: [] }, { createEngine: broken, signal: stopped.signal })).rejects.toMatchObject({ name: 'ModelLoadError' })
})

/**
 * Ollama's model routes, as the official `ollama` client calls them: a real
 * gpu-node running the demo story model; `show`, `ps` and `list` must report
 * what the model file says (read here with node-llama-cpp, none of Shoal's
 * code). No relay: the API works without the mesh.
 */
import { expect, test } from '@playwright/test'
import { Ollama } from 'ollama'
import { getLlama, LlamaLogLevel } from 'node-llama-cpp'
import { ensureDemoPair } from '../support/models.ts'
import { freePort, startGpuNode, waitFor } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'

test.describe.configure({ mode: 'serial' })

const MODEL = 'shoal-demo'

let node: ShoalProcess
let ollama: Ollama
/** What node-llama-cpp reads from the model file. */
let file: { template: string, parameters: number, size: number, contextLength: number, embeddingLength: number }

test.beforeAll(async () => {
  test.setTimeout(90_000)
  const { target } = await ensureDemoPair()
  const relayUrl = `http://127.0.0.1:${await freePort()}`
  node = await startGpuNode({ relayUrl, extraArgs: ['--model', target, '--model-name', MODEL, '--threads', '1', '--gpu', 'off', '--context-size', '256'] })
  await waitFor('the model to load', async () => (await fetch(`${node.url}/v1/models`)).ok ? true : undefined, 30_000)
  ollama = new Ollama({ host: node.url })
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1, logLevel: LlamaLogLevel.error })
  const model = await llama.loadModel({ modelPath: target, gpuLayers: 0, vocabOnly: false })
  file = {
    template: String(model.fileInfo.metadata.tokenizer?.chat_template ?? ''),
    parameters: model.fileInsights.totalParameters,
    size: model.size,
    contextLength: model.trainContextSize,
    embeddingLength: model.embeddingVectorSize
  }
  await model.dispose()
  expect(file.template).toContain('<|im_start|>')
})

test.afterAll(async () => {
  await node?.stop()
})

test('show: family, parameter count, quantization, context length and the template, from the model file', async () => {
  const shown = await ollama.show({ model: MODEL })
  expect(shown.details).toEqual({ parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '2.2M', quantization_level: 'F32' })
  expect(file.parameters).toBe(2_164_416)
  expect(shown.template).toBe(file.template)
  const info = shown.model_info as unknown as Record<string, unknown>
  expect(info['general.architecture']).toBe('llama')
  expect(info['general.parameter_count']).toBe(file.parameters)
  expect(info['llama.context_length']).toBe(file.contextLength)
  expect(info['llama.embedding_length']).toBe(file.embeddingLength)
  // The vocabulary is not repeated in every answer.
  expect(info['tokenizer.ggml.tokens']).toBeUndefined()
  expect(shown.capabilities).toEqual(['completion', 'embedding'])
  // Older clients name the model in `name`, with Ollama's tag.
  const byName = await fetch(`${node.url}/api/show`, { method: 'POST', body: JSON.stringify({ name: `${MODEL}:latest` }) })
  expect(byName.status).toBe(200)
  expect((await byName.json() as { details: unknown }).details).toEqual(shown.details)
})

test('ps: the loaded model, its size and the context it runs with; list: the same entry', async () => {
  const loaded = await ollama.ps()
  expect(loaded.models).toHaveLength(1)
  const [entry] = loaded.models
  expect(entry?.name).toBe(MODEL)
  expect(entry?.size).toBe(file.size)
  expect(entry?.size_vram).toBe(0)
  // --context-size 256: what one chat may hold here, not what the model was trained with.
  expect((entry as unknown as { context_length: number }).context_length).toBe(256)
  expect(entry?.details.family).toBe('llama')
  // The client types it as a Date but hands over the JSON string.
  expect(new Date(String(entry?.expires_at)).getTime()).toBeGreaterThan(Date.now())
  const listed = await ollama.list()
  expect(listed.models[0]).toMatchObject({ name: MODEL, size: file.size, digest: entry?.digest, details: entry?.details })
})

test('bad requests: a 400 or 404 naming the problem, wrong methods 405', async () => {
  const post = async (body: unknown): Promise<Response> => fetch(`${node.url}/api/show`, { method: 'POST', body: JSON.stringify(body) })
  const unknown = await post({ model: 'llama3' })
  expect(unknown.status).toBe(404)
  expect(await unknown.json()).toEqual({ error: 'model "llama3" not found; this server serves "shoal-demo"' })
  const missing = await post({})
  expect(missing.status).toBe(400)
  expect((await missing.json() as { error: string }).error).toMatch(/model.*a model is required/)
  expect((await post({ model: 7 })).status).toBe(400)
  expect((await fetch(`${node.url}/api/show`)).status).toBe(405)
  expect((await fetch(`${node.url}/api/ps`, { method: 'POST', body: '{}' })).status).toBe(405)
  await expect(ollama.show({ model: 'llama3' })).rejects.toThrow(/not found/)
  expect((await fetch(`${node.url}/health`)).status).toBe(200)
})

/**
 * Which engine a contributing tab drafts with: WebLLM on the GPU where
 * WebGPU offers a real (hardware) adapter and a verifier on the mesh runs a
 * model that a WebLLM draft is declared to fit; wllama on the CPU
 * otherwise. Pure, so it is unit-tested without a GPU.
 *
 * @example
 * ```ts
 * const choice = chooseDraftEngine(await detectDevice(navigator), ['Qwen2.5-7B-Instruct-Q4_K_M'], WEBLLM_DRAFT_PAIRINGS)
 * // { engine: 'webllm', modelId: 'Qwen2.5-0.5B-Instruct-q4f16_1-MLC', pairing, label: 'WebLLM (WebGPU)', reason: '…' }
 * ```
 */
import { webllmUnavailableReason } from '../inference/engine-choice.ts'
import type { DeviceReport } from '../inference/engine-choice.ts'
import type { WebllmDraftPairing } from '../inference/model-catalog.ts'

export const WEBLLM_DRAFT_LABEL = 'WebLLM (WebGPU)'
export const WLLAMA_DRAFT_LABEL = 'wllama (WebAssembly)'

export type DraftEngineChoice =
  | { engine: 'webllm', modelId: string, pairing: WebllmDraftPairing, label: typeof WEBLLM_DRAFT_LABEL, reason: string }
  | { engine: 'wllama', label: typeof WLLAMA_DRAFT_LABEL, reason: string }

export function chooseDraftEngine (device: DeviceReport, verifierModels: readonly string[], pairings: readonly WebllmDraftPairing[]): DraftEngineChoice {
  const wllama = (reason: string): DraftEngineChoice => ({ engine: 'wllama', label: WLLAMA_DRAFT_LABEL, reason })
  const unavailable = webllmUnavailableReason(device)
  if (unavailable !== undefined || !device.webgpu.available) {
    return wllama(`No WebGPU for WebLLM: ${unavailable ?? 'no adapter'}`)
  }
  const gpu = device.webgpu
  if (gpu.fallback) {
    return wllama(`The WebGPU adapter (${gpu.adapterName}) is a software renderer, slower than wllama on the CPU.`)
  }
  for (const pairing of pairings) {
    const target = verifierModels.find((model) => pairing.targets.test(model))
    if (target === undefined) continue
    const modelId = pairing.draftModelIds.find((id) => gpu.shaderF16 || !/-q\d+f16/.test(id))
    if (modelId === undefined) continue
    return { engine: 'webllm', modelId, pairing, label: WEBLLM_DRAFT_LABEL, reason: `WebGPU adapter ${gpu.adapterName}; verifier model ${target} is declared to share ${pairing.label}'s tokenizer.` }
  }
  const heard = verifierModels.length === 0 ? 'none heard yet' : `heard: ${[...new Set(verifierModels)].join(', ')}`
  return wllama(`WebGPU is here, but no verifier on the mesh runs a model a WebLLM draft is declared for (${heard}).`)
}

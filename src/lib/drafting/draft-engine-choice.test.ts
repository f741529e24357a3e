import { expect, test } from '@playwright/test'
import { chooseDraftEngine } from './draft-engine-choice.ts'
import { WEBLLM_DRAFT_PAIRINGS } from '../inference/model-catalog.ts'
import type { DeviceReport } from '../inference/engine-choice.ts'

const MIB = 1024 * 1024

function device (webgpu: DeviceReport['webgpu']): DeviceReport {
  return { webgpu, deviceMemoryGiB: 8, logicalCores: 8, crossOriginIsolated: true }
}

const gpu = (overrides: { fallback?: boolean, shaderF16?: boolean } = {}): DeviceReport => device({
  available: true, adapterName: 'nvidia ampere', fallback: overrides.fallback ?? false, shaderF16: overrides.shaderF16 ?? true, maxBufferSize: 1024 * MIB, maxStorageBufferBindingSize: 1024 * MIB
})

test('WebLLM drafts where a hardware adapter is present and a verifier runs a paired model', () => {
  const choice = chooseDraftEngine(gpu(), ['shoal-stories-target', 'Qwen2.5-7B-Instruct-Q4_K_M'], WEBLLM_DRAFT_PAIRINGS)
  expect(choice).toMatchObject({ engine: 'webllm', modelId: 'Qwen2.5-0.5B-Instruct-q4f16_1-MLC', label: 'WebLLM (WebGPU)' })
  expect(choice.reason).toContain('Qwen2.5-7B-Instruct-Q4_K_M')
  // Without shader-f16, the f32 build.
  expect(chooseDraftEngine(gpu({ shaderF16: false }), ['Qwen2.5-14B-Instruct'], WEBLLM_DRAFT_PAIRINGS)).toMatchObject({ engine: 'webllm', modelId: 'Qwen2.5-0.5B-Instruct-q4f32_1-MLC' })
})

test('wllama drafts otherwise, and says why', () => {
  const noGpu = chooseDraftEngine(device({ available: false, reason: 'This browser has no WebGPU (navigator.gpu is missing).' }), ['Qwen2.5-7B-Instruct'], WEBLLM_DRAFT_PAIRINGS)
  expect(noGpu).toMatchObject({ engine: 'wllama', label: 'wllama (WebAssembly)' })
  expect(noGpu.reason).toContain('navigator.gpu is missing')
  expect(chooseDraftEngine(gpu({ fallback: true }), ['Qwen2.5-7B-Instruct'], WEBLLM_DRAFT_PAIRINGS).reason).toContain('software renderer')
  const unpaired = chooseDraftEngine(gpu(), ['shoal-stories-target', 'shoal-stories-target'], WEBLLM_DRAFT_PAIRINGS)
  expect(unpaired.engine).toBe('wllama')
  expect(unpaired.reason).toContain('heard: shoal-stories-target)')
  expect(chooseDraftEngine(gpu(), [], WEBLLM_DRAFT_PAIRINGS).reason).toContain('none heard yet')
})

/**
 * Which engine and model this browser should use, and why the others are out.
 *
 * {@link detectDevice} reads the browser once (WebGPU adapter, its features
 * and limits, `navigator.deviceMemory`); everything else is pure, so it is
 * unit-tested without a GPU: {@link webllmUnavailableReason},
 * {@link modelUnavailableReason}, {@link recommendEngine}.
 *
 * @example
 * ```ts
 * const device = await detectDevice(navigator)
 * const choice = recommendEngine(device, catalog)
 * // choice.engine === 'wllama', choice.reasons: ['No WebGPU adapter: …']
 * ```
 */
import type { CatalogModel, EngineKind } from './model-catalog.ts'

/** What the browser offers for inference. */
export interface DeviceReport {
  webgpu: WebGpuReport
  /** `navigator.deviceMemory` in GiB (Chromium caps it at 8; undefined elsewhere). */
  deviceMemoryGiB: number | undefined
  /** `navigator.hardwareConcurrency`. */
  logicalCores: number
  /** `crossOriginIsolated`: wllama may use several threads. */
  crossOriginIsolated: boolean
}

export type WebGpuReport =
  | { available: false, reason: string }
  | {
    available: true
    /** Vendor, architecture and description of the adapter, e.g. `google swiftshader`. */
    adapterName: string
    /** A software or fallback adapter (SwiftShader): works, but far too slow for real models. */
    fallback: boolean
    shaderF16: boolean
    maxBufferSize: number
    maxStorageBufferBindingSize: number
  }

/** The parts of `navigator` {@link detectDevice} reads (structural, so tests can pass fakes). */
export interface NavigatorLike {
  gpu?: { requestAdapter: () => Promise<AdapterLike | null> }
  deviceMemory?: number
  hardwareConcurrency?: number
}

export interface AdapterLike {
  features: { has: (feature: string) => boolean }
  limits: { maxBufferSize: number, maxStorageBufferBindingSize: number }
  info?: { vendor?: string, architecture?: string, device?: string, description?: string, isFallbackAdapter?: boolean }
  isFallbackAdapter?: boolean
}

/** How long to wait for `requestAdapter` (it can hang on broken drivers). */
const ADAPTER_DEADLINE_MS = 5_000

export interface DetectOptions {
  /** `crossOriginIsolated` of the page. @default false */
  crossOriginIsolated?: boolean
  /** How long to wait for `requestAdapter`. @default 5000 */
  adapterDeadlineMs?: number
}

/** Reads WebGPU, memory and cores from the browser. Never throws. */
export async function detectDevice (nav: NavigatorLike, options: DetectOptions = {}): Promise<DeviceReport> {
  return {
    webgpu: await detectWebGpu(nav, options.adapterDeadlineMs ?? ADAPTER_DEADLINE_MS),
    deviceMemoryGiB: typeof nav.deviceMemory === 'number' ? nav.deviceMemory : undefined,
    logicalCores: nav.hardwareConcurrency ?? 1,
    crossOriginIsolated: options.crossOriginIsolated ?? false
  }
}

async function detectWebGpu (nav: NavigatorLike, deadlineMs: number): Promise<WebGpuReport> {
  if (nav.gpu === undefined) {
    return { available: false, reason: 'This browser has no WebGPU (navigator.gpu is missing): it is turned off, unsupported, or the page is not a secure context (https or localhost).' }
  }
  let adapter: AdapterLike | null
  try {
    adapter = await withDeadline(nav.gpu.requestAdapter(), deadlineMs)
  } catch (err) {
    return { available: false, reason: `WebGPU could not give an adapter: ${err instanceof Error ? err.message : String(err)}` }
  }
  if (adapter === null) {
    return { available: false, reason: 'WebGPU is present but offers no adapter (no usable GPU, or the GPU is blocklisted).' }
  }
  return describeAdapter(adapter)
}

/** Pure: an adapter as a report. */
export function describeAdapter (adapter: AdapterLike): WebGpuReport {
  const info = adapter.info ?? {}
  const adapterName = [info.vendor, info.architecture, info.device, info.description]
    .filter((part): part is string => typeof part === 'string' && part.length > 0)
    .join(' ') || 'unknown adapter'
  const fallback = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true || /swiftshader/i.test(adapterName)
  return {
    available: true,
    adapterName,
    fallback,
    shaderF16: adapter.features.has('shader-f16'),
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize
  }
}

/** Why WebLLM cannot run at all on this device, or undefined when it can try. */
export function webllmUnavailableReason (device: DeviceReport): string | undefined {
  if (!device.webgpu.available) return device.webgpu.reason
  // WebLLM's smallest libraries bind 128 MiB storage buffers; below that nothing loads.
  if (device.webgpu.maxStorageBufferBindingSize < 128 * MIB) {
    return `The WebGPU adapter (${device.webgpu.adapterName}) binds at most ${formatBytes(device.webgpu.maxStorageBufferBindingSize)} per storage buffer; WebLLM needs 128 MiB.`
  }
  return undefined
}

/** Why `model` cannot run here, or undefined when it fits. */
export function modelUnavailableReason (model: CatalogModel, device: DeviceReport): string | undefined {
  if (model.engine === 'wllama') {
    const memory = device.deviceMemoryGiB
    if (memory !== undefined && model.sizeBytes > 0 && model.sizeBytes > memory * GIB / 2) {
      return `${model.label} needs about ${formatBytes(model.sizeBytes)} of memory; this device reports ${memory} GiB.`
    }
    return undefined
  }
  const engineReason = webllmUnavailableReason(device)
  if (engineReason !== undefined) return engineReason
  const gpu = device.webgpu
  if (!gpu.available) return gpu.reason
  const missing = model.requiredFeatures.filter((feature) => feature !== 'shader-f16' || !gpu.shaderF16)
  if (missing.length > 0) {
    return `${model.label} needs the WebGPU feature ${missing.join(', ')}, which the adapter (${gpu.adapterName}) lacks.`
  }
  // deviceMemory is a coarse, capped hint (at most 8 GiB in Chromium), so only rule out clear misfits.
  const memory = device.deviceMemoryGiB
  if (memory !== undefined && model.vramMiB > memory * 1024) {
    return `${model.label} needs about ${Math.round(model.vramMiB)} MiB of GPU memory; this device reports ${memory} GiB in all.`
  }
  if (memory !== undefined && memory <= 4 && !model.lowResource) {
    return `${model.label} is not marked for low-memory devices, and this device reports ${memory} GiB.`
  }
  return undefined
}

export interface EngineRecommendation {
  engine: EngineKind
  /** The model to start with; undefined when nothing in the catalog fits. */
  model: CatalogModel | undefined
  /** Sentences explaining the choice, e.g. why WebLLM is out. */
  reasons: string[]
}

/**
 * WebLLM when WebGPU is usable on a real (not software) adapter and a WebLLM
 * model fits; otherwise wllama on the CPU. Among fitting models prefers the
 * smallest GPU footprint (drafting needs a small model).
 */
export function recommendEngine (device: DeviceReport, catalog: readonly CatalogModel[]): EngineRecommendation {
  const reasons: string[] = []
  const webllmReason = webllmUnavailableReason(device)
  const fits = (model: CatalogModel): boolean => modelUnavailableReason(model, device) === undefined
  if (webllmReason !== undefined) {
    reasons.push(`WebLLM is unavailable: ${webllmReason}`)
  } else if (device.webgpu.available && device.webgpu.fallback) {
    reasons.push(`WebLLM is possible but not advised: the WebGPU adapter (${device.webgpu.adapterName}) is a software renderer, slower than wllama on the CPU.`)
  } else {
    const webllmModels = catalog.filter((model) => model.engine === 'webllm' && fits(model))
      .sort((a, b) => a.vramMiB - b.vramMiB)
    if (webllmModels.length > 0) {
      return { engine: 'webllm', model: webllmModels[0], reasons: [`WebGPU adapter ${device.webgpu.available ? device.webgpu.adapterName : ''} can run ${webllmModels.length} WebLLM model(s).`] }
    }
    reasons.push('No WebLLM model fits this GPU.')
  }
  const cpuModels = catalog.filter((model) => model.engine === 'wllama' && fits(model))
  reasons.push(device.crossOriginIsolated
    ? `wllama runs on the CPU with up to ${device.logicalCores} threads.`
    : 'wllama runs on the CPU in one thread (the page is not cross-origin isolated).')
  return { engine: 'wllama', model: cpuModels[0], reasons }
}

const MIB = 1024 * 1024
const GIB = 1024 * MIB

/** `1536` → `1.5 KiB`. */
export function formatBytes (bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`
}

async function withDeadline<T> (promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')) }, ms)
  })
  try {
    return await Promise.race([promise, deadline])
  } finally {
    clearTimeout(timer)
  }
}

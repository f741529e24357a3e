/**
 * An emulated GPU for the verifier: every forward pass lasts at least what
 * the profile says a GPU would take for it, `baseMs + perTokenMs × (tokens
 * in the pass − 1)`, where the tokens are those of every sequence batched
 * into that one decode. The model still computes every token for real; only
 * the pass's duration is padded, with a timer, so the CPU stays free while it
 * waits, as a separate GPU would leave it.
 *
 * Why: on a CPU a pass over k tokens costs about k one-token passes, so
 * drafting cannot pay there; on a GPU one pass over many tokens costs little
 * more than one, which is the regime Shoal is built for. Off by default;
 * every output that used it says so (health, metrics, receipts, benchmarks).
 *
 * @example
 * ```ts
 * const profile = parsePassCostProfile('h100-8b')       // or '30,0.25' (base ms, ms per further token)
 * const emulation = emulatePassCost(context, profile)   // pads each decode of this LlamaContext
 * emulation.stats                                         // { passes, sequences, tokens, paddedMs }
 * ```
 */
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import type { LlamaContext } from 'node-llama-cpp'

export interface PassCostProfile {
  /** `h100-8b`, `h100-70b`, a measured profile's name, or `custom`. */
  name: string
  /** A pass over one token, in ms. */
  baseMs: number
  /** Each further token in the same pass (of any sequence), in ms. */
  perTokenMs: number
  /** Where the numbers come from (a citation, or the machine a profile was measured on). */
  source: string
}

/**
 * Published decode costs of GPU verifiers at batch 1 (see docs/drafting.md, "Drafting under a GPU cost
 * curve", for the sources):
 * - `h100-8b`: an 8B model (Qwen3-8B, Llama-3.1-8B) served by vLLM on one H100: ~8 ms per one-token
 *   step, and a pass over 13 tokens ≈ 1.24× that step, so each further token adds
 *   0.24 × 8 / 12 = 0.16 ms.
 * - `h100-70b`: a 70B-class model (Llama-3-70B) on H100s: ~30 ms per one-token step (25–40 ms
 *   reported), memory-bound, each further token adding ~0.25 ms.
 */
export const PASS_COST_PROFILES: Readonly<Record<string, PassCostProfile>> = {
  'h100-8b': {
    name: 'h100-8b',
    baseMs: 8,
    perTokenMs: 0.16,
    source: 'vLLM on H100, Qwen3-8B: ~8 ms/token, 13-token pass ≈ 1.24× a 1-token step (specdecode-bench)'
  },
  'h100-70b': {
    name: 'h100-70b',
    baseMs: 30,
    perTokenMs: 0.25,
    source: 'Llama-3-70B on H100 at batch 1: 25–40 ms/token, memory-bound (specdecode-bench; SpecEdge)'
  }
}

export class PassCostProfileError extends Error {
  override name = 'PassCostProfileError'
}

/**
 * Reads `--emulate-pass-cost`: a profile name (`h100-8b`, `h100-70b`) or
 * `BASE,PER_TOKEN` in ms (e.g. `30,0.25`). A measured profile file is read by
 * {@link loadPassCostProfile}.
 *
 * @throws {PassCostProfileError} on anything else
 */
export function parsePassCostProfile (value: string): PassCostProfile {
  const named = PASS_COST_PROFILES[value.trim()]
  if (named !== undefined) {
    return named
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*$/.exec(value)
  if (match === null) {
    throw new PassCostProfileError(`--emulate-pass-cost must be one of ${Object.keys(PASS_COST_PROFILES).join(', ')} or BASE_MS,PER_TOKEN_MS (e.g. 30,0.25), not "${value}"`)
  }
  const baseMs = Number(match[1])
  const perTokenMs = Number(match[2])
  if (baseMs <= 0 || baseMs > 10_000 || perTokenMs > 1_000) {
    throw new PassCostProfileError(`--emulate-pass-cost ${value}: the base must be in (0, 10000] ms and the per-token cost at most 1000 ms`)
  }
  return { name: `custom ${baseMs},${perTokenMs}`, baseMs, perTokenMs, source: 'given on the command line' }
}

/** One point of a measured curve (scripts/gpu-pass-cost.ts). */
export interface MeasuredPass {
  sequences: number
  tokensPerSequence: number
  /** All sequences' tokens in the pass. */
  tokens: number
  /** Median duration of the pass. */
  ms: number
}

const ProfileFile = z.object({
  name: z.string().min(1).max(100),
  baseMs: z.number().positive().max(10_000),
  perTokenMs: z.number().min(0).max(1_000),
  source: z.string().max(1_000).default('a measured profile file')
})

/**
 * {@link parsePassCostProfile}, or a `.json` file written by
 * scripts/gpu-pass-cost.ts (a profile measured on a real GPU).
 *
 * @throws {PassCostProfileError} when the file cannot be read or is not a profile
 */
export async function loadPassCostProfile (value: string): Promise<PassCostProfile> {
  if (!value.trim().endsWith('.json')) {
    return parsePassCostProfile(value)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(value.trim(), 'utf8'))
  } catch (err) {
    throw new PassCostProfileError(`--emulate-pass-cost ${value}: cannot read the profile: ${err instanceof Error ? err.message : String(err)}`)
  }
  const profile = ProfileFile.safeParse(parsed)
  if (!profile.success) {
    throw new PassCostProfileError(`--emulate-pass-cost ${value}: not a pass-cost profile (${profile.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')})`)
  }
  return profile.data
}

/**
 * The profile line through measured passes: least squares of ms against
 * tokens − 1, so `baseMs` is a one-token pass and `perTokenMs` what each
 * further token adds (never below 0).
 */
export function fitPassCost (measured: readonly MeasuredPass[]): { baseMs: number, perTokenMs: number } {
  const points = measured.filter((point) => Number.isFinite(point.ms) && point.ms > 0 && point.tokens >= 1)
  if (points.length === 0) {
    throw new PassCostProfileError('no measured passes to fit')
  }
  const xs = points.map((point) => point.tokens - 1)
  const ys = points.map((point) => point.ms)
  const meanX = xs.reduce((sum, x) => sum + x, 0) / xs.length
  const meanY = ys.reduce((sum, y) => sum + y, 0) / ys.length
  const spread = xs.reduce((sum, x) => sum + (x - meanX) ** 2, 0)
  const slope = spread === 0 ? 0 : xs.reduce((sum, x, index) => sum + (x - meanX) * ((ys[index] ?? 0) - meanY), 0) / spread
  const perTokenMs = Math.max(0, slope)
  return { baseMs: Math.max(0.001, meanY - perTokenMs * meanX), perTokenMs }
}

/** How outputs that used the emulation say so, e.g. `pass-cost h100-70b: 30 ms + 0.25 ms/token`. */
export function passCostLabel (profile: PassCostProfile): string {
  return `pass-cost ${profile.name}: ${profile.baseMs} ms + ${profile.perTokenMs} ms/token`
}

/** How long the profile says a pass over `tokens` tokens lasts, in ms. */
export function passDurationMs (profile: PassCostProfile, tokens: number): number {
  return profile.baseMs + profile.perTokenMs * Math.max(0, tokens - 1)
}

export interface PassCostEmulationStats {
  /** Decodes padded so far. */
  passes: number
  /** Sequences batched into those decodes, each counted once per decode it took part in. */
  sequences: number
  /** Tokens in those decodes (every sequence's). */
  tokens: number
  /** Time spent waiting beyond the real compute. */
  paddedMs: number
}

export interface PassCostEmulation {
  readonly profile: PassCostProfile
  readonly stats: PassCostEmulationStats
}

/** The part of node-llama-cpp's native context that one batched decode goes through. */
interface NativeBatchDecoder {
  initBatch: (size: number) => void
  addToBatch: (sequenceId: number, firstTokenSequenceIndex: number, tokens: Uint32Array, logitIndexes: Uint32Array) => Uint32Array
  decodeBatch: () => Promise<void>
}

/**
 * Pads every decode of `context` to the profile's duration. node-llama-cpp
 * batches the steps of all sequences into one native decode (`initBatch`,
 * `addToBatch` per sequence, `decodeBatch`); the emulation counts the tokens
 * added to each batch and holds `decodeBatch`'s promise until the pass's
 * time is up.
 *
 * @throws {PassCostProfileError} when this node-llama-cpp has no batch decode to wrap
 */
export function emulatePassCost (context: LlamaContext, profile: PassCostProfile): PassCostEmulation {
  const native = (context as unknown as { _ctx?: unknown })._ctx
  if (!isNativeBatchDecoder(native)) {
    throw new PassCostProfileError('this node-llama-cpp has no batch decode to pad: the pass-cost emulation cannot run')
  }
  const stats: PassCostEmulationStats = { passes: 0, sequences: 0, tokens: 0, paddedMs: 0 }
  const initBatch = native.initBatch.bind(native)
  const addToBatch = native.addToBatch.bind(native)
  const decodeBatch = native.decodeBatch.bind(native)
  let batchTokens = 0
  let batchSequences = 0
  // The native methods are read-only on the addon's prototype: shadow them on this instance.
  override(native, 'initBatch', (size: number) => {
    batchTokens = 0
    batchSequences = 0
    initBatch(size)
  })
  override(native, 'addToBatch', (sequenceId: number, firstTokenSequenceIndex: number, tokens: Uint32Array, logitIndexes: Uint32Array) => {
    batchTokens += tokens.length
    batchSequences++
    return addToBatch(sequenceId, firstTokenSequenceIndex, tokens, logitIndexes)
  })
  override(native, 'decodeBatch', async () => {
    const tokens = batchTokens
    const sequences = batchSequences
    const startedAt = performance.now()
    await decodeBatch()
    const computedAt = performance.now()
    await waitUntil(startedAt + passDurationMs(profile, tokens))
    stats.passes++
    stats.sequences += sequences
    stats.tokens += tokens
    stats.paddedMs += Math.max(0, performance.now() - computedAt)
  })
  return { profile, stats }
}

function override<K extends keyof NativeBatchDecoder> (native: NativeBatchDecoder, key: K, value: NativeBatchDecoder[K]): void {
  Object.defineProperty(native, key, { value, writable: true, configurable: true })
}

function isNativeBatchDecoder (value: unknown): value is NativeBatchDecoder {
  if (typeof value !== 'object' || value === null) {
    return false
  }
  const candidate = value as Record<string, unknown>
  return typeof candidate.initBatch === 'function' && typeof candidate.addToBatch === 'function' && typeof candidate.decodeBatch === 'function'
}

/**
 * Waits until `deadline` (a `performance.now()` time). A timer overshoots by
 * up to a millisecond, which at an 8 ms pass would be a 12 % error, so the
 * timer aims 1 ms early and the last stretch yields to the event loop until
 * the deadline: precise, and other work still runs meanwhile.
 */
async function waitUntil (deadline: number): Promise<void> {
  const early = deadline - performance.now() - 1
  if (early > 0) {
    await new Promise((resolve) => setTimeout(resolve, early))
  }
  while (performance.now() < deadline) {
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/**
 * Measures a model's real forward-pass cost curve on this machine (1 to 17
 * tokens per sequence, 1 to 8 sequences batched in one decode) and writes it
 * as a pass-cost profile that `gpu-node --emulate-pass-cost FILE.json` reads,
 * so a profile measured on a real GPU can replace the published numbers.
 * Run it where node-llama-cpp finds CUDA or Vulkan; on a CPU it measures the
 * CPU (and says so in the profile).
 *
 * @example
 * ```console
 * $ npx tsx scripts/gpu-pass-cost.ts --model ~/models/Qwen3-8B-Q4_K_M.gguf --out docs/pass-cost/h200-qwen3-8b.json
 * backend cuda (NVIDIA H200), model Qwen3-8B-Q4_K_M.gguf
 * sequences  tokens/seq  tokens  median ms
 *         1           1       1      7.9
 *         1          13      13      9.8
 * ...
 * fit: 7.9 ms + 0.15 ms per further token → docs/pass-cost/h200-qwen3-8b.json
 * ```
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { getLlama, LlamaLogLevel } from 'node-llama-cpp'
import { z } from 'zod'
import { ensureDemoModel } from '../gpu-node/src/model/demo-models.ts'
import { fitPassCost } from '../gpu-node/src/verifier/pass-cost-emulation.ts'
import { integerSchema, parseOptions, runMain } from '#server'
import type { LlamaContextSequence, Token } from 'node-llama-cpp'
import type { MeasuredPass, PassCostProfile } from '../gpu-node/src/verifier/pass-cost-emulation.ts'

const SEQUENCE_COUNTS = [1, 2, 4, 8]
const TOKENS_PER_SEQUENCE = [1, 2, 3, 5, 9, 13, 17]
/** Context each sequence holds before the measured passes, as an answer in progress would. */
const PRIMED_TOKENS = 64

const Options = z.object({
  model: z.string().trim().min(1).optional(),
  out: z.string().trim().min(1).default('.cache/pass-cost-profile.json'),
  name: z.string().trim().min(1).optional(),
  threads: integerSchema({ min: 1, max: 256 }).default(1),
  repeats: integerSchema({ min: 3, max: 1000 }).default(15),
  gpu: z.enum(['auto', 'off']).default('auto')
})

runMain({ program: 'shoal-gpu-pass-cost' }, async ({ log, signal }) => {
  const parsed = parseOptions({
    program: 'shoal-gpu-pass-cost',
    summary: 'measures the forward-pass cost curve of a model and writes it as a pass-cost profile.',
    options: {
      model: { flag: 'model', description: 'A .gguf file.', defaultText: 'the demo target' },
      out: { flag: 'out', description: 'Where to write the profile (JSON).' },
      name: { flag: 'name', description: 'The profile\'s name.', defaultText: '<backend>-<model file>' },
      threads: { flag: 'threads', description: 'llama.cpp CPU threads.' },
      repeats: { flag: 'repeats', description: 'Passes measured per point (the median is kept).' },
      gpu: { flag: 'gpu', description: '"auto" or "off".' }
    },
    schema: Options
  })
  if (parsed.help) {
    process.stdout.write(parsed.usage)
    return undefined
  }
  const { threads, repeats, gpu, out } = parsed.options
  const modelPath = parsed.options.model ?? await ensureDemoModel('target')
  const llama = await getLlama({ gpu: gpu === 'off' ? false : 'auto', logLevel: LlamaLogLevel.error })
  const model = await llama.loadModel({ modelPath, gpuLayers: gpu === 'off' ? 0 : 'max' })
  const maxSequences = Math.max(...SEQUENCE_COUNTS)
  const context = await model.createContext({ sequences: maxSequences, contextSize: maxSequences * 256, threads })
  const backend = llama.gpu === false ? 'cpu' : llama.gpu
  const device = (await llama.getGpuDeviceNames().catch(() => [])).join(', ') || 'CPU'
  log.info(`backend ${backend} (${device}), model ${basename(modelPath)}`)
  try {
    const sequences = Array.from({ length: maxSequences }, () => context.getSequence())
    const primer = model.tokenize('Once upon a time there was a little fox who lived in a big forest. '.repeat(8)).slice(0, PRIMED_TOKENS) as Token[]
    await Promise.all(sequences.map(async (sequence) => sequence.evaluateWithoutGeneratingNewTokens(primer)))
    const measured: MeasuredPass[] = []
    process.stdout.write('sequences  tokens/seq  tokens  median ms\n')
    for (const sequenceCount of SEQUENCE_COUNTS) {
      for (const perSequence of TOKENS_PER_SEQUENCE) {
        signal.throwIfAborted()
        const ms = await medianPassMs(sequences.slice(0, sequenceCount), primer.slice(0, perSequence), repeats)
        measured.push({ sequences: sequenceCount, tokensPerSequence: perSequence, tokens: sequenceCount * perSequence, ms })
        process.stdout.write(`${String(sequenceCount).padStart(9)}  ${String(perSequence).padStart(10)}  ${String(sequenceCount * perSequence).padStart(6)}  ${ms.toFixed(2).padStart(9)}\n`)
      }
    }
    const fit = fitPassCost(measured)
    const profile: PassCostProfile & { measured: MeasuredPass[] } = {
      name: parsed.options.name ?? `${backend}-${basename(modelPath, '.gguf')}`,
      ...fit,
      source: `measured by scripts/gpu-pass-cost.ts on ${backend} (${device}), ${basename(modelPath)}, ${threads} CPU threads, ${new Date().toISOString().slice(0, 10)}`,
      measured
    }
    await mkdir(dirname(out), { recursive: true })
    await writeFile(out, JSON.stringify(profile, null, 2) + '\n')
    log.info(`fit: ${fit.baseMs.toFixed(2)} ms + ${fit.perTokenMs.toFixed(3)} ms per further token → ${out}`)
  } finally {
    await context.dispose()
    await model.dispose()
    await llama.dispose()
  }
  return undefined
})

/**
 * One pass = every sequence evaluating `tokens` at once (node-llama-cpp
 * batches them into one decode); the tokens are erased again after each
 * pass, so every repeat starts from the same position.
 */
async function medianPassMs (sequences: LlamaContextSequence[], tokens: Token[], repeats: number): Promise<number> {
  const times: number[] = []
  for (let repeat = 0; repeat <= repeats; repeat++) {
    const startedAt = performance.now()
    await Promise.all(sequences.map(async (sequence) => sequence.controlledEvaluate(tokens.map((token, index) => index === tokens.length - 1 ? [token, { generateNext: { token: true } }] : token))))
    const elapsed = performance.now() - startedAt
    await Promise.all(sequences.map(async (sequence) => sequence.eraseContextTokenRanges([{ start: sequence.nextTokenIndex - tokens.length, end: sequence.nextTokenIndex }])))
    if (repeat > 0) { // the first is a warm-up
      times.push(elapsed)
    }
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)] ?? 0
}

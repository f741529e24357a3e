/**
 * Measures the verifier on a model: greedy tokens per second for one chat,
 * and in total for several chats at once (batched in one context).
 *
 * @example
 * ```console
 * $ npx tsx scripts/verifier-throughput.ts --threads 1 --concurrency 4
 * model shoal-demo-v1-target-256x4 on CPU, 1 thread(s)
 * 1 chat:   1480 tokens/s (0.68 ms per token), 512 tokens
 * 4 chats:  2350 tokens/s in total, 2048 tokens
 * ```
 */
import { z } from 'zod'
import { ensureDemoModel } from '../gpu-node/src/model/demo-models.ts'
import { createLlamaVerifier } from '../gpu-node/src/verifier/llama-verifier.ts'
import { integerSchema, parseOptions, runMain } from '#server'
import type { LlamaVerifier } from '../gpu-node/src/verifier/llama-verifier.ts'

const Options = z.object({
  model: z.string().trim().min(1).optional(),
  threads: integerSchema({ min: 1, max: 256 }).default(1),
  concurrency: integerSchema({ min: 1, max: 64 }).default(4),
  tokens: integerSchema({ min: 1, max: 100_000 }).default(512),
  gpu: z.enum(['auto', 'off']).default('off')
})

async function run (verifier: LlamaVerifier, chats: number, tokens: number): Promise<{ seconds: number, generated: number }> {
  const started = performance.now()
  const counts = await Promise.all(Array.from({ length: chats }, async (_, index) => {
    let generated = 0
    const request = { messages: [{ role: 'user' as const, content: `Tell me story number ${index}.` }], maxTokens: tokens, temperature: 0, topP: 1, stop: [], clientId: `bench-${index}` }
    for await (const event of verifier.complete(request, {})) {
      if (event.type === 'done') {
        generated = event.usage.completionTokens
      }
    }
    return generated
  }))
  return { seconds: (performance.now() - started) / 1000, generated: counts.reduce((sum, count) => sum + count, 0) }
}

runMain({ program: 'shoal-verifier-throughput' }, async ({ log }) => {
  const parsed = parseOptions({
    program: 'shoal-verifier-throughput',
    summary: 'measures greedy tokens/s of the verifier, alone and batched.',
    options: {
      model: { flag: 'model', description: 'A .gguf file.', defaultText: 'the demo target' },
      threads: { flag: 'threads', description: 'llama.cpp threads.' },
      concurrency: { flag: 'concurrency', description: 'Chats at once in the batched run.' },
      tokens: { flag: 'tokens', description: 'Tokens per chat.' },
      gpu: { flag: 'gpu', description: '"auto" or "off".' }
    },
    schema: Options
  })
  if (parsed.help) {
    process.stdout.write(parsed.usage)
    return undefined
  }
  const { threads, concurrency, tokens, gpu } = parsed.options
  const modelPath = parsed.options.model ?? await ensureDemoModel('target')
  const verifier = await createLlamaVerifier({ modelPath, threads, gpu: gpu === 'off' ? false : 'auto', capacity: concurrency, queueSize: 0, perClientMaxConcurrent: 1, perClientMaxTokens: tokens, contextSize: Math.max(256, tokens + 64) })
  try {
    log.info(`model ${verifier.model.name} on ${verifier.backend}, ${threads} thread(s)`)
    await run(verifier, 1, 16) // warm up
    const alone = await run(verifier, 1, tokens)
    log.info(`1 chat:   ${Math.round(alone.generated / alone.seconds)} tokens/s (${(alone.seconds * 1000 / alone.generated).toFixed(2)} ms per token), ${alone.generated} tokens`)
    const together = await run(verifier, concurrency, tokens)
    log.info(`${concurrency} chats:  ${Math.round(together.generated / together.seconds)} tokens/s in total, ${together.generated} tokens`)
  } finally {
    await verifier.dispose()
  }
  return undefined
})

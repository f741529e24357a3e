/**
 * The thesis: drafts from browsers cut the verifier's work per token, and
 * never change an answer. A real relay and gpu-node; drafters are Chromium
 * tabs on the Contribute page (wllama, one thread) over direct WebRTC;
 * chats arrive over the HTTP API at 1, 4 and 8 at once. Side by side in one
 * run: no drafter, an identical drafter (the target's own weights), a
 * matched drafter (the target's first two layers) and a garbage drafter (a
 * model with the same tokenizer and unrelated weights). node-llama-cpp's own
 * draft-model speculation runs as a peer baseline.
 */
import { DraftSequenceTokenPredictor, getLlama, LlamaChat, LlamaLogLevel } from 'node-llama-cpp'
import { ensureDemoModel } from '../gpu-node/src/model/demo-models.ts'
import { launchProfile } from '../tests/support/browser.ts'
import { readMetrics } from '../tests/support/metrics.ts'
import { startGpuNode, startRelay, waitFor } from '../tests/support/processes.ts'
import type { Section } from './report.ts'
import { summarize } from './stats.ts'
import type { BrowserContext } from '@playwright/test'

/** A target where one pass over 1 + k tokens costs far less than k + 1 passes, and a browser draft is faster. */
const SHAPE = { width: 512, layers: 32 }
const MAX_TOKENS = 192
const CONCURRENCY = [1, 4, 8]
/** Each cell runs this many rounds of `concurrency` chats. */
const ROUNDS = 2
const THREADS = 1
const PROMPTS = [
  'Tell me about the sea.', 'What do fish eat?', 'Write a short story about a shoal.', 'Why is the sky blue?',
  'List some colours.', 'How do ships find their way?', 'Describe a storm.', 'What is a verifier?'
]

interface Drafter {
  name: string
  /** GGUF file name (without .gguf) the Contribute page loads; none for the no-drafter baseline. */
  model?: string
}

interface Cell {
  drafter: string
  concurrency: number
  passesPerToken: number
  cpuMsPerToken: number
  tokensPerSecond: number
  /** Accepted drafts / drafts the verifier evaluated. */
  acceptance: number
  /** Tokens that came from drafts. */
  draftedShare: number
  identical: number
  answers: number
}

export async function benchDrafting (): Promise<Section> {
  const target = await ensureDemoModel('target', { shape: SHAPE })
  const copy = await ensureDemoModel('draft-copy', { shape: SHAPE })
  const small = await ensureDemoModel('draft-small', { shape: SHAPE })
  // Same tokenizer, unrelated weights: its drafts are almost never right.
  const garbage = await ensureDemoModel('draft-small', { shape: { width: 256, layers: 4 } })
  const fileId = (path: string): string => path.replace(/^.*\//, '').replace(/\.gguf$/, '')
  const drafters: Drafter[] = [
    { name: 'no drafter' },
    { name: 'identical drafter', model: fileId(copy) },
    { name: 'matched drafter', model: fileId(small) },
    { name: 'garbage drafter', model: fileId(garbage) }
  ]
  const relay = await startRelay()
  const verifier = await startGpuNode({ relayUrl: relay.url, extraArgs: ['--model', target, '--model-name', 'shoal-demo', '--threads', String(THREADS), '--capacity', '8', '--queue-size', '64', '--client-max-concurrent', '16'] })
  const cells: Cell[] = []
  const reference = new Map<string, string>()
  try {
    for (const drafter of drafters) {
      let profile: BrowserContext | undefined
      try {
        // Every row has a Chromium tab open on this machine (idle for "no drafter"), so the rows differ
        // by drafting alone, not by a browser sharing the verifier's two cores.
        profile = await launchProfile()
        const page = profile.pages()[0] ?? await profile.newPage()
        await page.goto(`${relay.url}/contribute?model=${drafter.model ?? ''}&jobs=${Math.max(...CONCURRENCY)}`)
        if (drafter.model !== undefined) {
          await page.getByTestId('contribute-toggle').check()
          await page.getByTestId('contribute-status').and(page.locator('[data-status="drafting"]')).waitFor({ timeout: 180_000 })
          await waitFor('the verifier to take the drafter', async () => (await readMetrics(verifier.url)).get('shoal_gpu_node_drafters') === 1 ? true : undefined, 30_000)
        }
        for (const concurrency of CONCURRENCY) {
          console.log(`bench: drafting · ${drafter.name} · ${concurrency} at once`)
          cells.push(await measureCell(verifier.url, drafter.name, concurrency, reference))
        }
      } finally {
        await profile?.close()
      }
      await waitFor('the drafter to leave', async () => (await readMetrics(verifier.url)).get('shoal_gpu_node_drafters') === 0 ? true : undefined, 30_000)
    }
  } finally {
    await verifier.stop()
    await relay.stop()
  }
  const baseline = await llamaSpeculationBaseline(target, small)
  const cell = (drafter: string, concurrency: number): Cell | undefined => cells.find((candidate) => candidate.drafter === drafter && candidate.concurrency === concurrency)
  const none1 = cell('no drafter', 1)
  const ratio = (value: number | undefined, base: number | undefined): number => value === undefined || base === undefined ? Number.NaN : value / base
  const fixed = (value: number, digits = 2): string => Number.isFinite(value) ? value.toFixed(digits) : '—'
  return {
    title: 'Drafting',
    description: `The verifier runs the ${SHAPE.width}x${SHAPE.layers} demo target (F32, ${THREADS} thread); one contributing Chromium tab drafts ` +
      `(wllama, one thread, up to ${Math.max(...CONCURRENCY)} jobs in turn on its one engine) over direct WebRTC. Chats (greedy, ${MAX_TOKENS} tokens, ` +
      `${ROUNDS} rounds of N at once over the HTTP API, privacy "drafters-allowed"). Passes, tokens, drafts and CPU time come from the ` +
      'verifier\'s /metrics (CPU: the whole gpu-node process). "identical": answers equal to the no-drafter answers for the same prompts. ' +
      `Drafters: identical = the target's weights; matched = its first two layers; garbage = an unrelated model with the same tokenizer. ` +
      'Every row has a Chromium tab open (idle for "no drafter"). Everything shares the machine\'s 2 cores, so a drafter only helps ' +
      'when it drafts faster than the verifier writes, and its work slows the verifier\'s. ' +
      `Peer baseline: node-llama-cpp's own draft-model speculation (DraftSequenceTokenPredictor, matched draft, same process) on the same prompts: ` +
      `${fixed(baseline.speculativeTokensPerSecond, 0)} vs ${fixed(baseline.plainTokensPerSecond, 0)} tokens/s alone, CPU ${fixed(baseline.speculativeCpuMsPerToken)} vs ` +
      `${fixed(baseline.plainCpuMsPerToken)} ms/token (target and draft together), ${baseline.validated} drafts validated, ${baseline.refuted} refuted, answers identical: ${baseline.identical}/${PROMPTS.length}.`,
    table: {
      columns: ['drafter', 'chats at once', 'verifier passes / token', 'verifier CPU ms / token', 'tokens/s', 'acceptance', 'tokens from drafts', 'answers identical'],
      rows: cells.map((entry) => [entry.drafter, String(entry.concurrency), fixed(entry.passesPerToken), fixed(entry.cpuMsPerToken), fixed(entry.tokensPerSecond, 0),
        fixed(entry.acceptance), fixed(entry.draftedShare), `${entry.identical}/${entry.answers}`])
    },
    measurements: [
      { name: 'identical drafter, 1 chat: verifier passes per token', unit: 'passes', summary: summarize([cell('identical drafter', 1)?.passesPerToken ?? Number.NaN]), target: { op: '<=', value: 0.33, of: 'p50' } },
      { name: 'matched drafter, 1 chat: verifier CPU per token / no drafter', unit: 'ratio', summary: summarize([ratio(cell('matched drafter', 1)?.cpuMsPerToken, none1?.cpuMsPerToken)]), target: { op: '<=', value: 0.5, of: 'p50' } },
      ...CONCURRENCY.map((concurrency) => ({
        name: `garbage drafter, ${concurrency} at once: tokens/s / no drafter`,
        unit: 'ratio',
        summary: summarize([ratio(cell('garbage drafter', concurrency)?.tokensPerSecond, cell('no drafter', concurrency)?.tokensPerSecond)]),
        target: { op: '>=' as const, value: 0.95, of: 'p50' as const }
      })),
      { name: 'answers identical to the no-drafter answers', unit: 'share', summary: summarize([cells.reduce((sum, entry) => sum + entry.identical, 0) / cells.reduce((sum, entry) => sum + entry.answers, 0)]), target: { op: '>=', value: 1, of: 'p50' } }
    ]
  }
}

async function measureCell (gpuNodeUrl: string, drafter: string, concurrency: number, reference: Map<string, string>): Promise<Cell> {
  const before = await readMetrics(gpuNodeUrl)
  const startedAt = performance.now()
  let identical = 0
  let answers = 0
  for (let round = 0; round < ROUNDS; round++) {
    await Promise.all(Array.from({ length: concurrency }, async (_, index) => {
      const prompt = PROMPTS[(round * concurrency + index) % PROMPTS.length] ?? ''
      const text = await complete(gpuNodeUrl, prompt)
      // The first answer to each prompt (with no drafter: that cell runs first) is the reference.
      const expected = reference.get(prompt)
      if (expected === undefined) {
        reference.set(prompt, text)
      }
      identical += expected === undefined || expected === text ? 1 : 0
      answers++
    }))
  }
  const seconds = (performance.now() - startedAt) / 1000
  const after = await readMetrics(gpuNodeUrl)
  const delta = (name: string): number => (after.get(name) ?? 0) - (before.get(name) ?? 0)
  const tokens = delta('shoal_gpu_node_generated_tokens_total')
  const verified = delta('shoal_gpu_node_draft_tokens_verified_total')
  const accepted = delta('shoal_gpu_node_draft_tokens_accepted_total')
  return {
    drafter,
    concurrency,
    passesPerToken: delta('shoal_gpu_node_forward_passes_total') / tokens,
    cpuMsPerToken: delta('process_cpu_seconds_total') * 1000 / tokens,
    tokensPerSecond: tokens / seconds,
    acceptance: verified === 0 ? Number.NaN : accepted / verified,
    draftedShare: accepted / tokens,
    identical,
    answers
  }
}

async function complete (gpuNodeUrl: string, prompt: string): Promise<string> {
  const response = await fetch(`${gpuNodeUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'shoal-demo', messages: [{ role: 'user', content: prompt }], max_tokens: MAX_TOKENS, temperature: 0, privacy: 'drafters-allowed' })
  })
  if (!response.ok) {
    throw new Error(`the verifier answered ${response.status}: ${await response.text()}`)
  }
  const body = await response.json() as { choices: Array<{ message: { content: string } }> }
  return body.choices[0]?.message.content ?? ''
}

/** node-llama-cpp alone and with its own draft-model speculation, in this process, on the same prompts. */
async function llamaSpeculationBaseline (targetPath: string, draftPath: string): Promise<{
  plainTokensPerSecond: number
  speculativeTokensPerSecond: number
  plainCpuMsPerToken: number
  speculativeCpuMsPerToken: number
  validated: number
  refuted: number
  identical: number
}> {
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: THREADS, logLevel: LlamaLogLevel.error })
  const targetModel = await llama.loadModel({ modelPath: targetPath, gpuLayers: 0 })
  const draftModel = await llama.loadModel({ modelPath: draftPath, gpuLayers: 0 })
  const draftContext = await draftModel.createContext({ contextSize: 1024, sequences: 1, threads: THREADS })
  const targetContext = await targetModel.createContext({ contextSize: 1024, sequences: 2, threads: THREADS })
  const run = async (predicted: boolean): Promise<{ tokensPerSecond: number, cpuMsPerToken: number, answers: string[], validated: number, refuted: number }> => {
    const sequence = predicted
      ? targetContext.getSequence({ tokenPredictor: new DraftSequenceTokenPredictor(draftContext.getSequence(), { minTokens: 0, maxTokens: 16, minConfidence: 0 }) })
      : targetContext.getSequence()
    const answers: string[] = []
    let tokens = 0
    const cpu = process.cpuUsage()
    const startedAt = performance.now()
    for (const prompt of PROMPTS) {
      await sequence.clearHistory()
      const chat = new LlamaChat({ contextSequence: sequence, autoDisposeSequence: false })
      const result = await chat.generateResponse([{ type: 'user', text: prompt }, { type: 'model', response: [] }], { temperature: 0, repeatPenalty: false, maxTokens: MAX_TOKENS })
      answers.push(result.response)
      tokens += targetModel.tokenize(result.response).length
      await chat.dispose()
    }
    const used = process.cpuUsage(cpu)
    const seconds = (performance.now() - startedAt) / 1000
    const { validated, refuted } = sequence.tokenPredictions
    sequence.dispose()
    return { tokensPerSecond: tokens / seconds, cpuMsPerToken: (used.user + used.system) / 1000 / tokens, answers, validated, refuted }
  }
  try {
    const plain = await run(false)
    const speculative = await run(true)
    return {
      plainTokensPerSecond: plain.tokensPerSecond,
      speculativeTokensPerSecond: speculative.tokensPerSecond,
      plainCpuMsPerToken: plain.cpuMsPerToken,
      speculativeCpuMsPerToken: speculative.cpuMsPerToken,
      validated: speculative.validated,
      refuted: speculative.refuted,
      identical: speculative.answers.filter((answer, index) => answer === plain.answers[index]).length
    }
  } finally {
    await targetContext.dispose()
    await draftContext.dispose()
    await targetModel.dispose()
    await draftModel.dispose()
  }
}

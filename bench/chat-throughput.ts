import { getLlama, LlamaLogLevel, resolveChatWrapper } from 'node-llama-cpp'
import { buildChatPrompt } from '../gpu-node/src/verifier/chat-prompt.ts'
import { ensureDemoModels } from '../tests/support/models.ts'
import { startGpuNode, startRelay } from '../tests/support/processes.ts'
import type { ShoalProcess } from '../tests/support/processes.ts'
import { meshChatTimings } from './mesh-chat.ts'
import type { Section } from './report.ts'
import { summarize } from './stats.ts'

/** Threads for llama.cpp, the same for gpu-node and the direct baseline. */
export const BENCH_THREADS = 1
const MAX_TOKENS = 96
const RUNS = 5
const PROMPTS = ['Tell me about the sea.', 'What do fish eat?', 'Write a short story about a shoal.', 'Why is the sky blue?', 'List some colours.']

/** One generation's timing: time to first token, and tokens per second after it. */
export interface GenerationTiming {
  firstTokenMs: number
  tokensPerSecond: number
  tokens: number
}

/**
 * node-llama-cpp called directly: the baseline the mesh and HTTP paths are
 * compared to. The prompt is formatted with the chat wrapper node-llama-cpp
 * picks for the model (as gpu-node does), then generated greedily with
 * `LlamaContextSequence.evaluate`, its leanest generation loop, timing each
 * token as it comes out. (`LlamaChat` holds text back to check for stop
 * triggers, which would skew the time to first token.)
 */
async function directTimings (modelPath: string): Promise<GenerationTiming[]> {
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: BENCH_THREADS, logLevel: LlamaLogLevel.error })
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 })
  const chatWrapper = resolveChatWrapper(model)
  const timings: GenerationTiming[] = []
  try {
    const context = await model.createContext({ contextSize: 2048, sequences: 1, threads: BENCH_THREADS })
    const sequence = context.getSequence()
    for (let run = 0; run < RUNS; run++) {
      await sequence.clearHistory()
      const prompt = buildChatPrompt(model, chatWrapper, [{ role: 'user', content: PROMPTS[run % PROMPTS.length]! }])
      const started = performance.now()
      let firstAt: number | undefined
      let tokens = 0
      for await (const token of sequence.evaluate(prompt.tokens, { temperature: 0 })) {
        firstAt ??= performance.now()
        if (model.isEogToken(token) || ++tokens >= MAX_TOKENS) {
          break
        }
      }
      timings.push(toTiming(started, firstAt ?? performance.now(), performance.now(), tokens))
    }
    await context.dispose()
  } finally {
    await model.dispose()
  }
  return timings
}

function toTiming (started: number, firstAt: number, ended: number, tokens: number): GenerationTiming {
  return {
    firstTokenMs: firstAt - started,
    // The first token's time is time to first token; the rate covers the rest.
    tokensPerSecond: tokens > 1 ? (tokens - 1) / ((ended - firstAt) / 1000) : Number.NaN,
    tokens
  }
}

/** One streamed OpenAI-style completion over HTTP, timed from request to last chunk. */
async function httpCompletion (apiUrl: string, prompt: string): Promise<GenerationTiming> {
  const started = performance.now()
  const response = await fetch(`${apiUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'shoal-demo', messages: [{ role: 'user', content: prompt }], temperature: 0, max_tokens: MAX_TOKENS, stream: true, stream_options: { include_usage: true } })
  })
  if (!response.ok || response.body === null) {
    throw new Error(`HTTP ${response.status}: ${await response.text()}`)
  }
  let firstAt: number | undefined
  let tokens = 0
  let buffered = ''
  const decoder = new TextDecoder()
  for await (const chunk of response.body) {
    buffered += decoder.decode(chunk, { stream: true })
    let newline: number
    while ((newline = buffered.indexOf('\n\n')) >= 0) {
      const event = buffered.slice(0, newline)
      buffered = buffered.slice(newline + 2)
      if (!event.startsWith('data: ') || event === 'data: [DONE]') {
        continue
      }
      const data = JSON.parse(event.slice(6)) as { choices: Array<{ delta?: { content?: string } }>, usage?: { completion_tokens: number } }
      if ((data.choices[0]?.delta?.content ?? '') !== '') {
        firstAt ??= performance.now()
      }
      tokens = data.usage?.completion_tokens ?? tokens
    }
  }
  const ended = performance.now()
  return toTiming(started, firstAt ?? ended, ended, tokens)
}

async function httpTimings (apiUrl: string): Promise<GenerationTiming[]> {
  const timings: GenerationTiming[] = []
  for (let run = 0; run < RUNS; run++) {
    timings.push(await httpCompletion(apiUrl, PROMPTS[run % PROMPTS.length]!))
  }
  return timings
}

/** Aggregate generated tokens per second with `concurrency` chats in flight at once. */
async function aggregateTokensPerSecond (apiUrl: string, concurrency: number): Promise<number> {
  const started = performance.now()
  const results = await Promise.all(Array.from({ length: concurrency }, async (_, index) => httpCompletion(apiUrl, PROMPTS[index % PROMPTS.length]!)))
  const seconds = (performance.now() - started) / 1000
  return results.reduce((sum, result) => sum + result.tokens, 0) / seconds
}

export interface ChatBenchContext {
  relay: ShoalProcess
  verifier: ShoalProcess
}

/**
 * Chat speed through gpu-node's HTTP API against node-llama-cpp called
 * directly on the same demo model and thread count, and how throughput
 * grows with concurrent chats batched in one context. The mesh (browser)
 * path is measured by `benchMeshChat` with the same processes.
 */
export async function benchChatThroughput (): Promise<Section> {
  const models = await ensureDemoModels()
  const direct = await directTimings(models.target)
  const relay = await startRelay()
  let verifier: ShoalProcess | undefined
  try {
    verifier = await startGpuNode({ relayUrl: relay.url, extraArgs: ['--threads', String(BENCH_THREADS), '--capacity', '8', '--queue-size', '16', '--client-max-concurrent', '8'] })
    await httpCompletion(verifier.url, 'warm up')
    const http = await httpTimings(verifier.url)
    const { peerId: verifierId } = await (await fetch(`${verifier.url}/health`)).json() as { peerId: string }
    const mesh = await meshChatTimings(relay.url, verifierId, Array.from({ length: RUNS }, (_, run) => PROMPTS[run % PROMPTS.length]!), MAX_TOKENS)
    const aggregate: Array<[number, number]> = []
    for (const concurrency of [1, 2, 4, 8]) {
      aggregate.push([concurrency, await aggregateTokensPerSecond(verifier.url, concurrency)])
    }
    const directSummary = summarize(direct.map((timing) => timing.firstTokenMs))
    const directRate = summarize(direct.map((timing) => timing.tokensPerSecond))
    const ratio = (values: number[], baseline: number): number[] => values.map((value) => value / baseline)
    return {
      title: 'Chat speed',
      description: `Demo target model (256-wide, 4 layers, F32), ${BENCH_THREADS} threads, greedy, up to ${MAX_TOKENS} tokens, ${RUNS} prompts. ` +
        'Direct: node-llama-cpp in the bench process (same chat template, `LlamaContextSequence.evaluate`, greedy). HTTP: streamed `/v1/chat/completions` on a real gpu-node. ' +
        'Mesh: the same questions asked in the chat page in Chromium, over direct WebRTC to that gpu-node, timed in the page from Enter to text on screen. ' +
        'Ratios are each run over the direct median, measured in the same run. Concurrency: that many streamed HTTP chats at once, ' +
        'batched in one context (`--capacity 8`); aggregate generated tokens per second of wall time.',
      measurements: [
        { name: 'direct: time to first token', unit: 'ms', summary: directSummary },
        { name: 'direct: tokens/s', unit: 'tokens/s', summary: directRate },
        { name: 'HTTP: time to first token', unit: 'ms', summary: summarize(http.map((timing) => timing.firstTokenMs)) },
        { name: 'HTTP: tokens/s', unit: 'tokens/s', summary: summarize(http.map((timing) => timing.tokensPerSecond)) },
        { name: 'mesh (chat page): time to first token', unit: 'ms', summary: summarize(mesh.map((timing) => timing.firstTokenMs)) },
        { name: 'mesh (chat page): tokens/s', unit: 'tokens/s', summary: summarize(mesh.map((timing) => timing.tokensPerSecond)) },
        { name: 'HTTP / direct: time to first token', unit: 'ratio', summary: summarize(ratio(http.map((timing) => timing.firstTokenMs), directSummary.p50)), target: { op: '<=', value: 1.2, of: 'p50' } },
        { name: 'HTTP / direct: tokens/s', unit: 'ratio', summary: summarize(ratio(http.map((timing) => timing.tokensPerSecond), directRate.p50)), target: { op: '>=', value: 0.9, of: 'p50' } },
        { name: 'mesh / direct: time to first token', unit: 'ratio', summary: summarize(ratio(mesh.map((timing) => timing.firstTokenMs), directSummary.p50)), target: { op: '<=', value: 1.2, of: 'p50' } },
        { name: 'mesh / direct: tokens/s', unit: 'ratio', summary: summarize(ratio(mesh.map((timing) => timing.tokensPerSecond), directRate.p50)), target: { op: '>=', value: 0.9, of: 'p50' } },
        ...aggregate.map(([concurrency, rate]) => ({ name: `aggregate with ${concurrency} concurrent chat${concurrency === 1 ? '' : 's'}`, unit: 'tokens/s', summary: summarize([rate]) }))
      ]
    }
  } finally {
    await verifier?.stop()
    await relay.stop()
  }
}

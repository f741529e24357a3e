import { getLlama, LlamaLogLevel, resolveChatWrapper } from 'node-llama-cpp'
import { buildChatPrompt } from '../gpu-node/src/verifier/chat-prompt.ts'
import { ensureDemoPair } from '../tests/support/models.ts'
import { startGpuNode, startRelay } from '../tests/support/processes.ts'
import type { ShoalProcess } from '../tests/support/processes.ts'
import { openMeshChat } from './mesh-chat.ts'
import type { Section } from './report.ts'
import { summarize } from './stats.ts'

/** Threads for llama.cpp, the same for gpu-node and the direct baseline. */
export const BENCH_THREADS = 1
const MAX_TOKENS = 96
/** Rounds of direct, HTTP and mesh answers, one after another, so that all three meet the same machine load. */
const ROUNDS = 15
const PROMPTS = ['Tell me about the sea.', 'What do fish eat?', 'Write a short story about a shoal.', 'Why is the sky blue?', 'List some colours.']

/** One generation's timing: time to first token, and tokens per second after it. */
export interface GenerationTiming {
  firstTokenMs: number
  tokensPerSecond: number
  tokens: number
}

/** node-llama-cpp loaded in the bench process, and how to time one answer with it. */
interface DirectModel {
  time: (prompt: string) => Promise<GenerationTiming>
  close: () => Promise<void>
}

/**
 * node-llama-cpp called directly: the baseline the mesh and HTTP paths are
 * compared to. The prompt is formatted with the chat wrapper node-llama-cpp
 * picks for the model (as gpu-node does), then generated greedily with
 * `LlamaContextSequence.evaluate`, its leanest generation loop, timing each
 * token as it comes out. (`LlamaChat` holds text back to check for stop
 * triggers, which would skew the time to first token.)
 */
async function openDirectModel (modelPath: string): Promise<DirectModel> {
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: BENCH_THREADS, logLevel: LlamaLogLevel.error })
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 })
  const chatWrapper = resolveChatWrapper(model)
  const context = await model.createContext({ contextSize: 512, sequences: 1, threads: BENCH_THREADS })
  const sequence = context.getSequence()
  return {
    time: async (question) => {
      await sequence.clearHistory()
      // Timed from the chat messages, as a server's time is: formatting and tokenizing are part of the work.
      const started = performance.now()
      const prompt = buildChatPrompt(model, chatWrapper, [{ role: 'user', content: question }])
      let firstAt: number | undefined
      let tokens = 0
      for await (const token of sequence.evaluate(prompt.tokens, { temperature: 0 })) {
        firstAt ??= performance.now()
        if (model.isEogToken(token) || ++tokens >= MAX_TOKENS) {
          break
        }
      }
      return toTiming(started, firstAt ?? performance.now(), performance.now(), tokens)
    },
    close: async () => {
      await context.dispose()
      await model.dispose()
    }
  }
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

/** Aggregate generated tokens per second with `concurrency` chats in flight at once. */
async function aggregateTokensPerSecond (apiUrl: string, concurrency: number): Promise<number> {
  const started = performance.now()
  const results = await Promise.all(Array.from({ length: concurrency }, async (_, index) => httpCompletion(apiUrl, PROMPTS[index % PROMPTS.length]!)))
  const seconds = (performance.now() - started) / 1000
  return results.reduce((sum, result) => sum + result.tokens, 0) / seconds
}

/**
 * Chat speed through gpu-node's HTTP API and through the mesh (the chat page
 * in Chromium) against node-llama-cpp called directly on the same demo model
 * and thread count, round by round, and how throughput grows with concurrent
 * chats batched in one context.
 */
export async function benchChatThroughput (): Promise<Section> {
  const models = await ensureDemoPair()
  const direct = await openDirectModel(models.target)
  const relay = await startRelay()
  let verifier: ShoalProcess | undefined
  try {
    verifier = await startGpuNode({ relayUrl: relay.url, extraArgs: ['--threads', String(BENCH_THREADS), '--capacity', '8', '--queue-size', '16', '--client-max-concurrent', '8'] })
    const apiUrl = verifier.url
    const { peerId: verifierId } = await (await fetch(`${apiUrl}/health`)).json() as { peerId: string }
    const mesh = await openMeshChat(relay.url, verifierId, MAX_TOKENS)
    const rounds: Array<Record<'direct' | 'http' | 'mesh', GenerationTiming>> = []
    try {
      await direct.time('warm up')
      await httpCompletion(apiUrl, 'warm up')
      for (let round = 0; round < ROUNDS; round++) {
        const prompt = PROMPTS[round % PROMPTS.length]!
        rounds.push({ direct: await direct.time(prompt), http: await httpCompletion(apiUrl, prompt), mesh: await mesh.time(prompt) })
      }
    } finally {
      await mesh.close()
    }
    const aggregate: Array<[number, number]> = []
    for (const concurrency of [1, 2, 4, 8]) {
      aggregate.push([concurrency, await aggregateTokensPerSecond(apiUrl, concurrency)])
    }
    const each = (path: 'direct' | 'http' | 'mesh', value: (timing: GenerationTiming) => number): number[] => rounds.map((round) => value(round[path]))
    const overDirect = (path: 'http' | 'mesh', value: (timing: GenerationTiming) => number): number[] => rounds.map((round) => value(round[path]) / value(round.direct))
    const addedPerToken = (path: 'http' | 'mesh'): number[] => rounds.map((round) => 1000 / round[path].tokensPerSecond - 1000 / round.direct.tokensPerSecond)
    const firstToken = (timing: GenerationTiming): number => timing.firstTokenMs
    const rate = (timing: GenerationTiming): number => timing.tokensPerSecond
    return {
      title: 'Chat speed',
      description: `Demo target model (256-wide, 4 layers, F32), ${BENCH_THREADS} threads, greedy, up to ${MAX_TOKENS} tokens, ${ROUNDS} rounds over ${PROMPTS.length} prompts. ` +
        'Each round asks the same question three ways, one after another: direct (node-llama-cpp in the bench process: same chat template, `LlamaContextSequence.evaluate`, greedy, timed from the messages), ' +
        'HTTP (streamed `/v1/chat/completions` on a real gpu-node, timed by the client), and mesh (the chat page in Chromium, over direct WebRTC to that gpu-node, timed in the page from Enter to text on screen and to the answer shown complete). ' +
        'gpu-node streams text at most once per 16 ms (`--stream-interval`, its default). Ratios are per round, over that round\'s direct answer; "added" is the time per token beyond direct\'s. ' +
        'Client, gpu-node, llama.cpp and Chromium share the machine\'s 2 cores. Concurrency: that many streamed HTTP chats at once, batched in one context (`--capacity 8`); aggregate generated tokens per second of wall time.',
      measurements: [
        { name: 'direct: time to first token', unit: 'ms', summary: summarize(each('direct', firstToken)) },
        { name: 'direct: tokens/s', unit: 'tokens/s', summary: summarize(each('direct', rate)) },
        { name: 'HTTP: time to first token', unit: 'ms', summary: summarize(each('http', firstToken)) },
        { name: 'HTTP: tokens/s', unit: 'tokens/s', summary: summarize(each('http', rate)) },
        { name: 'mesh (chat page): time to first token', unit: 'ms', summary: summarize(each('mesh', firstToken)) },
        { name: 'mesh (chat page): tokens/s', unit: 'tokens/s', summary: summarize(each('mesh', rate)) },
        { name: 'HTTP / direct: time to first token', unit: 'ratio', summary: summarize(overDirect('http', firstToken)), target: { op: '<=', value: 1.2, of: 'p50' } },
        { name: 'HTTP / direct: tokens/s', unit: 'ratio', summary: summarize(overDirect('http', rate)), target: { op: '>=', value: 0.9, of: 'p50' } },
        { name: 'mesh / direct: time to first token', unit: 'ratio', summary: summarize(overDirect('mesh', firstToken)), target: { op: '<=', value: 1.2, of: 'p50' } },
        { name: 'mesh / direct: tokens/s', unit: 'ratio', summary: summarize(overDirect('mesh', rate)), target: { op: '>=', value: 0.9, of: 'p50' } },
        { name: 'HTTP: added time per token', unit: 'ms', summary: summarize(addedPerToken('http')) },
        { name: 'mesh: added time per token', unit: 'ms', summary: summarize(addedPerToken('mesh')) },
        ...aggregate.map(([concurrency, aggregateRate]) => ({ name: `aggregate with ${concurrency} concurrent chat${concurrency === 1 ? '' : 's'}`, unit: 'tokens/s', summary: summarize([aggregateRate]) }))
      ]
    }
  } finally {
    await direct.close()
    await verifier?.stop()
    await relay.stop()
  }
}

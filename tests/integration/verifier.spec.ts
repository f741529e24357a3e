/**
 * The verifier on the real demo model with real llama.cpp: its greedy text is
 * node-llama-cpp's own, alone or batched; sampling is reproducible by seed;
 * stop strings, limits, the queue and cancellation behave; and gpu-node turns
 * a bad model into one error line, never an abort.
 */
import { join } from 'node:path'
import { writeFile } from 'node:fs/promises'
import { expect, test } from '@playwright/test'
import { getLlama, LlamaLogLevel } from 'node-llama-cpp'
import { GpuNodeHealth } from '../../gpu-node/src/api-server.ts'
import { demoModelSpec } from '../../gpu-node/src/model/demo-models.ts'
import { writeGgufFile } from '#gguf/writer'
import { createLlamaVerifier } from '../../gpu-node/src/verifier/llama-verifier.ts'
import { TextStream } from '../../gpu-node/src/verifier/text-stream.ts'
import { ensureDemoModels, ensureDemoPair, referenceGreedyCompletion } from '../support/models.ts'
import { startGpuNode, temporaryDirectory, waitFor } from '../support/processes.ts'
import { runToExit } from './run-to-exit.ts'
import type { LlamaVerifier, LlamaVerifierInit } from '../../gpu-node/src/verifier/llama-verifier.ts'
import type { ChatMessage, CompletionEvent, CompletionRequest } from '../../gpu-node/src/verifier/types.ts'
import type { ShoalProcess } from '../support/processes.ts'
import type { Token } from 'node-llama-cpp'

/**
 * One llama.cpp thread: the machines have 2 cores shared with the test runner
 * and other processes, where a second thread made the tiny model ~10x slower.
 */
const THREADS = 1

let models: Awaited<ReturnType<typeof ensureDemoModels>>

test.beforeAll(async () => {
  models = await ensureDemoModels()
})

async function verifierWith (init: Partial<LlamaVerifierInit> = {}): Promise<LlamaVerifier> {
  return createLlamaVerifier({
    modelPath: models.target,
    threads: THREADS,
    gpu: false,
    capacity: 4,
    queueSize: 8,
    perClientMaxConcurrent: 8,
    perClientMaxTokens: 4096,
    contextSize: 1024,
    ...init
  })
}

function request (messages: ChatMessage[] | string, options: Partial<CompletionRequest> = {}): CompletionRequest {
  return {
    messages: typeof messages === 'string' ? [{ role: 'user', content: messages }] : messages,
    maxTokens: 48,
    temperature: 0,
    topP: 1,
    stop: [],
    clientId: `client-${Math.random()}`,
    ...options
  }
}

interface Answer {
  text: string
  deltas: string[]
  events: CompletionEvent[]
  done: Extract<CompletionEvent, { type: 'done' }>
}

async function collect (stream: AsyncIterable<CompletionEvent>): Promise<Answer> {
  const events: CompletionEvent[] = []
  for await (const event of stream) {
    events.push(event)
  }
  const done = events.at(-1)
  if (done?.type !== 'done') {
    throw new Error(`the stream did not end with done: ${JSON.stringify(events.slice(-3))}`)
  }
  expect(events.filter((event) => event.type === 'done')).toHaveLength(1)
  const deltas = events.flatMap((event) => event.type === 'delta' ? [event.text] : [])
  return { text: deltas.join(''), deltas, events, done }
}

async function answer (verifier: LlamaVerifier, completion: CompletionRequest, signal?: AbortSignal): Promise<Answer> {
  return collect(verifier.complete(completion, { signal }))
}

function thrownBy (run: () => unknown): Error {
  try {
    run()
  } catch (err) {
    if (err instanceof Error) {
      return err
    }
  }
  throw new Error('expected complete() to throw at once')
}

const CHATS: ChatMessage[][] = [
  [{ role: 'user', content: 'Hello there, how are you?' }],
  [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: 'Tell me a story about the sea.' }],
  [{ role: 'user', content: 'Why is the sky blue?' }, { role: 'assistant', content: 'Because of the air.' }, { role: 'user', content: 'And at night?' }],
  [{ role: 'user', content: 'héllo ✓ 日本 😀 <|im_end|> not a special token' }],
  // A prefilled answer is continued.
  [{ role: 'user', content: 'Name a colour.' }, { role: 'assistant', content: 'The colour is' }]
]

test.describe('on one shared verifier', () => {
  let verifier: LlamaVerifier

  test.beforeAll(async () => {
    verifier = await verifierWith()
  })

  test.afterAll(async () => {
    await verifier.dispose()
  })

  test('greedy text is byte-identical to node-llama-cpp\'s own greedy chat', async () => {
    for (const messages of CHATS) {
      const mine = await answer(verifier, request(messages, { maxTokens: 64 }))
      const reference = await referenceGreedyCompletion(models.target, messages, 64)
      expect(mine.text, JSON.stringify(messages)).toBe(reference.text)
      expect(mine.text.length).toBeGreaterThan(40)
      expect(mine.done.finishReason).toBe('length')
      expect(mine.done.usage).toEqual({ promptTokens: verifier.tokenizeChat(messages).length, completionTokens: 64 })
      for (const delta of mine.deltas) {
        expect(delta).not.toContain('\uFFFD')
      }
    }
  })

  test('chats generated together (batched in one context) answer what each does alone', async () => {
    const alone: string[] = []
    for (const messages of CHATS) {
      alone.push((await answer(verifier, request(messages, { maxTokens: 40 }))).text)
    }
    const together = await Promise.all(CHATS.map(async (messages) => answer(verifier, request(messages, { maxTokens: 40 }))))
    expect(together.map((result) => result.text)).toEqual(alone)
    // More chats than sequences: the rest queue, and still answer the same.
    const crowd = await Promise.all([...CHATS, ...CHATS].map(async (messages) => answer(verifier, request(messages, { maxTokens: 40 }))))
    expect(crowd.map((result) => result.text)).toEqual([...alone, ...alone])
    expect(crowd.some((result) => result.events.some((event) => event.type === 'queued'))).toBe(true)
    expect(verifier.queueDepth).toBe(0)
  })

  test('sampling at temperature > 0 is reproduced by its seed, alone or batched', async () => {
    const sampled = (seed: number): CompletionRequest => request(CHATS[1] ?? [], { temperature: 0.9, topP: 0.95, seed, maxTokens: 40 })
    const first = await answer(verifier, sampled(7))
    const again = await answer(verifier, sampled(7))
    const other = await answer(verifier, sampled(8))
    expect(again.text).toBe(first.text)
    expect(other.text).not.toBe(first.text)
    const greedy = await answer(verifier, request(CHATS[1] ?? [], { maxTokens: 40 }))
    expect(first.text).not.toBe(greedy.text)
    const batched = await Promise.all([sampled(7), sampled(8), sampled(7)].map(async (completion) => answer(verifier, completion)))
    expect(batched.map((result) => result.text)).toEqual([first.text, other.text, first.text])
  })

  test('a stop string ends the answer before it, like node-llama-cpp\'s stop triggers', async () => {
    const messages = CHATS[0] ?? []
    const full = (await answer(verifier, request(messages, { maxTokens: 64 }))).text
    // A word from the middle of the answer, and one spanning two words.
    const words = full.trim().split(' ')
    for (const stop of [` ${words[5] ?? ''}`, `${words[7] ?? ''} ${words[8] ?? ''}`]) {
      const expected = full.slice(0, full.indexOf(stop))
      const stopped = await answer(verifier, request(messages, { maxTokens: 64, stop: [stop] }))
      expect(stopped.text, stop).toBe(expected)
      expect(stopped.done.finishReason).toBe('stop')
      expect(stopped.text).not.toContain(stop)
      const reference = await referenceGreedyCompletion(models.target, messages, 64, { stop: [stop] })
      expect(reference.text).toBe(expected)
    }
  })

  test('maxTokens ends with finishReason length; usage and timings add up', async () => {
    const result = await answer(verifier, request('Count with me.', { maxTokens: 5 }))
    expect(result.done.finishReason).toBe('length')
    expect(result.done.usage.completionTokens).toBe(5)
    const { queuedMs, firstTokenMs, totalMs } = result.done.timings
    expect(queuedMs).toBeGreaterThanOrEqual(0)
    expect(firstTokenMs).toBeGreaterThanOrEqual(0)
    expect(totalMs).toBeGreaterThanOrEqual(firstTokenMs)
  })

  test('cancelling mid-stream ends with cancelled, frees the sequence and its KV cache', async () => {
    const expected = (await answer(verifier, request(CHATS[0] ?? [], { maxTokens: 32 }))).text
    const controller = new AbortController()
    const events: CompletionEvent[] = []
    for await (const event of verifier.complete(request('Go on forever.', { maxTokens: 4000 }), { signal: controller.signal })) {
      events.push(event)
      if (event.type === 'delta' && events.length === 3) {
        controller.abort()
      }
    }
    const done = events.at(-1)
    expect(done?.type === 'done' && done.finishReason).toBe('cancelled')
    expect(done?.type === 'done' && done.usage.completionTokens).toBeLessThan(100)
    expect(verifier.stats.running).toBe(0)
    expect(verifier.queueDepth).toBe(0)

    // A consumer that just stops reading cancels too.
    for await (const event of verifier.complete(request('Go on forever.', { maxTokens: 4000 }), {})) {
      if (event.type === 'delta') {
        break
      }
    }
    await waitFor('the abandoned chat to free its sequence', () => verifier.stats.running === 0 ? true : undefined, 5_000)

    // Every sequence is clean: the same chat on each (4 at once) answers as before.
    const after = await Promise.all([1, 2, 3, 4].map(async () => answer(verifier, request(CHATS[0] ?? [], { maxTokens: 32 }))))
    expect(after.map((result) => result.text)).toEqual([expected, expected, expected, expected])
  })

  test('unusable requests are refused at once', () => {
    expect(thrownBy(() => verifier.complete(request([]), {})).name).toBe('InvalidRequestError')
    expect(thrownBy(() => verifier.complete(request('x', { maxTokens: 0 }), {})).name).toBe('InvalidRequestError')
    expect(thrownBy(() => verifier.complete(request('x', { temperature: -1 }), {})).name).toBe('InvalidRequestError')
    expect(thrownBy(() => verifier.complete(request('x', { topP: 0 }), {})).name).toBe('InvalidRequestError')
    expect(thrownBy(() => verifier.complete(request('x', { stop: [''] }), {})).name).toBe('InvalidRequestError')
    const tooLong = thrownBy(() => verifier.complete(request('word '.repeat(2000)), {}))
    expect(tooLong.name).toBe('InvalidRequestError')
    expect(tooLong.message).toMatch(/the prompt is \d+ tokens; this model's context holds 1024/)
  })

  test('streamed text stays whole UTF-8 when tokens split characters (the real byte-level tokenizer)', async () => {
    const llama = await getLlama({ gpu: false, build: 'never', maxThreads: THREADS, logLevel: LlamaLogLevel.error })
    const model = await llama.loadModel({ modelPath: models.target, gpuLayers: 0 })
    try {
      const text = ' the sea héllo ✓ 日本 😀 done'
      const tokens = model.tokenize(text)
      // The demo vocabulary has no multi-byte characters: each one is split into byte tokens.
      expect(tokens.length).toBeGreaterThan(text.length / 2)
      const stream = new TextStream<Token>((pending, previous) => model.detokenize(pending, false, previous), [])
      const deltas: string[] = []
      for (const token of tokens) {
        const step = stream.push(token)
        if (step.text !== '') {
          deltas.push(step.text)
        }
      }
      deltas.push(stream.finish())
      expect(deltas.join('')).toBe(text)
      expect(deltas.every((delta) => !delta.includes('\uFFFD'))).toBe(true)
    } finally {
      await model.dispose()
    }
  })
})

test('a full queue answers BusyError at once; per-client limits answer LimitError', async () => {
  const verifier = await verifierWith({ capacity: 1, queueSize: 1, perClientMaxConcurrent: 1, perClientMaxTokens: 1000 })
  try {
    const controller = new AbortController()
    const running = collect(verifier.complete(request('first', { maxTokens: 1000, clientId: 'a' }), { signal: controller.signal }))
    const queuedStream = verifier.complete(request('second', { maxTokens: 1000, clientId: 'b' }), { signal: controller.signal })
    expect(verifier.queueDepth).toBe(1)
    const busy = thrownBy(() => verifier.complete(request('third', { clientId: 'c' }), {}))
    expect(busy.name).toBe('BusyError')
    expect('retryAfterSeconds' in busy ? busy.retryAfterSeconds : 0).toBeGreaterThanOrEqual(1)

    const overConcurrent = thrownBy(() => verifier.complete(request('again', { clientId: 'a' }), {}))
    expect(overConcurrent.name).toBe('LimitError')
    const overTokens = thrownBy(() => verifier.complete(request('long', { clientId: 'd', maxTokens: 1001 }), {}))
    expect(overTokens.name).toBe('LimitError')

    const queued = collect(queuedStream)
    controller.abort()
    const [first, second] = await Promise.all([running, queued])
    expect(first.done.finishReason).toBe('cancelled')
    expect(second.done.finishReason).toBe('cancelled')
    expect(second.events[0]).toMatchObject({ type: 'queued', position: 1 })
    expect(verifier.queueDepth).toBe(0)
    // Room again, for everyone.
    expect((await answer(verifier, request('fourth', { clientId: 'a', maxTokens: 3 }))).done.finishReason).toBe('length')
  } finally {
    await verifier.dispose()
  }
})

test.describe('gpu-node with a model', () => {
  const running: ShoalProcess[] = []

  test.afterEach(async () => {
    await Promise.all(running.splice(0).map(async (process) => { await process.stop() }))
  })

  async function gpuNode (extraArgs: string[]): Promise<ShoalProcess> {
    // No relay: the verifier keeps retrying it in the background, which is fine here.
    const started = await startGpuNode({ relayUrl: 'http://127.0.0.1:9', extraArgs: ['--threads', String(THREADS), ...extraArgs] })
    running.push(started)
    return started
  }

  test('serves the demo model by default and says so; a --model file by its name', async () => {
    const started = Date.now()
    const demo = await gpuNode([])
    const startupMs = Date.now() - started
    test.info().annotations.push({ type: 'gpu-node startup (demo model cached)', description: `${startupMs} ms` })
    const health = GpuNodeHealth.parse(await (await fetch(`${demo.url}/health`)).json())
    expect(health.model).toMatchObject({ name: 'shoal-demo', loaded: true, demo: true, tokenizerFingerprint: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) })
    expect(health.queueDepth).toBe(0)
    expect(demo.output()).toContain('Using the built-in demo model, a tiny model trained on simple children\'s stories: it writes stories, not facts. Set SHOAL_MODEL=/path/to/model.gguf for a real one.')
    const metrics = await (await fetch(`${demo.url}/metrics`)).text()
    expect(metrics).toMatch(/^shoal_gpu_node_queue_depth 0$/m)

    // The demo pair's draft, given as a file: named after it, not the demo, with the demo's tokenizer.
    const draft = await gpuNode(['--model', (await ensureDemoPair()).draft])
    const draftHealth = GpuNodeHealth.parse(await (await fetch(`${draft.url}/health`)).json())
    expect(draftHealth.model).toMatchObject({ name: 'shoal-stories-draft', demo: false, tokenizerFingerprint: health.model.tokenizerFingerprint })
    expect(draft.output()).not.toContain('built-in demo model')

    const named = await gpuNode(['--model', models.target, '--model-name', 'my-model'])
    expect(GpuNodeHealth.parse(await (await fetch(`${named.url}/health`)).json()).model.name).toBe('my-model')
  })

  test('a bad model exits 1 with one line: no stack trace, no abort', async () => {
    const directory = await temporaryDirectory()
    const spec = demoModelSpec('target', { width: 64, layers: 2, contextLength: 128 })
    const noFeedForward = join(directory, 'no-ffn.gguf')
    await writeGgufFile(noFeedForward, { ...spec, metadata: spec.metadata.filter(([key]) => key !== 'llama.feed_forward_length') })
    const noTensor = join(directory, 'no-tensor.gguf')
    await writeGgufFile(noTensor, { ...spec, tensors: spec.tensors.filter((tensor) => tensor.name !== 'blk.1.ffn_down.weight') })
    const notGguf = join(directory, 'notes.gguf')
    await writeFile(notGguf, 'not a model')
    const cases: Array<[string, RegExp]> = [
      [noFeedForward, /^shoal-gpu-node: error: model file \S+no-ffn\.gguf lacks llama\.feed_forward_length, which llama\.cpp needs/],
      [noTensor, /^shoal-gpu-node: error: llama\.cpp cannot load model file \S+no-tensor\.gguf: .*blk\.1\.ffn_down\.weight/],
      [notGguf, /^shoal-gpu-node: error: model file \S+notes\.gguf is not a usable GGUF file: not a GGUF file/],
      [join(directory, 'missing.gguf'), /^shoal-gpu-node: error: model file \S+missing\.gguf does not exist$/],
      [directory, /^shoal-gpu-node: error: model path \S+ is a directory/],
      ['hf:shoal-test/no-such-model:Q4_K_M', /^shoal-gpu-node: error: cannot fetch model hf:shoal-test\/no-such-model:Q4_K_M: /]
    ]
    for (const [model, message] of cases) {
      const result = await runToExit('gpu-node/src/main.ts', ['--model', model, '--threads', '1', '--api-port', '0', '--relay', 'http://127.0.0.1:9', '--key-file', join(directory, 'gpu-node.key')], { timeoutMs: 60_000 })
      expect(result.signal, model).toBeNull()
      expect(result.code, `${model}: ${result.stderr}`).toBe(1)
      const lines = result.stderr.trimEnd().split('\n')
      expect(lines, result.stderr).toHaveLength(1)
      expect(lines[0]).toMatch(message)
      expect(result.stderr).not.toMatch(/^\s+at /m)
      expect(result.stdout).toBe('')
    }
  })
})

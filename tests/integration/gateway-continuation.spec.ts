/**
 * The relay's gateway continues a streamed answer on another verifier when
 * the one writing it is killed mid-answer, on each streamed route besides
 * chat completions (tests/integration/gateway.spec.ts has that one): OpenAI's
 * `/v1/completions`, Ollama's `/api/chat` and `/api/generate`. Two verifiers
 * on the demo story model, every forward pass padded to 40 ms so the answer
 * is still being written when its verifier gets SIGKILL; the client's text
 * must be the survivor's own answer to the same request, byte for byte, and
 * the stream must end as a whole one does, its counts the whole answer's.
 * The trained model, not the random one: a random model's greedy choices
 * are near-ties, which llama.cpp may break otherwise when the answer so far
 * is evaluated in one batch than when it was written a token at a time.
 */
import { expect, test } from '@playwright/test'
import OpenAI from 'openai'
import { ensureDemoPair } from '../support/models.ts'
import { readMetrics } from '../support/metrics.ts'
import { startGpuNode, startRelay, waitFor } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'

const MODEL = 'shoal-demo'
const MESSAGES = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Tell me a story about a fox and a river.' }
]
/** Long enough to be mid-answer after 10 pieces; short of the demo model's context. */
const MAX_TOKENS = 120
/** Pieces of text the client reads before the serving verifier is killed. */
const KILL_AFTER_PIECES = 10

const running: ShoalProcess[] = []

// Two verifiers to start, a slow answer through the relay, then the survivor's own answer to compare.
test.setTimeout(180_000)

test.afterEach(async () => {
  await Promise.all(running.splice(0).map(async (process) => { await process.stop() }))
})

interface MeshVerifier {
  process: ShoalProcess
  peerId: string
}

/** A relay and two slow verifiers on the demo story model, once the gateway hears both. */
async function twoSlowVerifiers (): Promise<{ relay: ShoalProcess, verifiers: MeshVerifier[] }> {
  const relay = await startRelay()
  running.push(relay)
  const { target } = await ensureDemoPair()
  const verifiers: MeshVerifier[] = []
  for (let index = 0; index < 2; index++) {
    const process = await startGpuNode({ relayUrl: relay.url, extraArgs: ['--model', target, '--model-name', MODEL, '--threads', '1', '--gpu', 'off', '--emulate-pass-cost', '40,0'] })
    running.push(process)
    await waitFor('the model to load', async () => (await fetch(`${process.url}/v1/models`)).ok ? true : undefined, 30_000)
    const health = await (await fetch(`${process.url}/health`)).json() as { peerId: string }
    verifiers.push({ process, peerId: health.peerId })
  }
  await waitFor('the gateway to hear both verifiers', async () => (await readMetrics(relay.url)).get('shoal_relay_gateway_verifiers') === 2 ? true : undefined, 30_000)
  return { relay, verifiers }
}

/** The verifier that serves a response (its `X-Shoal-Verifier`), and the other. */
function servingAndSurvivor (verifiers: MeshVerifier[], peerId: string | null): { serving: MeshVerifier, survivor: MeshVerifier } {
  const serving = verifiers.find((candidate) => candidate.peerId === peerId)
  const survivor = verifiers.find((candidate) => candidate !== serving)
  if (serving === undefined || survivor === undefined) {
    throw new Error(`the response names no verifier of the two (${String(peerId)})`)
  }
  return { serving, survivor }
}

/** One hand-over, nothing cut. */
async function expectOneHandover (relay: ShoalProcess): Promise<void> {
  const metrics = await readMetrics(relay.url)
  expect(metrics.get('shoal_relay_gateway_handovers_total')).toBe(1)
  expect(metrics.get('shoal_relay_gateway_cut_total')).toBe(0)
}

/** NDJSON objects as they arrive, from a fetch response's body. */
async function * ndjson (response: Response): AsyncGenerator<Record<string, unknown>> {
  const decoder = new TextDecoder()
  let pending = ''
  for await (const chunk of response.body ?? []) {
    pending += decoder.decode(chunk, { stream: true })
    let end = pending.indexOf('\n')
    while (end >= 0) {
      const line = pending.slice(0, end)
      pending = pending.slice(end + 1)
      if (line !== '') {
        yield JSON.parse(line) as Record<string, unknown>
      }
      end = pending.indexOf('\n')
    }
  }
  expect(pending, 'a line cut in half').toBe('')
}

test('a streamed /v1/completions answer whose verifier is killed mid-answer is continued on the other: one stream, the single verifier\'s text and usage', async () => {
  const { relay, verifiers } = await twoSlowVerifiers()
  const request = { model: MODEL, prompt: 'Once upon a time, there was a little fox who lived by a river.', max_tokens: MAX_TOKENS, temperature: 0 }
  const { data: stream, response } = await new OpenAI({ baseURL: `${relay.url}/v1`, apiKey: 'unused', maxRetries: 0 }).completions.create({ ...request, stream: true, stream_options: { include_usage: true } }).withResponse()
  const { serving, survivor } = servingAndSurvivor(verifiers, response.headers.get('x-shoal-verifier'))
  let text = ''
  let pieces = 0
  let finishReason: string | null | undefined
  let usage: OpenAI.CompletionUsage | undefined
  const ids = new Set<string>()
  for await (const chunk of stream) {
    ids.add(chunk.id)
    expect(Object.keys(chunk)).not.toContain('shoal_tokens')
    text += chunk.choices[0]?.text ?? ''
    finishReason = chunk.choices[0]?.finish_reason ?? finishReason
    usage = chunk.usage ?? usage
    if ((chunk.choices[0]?.text ?? '') !== '' && ++pieces === KILL_AFTER_PIECES) {
      await serving.process.kill()
    }
  }
  expect(pieces).toBeGreaterThan(KILL_AFTER_PIECES)
  const alone = await new OpenAI({ baseURL: `${survivor.process.url}/v1`, apiKey: 'unused', maxRetries: 0 }).completions.create(request)
  expect(text).toBe(alone.choices[0]?.text)
  expect(finishReason).toBe(alone.choices[0]?.finish_reason)
  // The usage counts the whole answer, not only the survivor's part of it.
  expect(usage).toEqual(alone.usage)
  expect(ids.size).toBe(1)
  await expectOneHandover(relay)
})

for (const route of ['/api/chat', '/api/generate'] as const) {
  test(`a streamed Ollama ${route} answer whose verifier is killed mid-answer is continued on the other: one stream, the single verifier's text, its done line with the whole answer's counts`, async () => {
    const { relay, verifiers } = await twoSlowVerifiers()
    const question = route === '/api/chat' ? { messages: MESSAGES } : { prompt: 'Tell me a story about a fox and a river.' }
    const request = { model: MODEL, ...question, options: { temperature: 0, num_predict: MAX_TOKENS } }
    const response = await fetch(`${relay.url}${route}`, { method: 'POST', body: JSON.stringify(request) })
    expect(response.status).toBe(200)
    const { serving, survivor } = servingAndSurvivor(verifiers, response.headers.get('x-shoal-verifier'))
    const textOf = (line: Record<string, unknown>): string => {
      const text = route === '/api/chat' ? (line.message as { content?: unknown } | undefined)?.content : line.response
      return typeof text === 'string' ? text : ''
    }
    let text = ''
    let pieces = 0
    const lines: Array<Record<string, unknown>> = []
    for await (const line of ndjson(response)) {
      lines.push(line)
      expect(Object.keys(line)).not.toContain('shoal_tokens')
      expect(Object.keys(line)).not.toContain('error')
      text += textOf(line)
      if (textOf(line) !== '' && ++pieces === KILL_AFTER_PIECES) {
        await serving.process.kill()
      }
    }
    expect(pieces).toBeGreaterThan(KILL_AFTER_PIECES)
    const alone = await (await fetch(`${survivor.process.url}${route}`, { method: 'POST', body: JSON.stringify({ ...request, stream: false }) })).json() as Record<string, unknown>
    expect(text).toBe(textOf(alone))
    // The stream ends as a whole one does: one done line, last, counting the whole answer.
    const last = lines.at(-1)
    expect(lines.filter((line) => line.done === true)).toHaveLength(1)
    expect(last?.done).toBe(true)
    expect(last?.done_reason).toBe(alone.done_reason)
    expect(last?.eval_count).toBe(alone.eval_count)
    expect(last?.prompt_eval_count).toBe(alone.prompt_eval_count)
    await expectOneHandover(relay)
  })
}

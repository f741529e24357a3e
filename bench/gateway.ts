import OpenAI from 'openai'
import { startGpuNode, startRelay, waitFor } from '../tests/support/processes.ts'
import type { ShoalProcess } from '../tests/support/processes.ts'
import type { Section } from './report.ts'
import { summarize } from './stats.ts'

/** One-token chats timed each way. */
const REQUESTS = 40

/** Streamed answers whose verifier is killed: each gives one gap. */
const KILLS = 8

const QUESTION = [{ role: 'user' as const, content: 'Tell me a long story about a fox.' }]

interface Verifier {
  process: ShoalProcess
  peerId: string
}

async function startVerifier (relayUrl: string, extraArgs: string[]): Promise<Verifier> {
  const process = await startGpuNode({ relayUrl, extraArgs: ['--threads', '1', ...extraArgs] })
  const health = await (await fetch(`${process.url}/health`)).json() as { peerId: string }
  return { process, peerId: health.peerId }
}

async function gatewayHears (relayUrl: string, count: number): Promise<void> {
  await waitFor(`the gateway to hear ${count} verifiers`, async () => {
    const text = await (await fetch(`${relayUrl}/metrics`)).text()
    return new RegExp(`^shoal_relay_gateway_verifiers ${count}$`, 'm').test(text) ? true : undefined
  }, 30_000)
}

function client (baseUrl: string): OpenAI {
  return new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 })
}

async function timedChats (baseUrl: string): Promise<number[]> {
  const times: number[] = []
  for (let index = 0; index < REQUESTS; index++) {
    const start = performance.now()
    await client(baseUrl).chat.completions.create({ model: 'shoal-demo', messages: QUESTION, max_tokens: 1, temperature: 0 })
    times.push(performance.now() - start)
  }
  return times
}

/**
 * The relay as the mesh's API: what going through the relay's gateway costs
 * a request (one-token chats, direct to the verifier's port and through the
 * relay's URL), and the gap a streamed chat completion shows when its
 * verifier is killed mid-answer and the gateway continues it on another.
 */
export async function benchGateway (): Promise<Section> {
  const relay = await startRelay()
  const verifiers: Verifier[] = []
  const gaps: number[] = []
  let direct: number[] = []
  let through: number[] = []
  let continued = 0
  try {
    const alone = await startVerifier(relay.url, [])
    verifiers.push(alone)
    await gatewayHears(relay.url, 1)
    direct = await timedChats(alone.process.url)
    through = await timedChats(relay.url)
    await alone.process.stop()
    verifiers.splice(0)

    // Every forward pass padded to 40 ms (emulated GPU), so the answer is still streaming at the kill.
    const slow = ['--emulate-pass-cost', '40,0']
    verifiers.push(await startVerifier(relay.url, slow), await startVerifier(relay.url, slow))
    for (let round = 0; round < KILLS; round++) {
      await gatewayHears(relay.url, 2)
      const { data: stream, response } = await client(relay.url).chat.completions.create({ model: 'shoal-demo', messages: QUESTION, max_tokens: 120, temperature: 0, stream: true }).withResponse()
      const serving = verifiers.find((verifier) => verifier.peerId === response.headers.get('x-shoal-verifier'))
      if (serving === undefined) throw new Error('the gateway named no running verifier')
      let pieces = 0
      let killedAt: number | undefined
      let gap: number | undefined
      let finish: string | null | undefined
      for await (const chunk of stream) {
        finish = chunk.choices[0]?.finish_reason ?? finish
        if ((chunk.choices[0]?.delta.content ?? '') === '') continue
        pieces++
        if (killedAt !== undefined && gap === undefined) gap = (performance.now() - killedAt) / 1000
        if (pieces === 10) {
          serving.process.child.kill('SIGKILL')
          killedAt = performance.now()
        }
      }
      if (gap !== undefined) gaps.push(gap)
      if (finish === 'length') continued++
      verifiers.splice(verifiers.indexOf(serving), 1)
      await serving.process.kill()
      verifiers.push(await startVerifier(relay.url, slow))
    }
  } finally {
    await Promise.all(verifiers.map(async (verifier) => { await verifier.process.stop() }))
    await relay.stop()
  }
  return {
    title: 'The relay as the mesh\'s API',
    description: `A relay and verifiers on the demo model (one thread each), the official \`openai\` client. Overhead: ${REQUESTS} one-token greedy chats sent to the verifier's own port, then ${REQUESTS} to the relay's URL, which forwards each over the mesh (\`/shoal/http/1.0.0\`) on the verifier's connection to it. Hand-over: two verifiers, every forward pass padded to 40 ms (\`--emulate-pass-cost 40,0\`); ${KILLS} streamed greedy answers of 120 tokens, each one's verifier killed with SIGKILL after 10 pieces of text, and the gap is the time from the kill to the next text the client reads, written by the other verifier continuing the answer from its tokens. ${continued} of ${KILLS} answers reached their full length.`,
    measurements: [
      { name: 'one-token chat, direct to the verifier', unit: 'ms', summary: summarize(direct) },
      { name: 'one-token chat, through the relay', unit: 'ms', summary: summarize(through) },
      { name: 'hand-over gap (kill to next text read)', unit: 's', summary: summarize(gaps) }
    ]
  }
}

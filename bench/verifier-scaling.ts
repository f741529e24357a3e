/**
 * Verifiers side by side: the same load of greedy chats sent through the
 * relay's gateway to 1, 2 and 3 verifiers, measuring how the aggregate
 * tokens/s grows with N. The GPU is EMULATED (gpu-node --emulate-pass-cost
 * h100-70b): every forward pass is padded to what a 70B model on an H100
 * takes, so the limit is the emulated GPU's, not this machine's CPU.
 */
import { loadavg } from 'node:os'
import { parsePassCostProfile, passCostLabel, passDurationMs } from '../gpu-node/src/verifier/pass-cost-emulation.ts'
import { readMetrics } from '../tests/support/metrics.ts'
import { startGpuNode, startRelay, waitFor } from '../tests/support/processes.ts'
import type { ShoalProcess } from '../tests/support/processes.ts'
import type { Section } from './report.ts'
import { summarize } from './stats.ts'

const PROFILE = parsePassCostProfile('h100-70b')
const VERIFIER_COUNTS = [1, 2, 3]
/** Sequences each verifier generates at once. */
const CAPACITY = 4
/** Chats sent at once in a round: whole waves of every sequence at each N (24 = 6, 3 and 2 waves of 4, 8 and 12). */
const CHATS = 24
const ROUNDS = 3
const MAX_TOKENS = 96

interface Verifier {
  process: ShoalProcess
  peerId: string
}

interface Chat {
  content: string
  tokens: number
  seconds: number
  verifier: string
}

async function startVerifier (relayUrl: string): Promise<Verifier> {
  const process = await startGpuNode({ relayUrl, extraArgs: ['--threads', '1', '--capacity', String(CAPACITY), '--client-max-concurrent', String(CHATS), '--emulate-pass-cost', PROFILE.name] })
  const health = await (await fetch(`${process.url}/health`)).json() as { peerId: string, emulatedPassCost?: unknown }
  if (health.emulatedPassCost === undefined) {
    throw new Error(`the verifier does not say it emulates ${PROFILE.name}: ${JSON.stringify(health)}`)
  }
  // One chat on its own port first: its first answer pays for loading, not the measured rounds.
  await chat(process.url, 'Say hello.', 8)
  return { process, peerId: health.peerId }
}

async function gatewayHears (relayUrl: string, count: number): Promise<void> {
  await waitFor(`the gateway to hear ${count} verifiers`, async () => {
    const text = await (await fetch(`${relayUrl}/metrics`)).text()
    return new RegExp(`^shoal_relay_gateway_verifiers ${count}$`, 'm').test(text) ? true : undefined
  }, 30_000)
}

async function chat (baseUrl: string, question: string, maxTokens: number): Promise<Chat> {
  const start = performance.now()
  const response = await fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'shoal-demo', messages: [{ role: 'user', content: question }], max_tokens: maxTokens, temperature: 0 })
  })
  const body = await response.text()
  if (response.status !== 200) {
    throw new Error(`a chat through ${baseUrl} got ${response.status}: ${body}`)
  }
  const answer = JSON.parse(body) as { choices: Array<{ message: { content: string } }>, usage: { completion_tokens: number } }
  return {
    content: answer.choices[0]?.message.content ?? '',
    tokens: answer.usage.completion_tokens,
    seconds: (performance.now() - start) / 1000,
    verifier: response.headers.get('x-shoal-verifier') ?? '?'
  }
}

function question (index: number): string {
  return `Tell me a story about a fox and boat number ${index + 1}.`
}

/** One relay and its verifiers: a mesh of N, measured beside the others. */
interface Mesh {
  relay: ShoalProcess
  verifiers: Verifier[]
}

interface Run {
  count: number
  /** Aggregate tokens/s of each round. */
  rounds: number[]
  perChat: number[]
  /** Chats each verifier answered, over all rounds. */
  spread: number[]
  /** The answers of the last round, by question. */
  answers: string[]
  /** Mean wait the emulation added to a pass beyond its real compute: near 0, the CPU was the limit. */
  paddingMsPerPass: number
  /** Sequences batched into each pass, on average. */
  sequencesPerPass: number
  /** Wall time of the rounds. */
  seconds: number
  /** Share of the rounds' time each verifier's emulated GPU was in a pass: what is left went to the CPU's work between passes. */
  gpuBusy: number
}

/** A counter summed over the verifiers. */
async function totals (verifiers: readonly Verifier[]): Promise<(name: string) => number> {
  const metrics = await Promise.all(verifiers.map(async (verifier) => await readMetrics(verifier.process.url)))
  return (name) => metrics.reduce((sum, values) => sum + (values.get(name) ?? 0), 0)
}

async function startMesh (count: number): Promise<Mesh> {
  const mesh: Mesh = { relay: await startRelay({ extraArgs: ['--api-max-concurrent-per-ip', '0'] }), verifiers: [] }
  while (mesh.verifiers.length < count) {
    mesh.verifiers.push(await startVerifier(mesh.relay.url))
  }
  await gatewayHears(mesh.relay.url, count)
  return mesh
}

/** One round: every chat sent at once through the mesh's relay. */
async function measureRound (mesh: Mesh, run: Run): Promise<void> {
  const start = performance.now()
  const chats = await Promise.all(Array.from({ length: CHATS }, async (_, index) => await chat(mesh.relay.url, question(index), MAX_TOKENS)))
  const seconds = (performance.now() - start) / 1000
  run.seconds += seconds
  run.rounds.push(chats.reduce((sum, answered) => sum + answered.tokens, 0) / seconds)
  for (const answered of chats) {
    run.perChat.push(answered.tokens / answered.seconds)
    const at = mesh.verifiers.findIndex((verifier) => verifier.peerId === answered.verifier)
    if (at < 0) throw new Error(`the gateway named no running verifier: ${answered.verifier}`)
    run.spread[at] = (run.spread[at] ?? 0) + 1
  }
  run.answers = chats.map((answered) => answered.content)
}

/**
 * Full-length waves the load takes at N verifiers (every sequence busy but
 * the last wave's): the closed-form limit of the ratio to one verifier is
 * waves(1) / waves(N).
 */
function waves (count: number): number {
  return Math.ceil(CHATS / (CAPACITY * count))
}

function mean (values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length
}

export async function benchVerifierScaling (): Promise<Section> {
  const meshes: Mesh[] = []
  const runs: Run[] = VERIFIER_COUNTS.map((count) => ({ count, rounds: [], perChat: [], spread: Array.from({ length: count }, () => 0), answers: [], paddingMsPerPass: 0, sequencesPerPass: 0, seconds: 0, gpuBusy: 0 }))
  let loadBefore = 0
  try {
    for (const count of VERIFIER_COUNTS) {
      meshes.push(await startMesh(count))
    }
    loadBefore = loadavg()[0] ?? 0
    const before = await Promise.all(meshes.map(async (mesh) => await totals(mesh.verifiers)))
    // Rounds taken in turn across the meshes: each N sees the same noise of a shared machine.
    for (let round = 0; round < ROUNDS; round++) {
      for (const [index, mesh] of meshes.entries()) {
        const run = runs[index]
        if (run !== undefined) await measureRound(mesh, run)
      }
    }
    for (const [index, mesh] of meshes.entries()) {
      const after = await totals(mesh.verifiers)
      const delta = (name: string): number => after(name) - (before[index]?.(name) ?? 0)
      const passes = delta('shoal_gpu_node_emulated_passes_total')
      const run = runs[index]
      if (run === undefined) continue
      run.paddingMsPerPass = delta('shoal_gpu_node_emulated_pass_padding_seconds_total') * 1000 / passes
      run.sequencesPerPass = delta('shoal_gpu_node_emulated_pass_sequences_total') / passes
      // A pass's cost is linear in its tokens, so the mean pass lasts as long as a pass of the mean batch.
      run.gpuBusy = passes * passDurationMs(PROFILE, run.sequencesPerPass) / 1000 / (run.count * run.seconds)
    }
  } finally {
    await Promise.all(meshes.flatMap((mesh) => mesh.verifiers.map(async (verifier) => { await verifier.process.stop() })))
    await Promise.all(meshes.map(async (mesh) => { await mesh.relay.stop() }))
  }
  const loadAfter = loadavg()[0] ?? 0
  const one = mean(runs[0]?.rounds ?? [])
  // What the emulated GPU allows: every sequence of a verifier decoding in one batched pass.
  const ceilingPerVerifier = CAPACITY / (passDurationMs(PROFILE, CAPACITY) / 1000)
  const firstAnswers = runs[0]?.answers ?? []
  const rows = runs.map((run) => {
    const aggregate = mean(run.rounds)
    const differing = run.answers.filter((answer, index) => answer !== firstAnswers[index]).length
    return [
      `${run.count} (EMULATED ${PROFILE.name})`,
      aggregate.toFixed(1),
      (aggregate / one).toFixed(2),
      (waves(1) / waves(run.count)).toFixed(2),
      (ceilingPerVerifier * run.count).toFixed(0),
      run.spread.join(' / '),
      summarize(run.perChat).p50.toFixed(1),
      run.sequencesPerPass.toFixed(2),
      run.paddingMsPerPass.toFixed(1),
      `${(run.gpuBusy * 100).toFixed(0)} %`,
      differing === 0 ? 'yes' : `no: ${differing} of ${CHATS} differ`
    ]
  })
  const target = (count: number): Section['measurements'][number]['target'] => count === 1 ? undefined : { op: '>=', value: 0.9 * count * one, of: 'p50' }
  return {
    title: 'Verifiers side by side',
    description: `Three meshes side by side, each a relay with 1, 2 or 3 verifiers on the demo model (one thread each, ${CAPACITY} sequences each), every forward pass padded by an EMULATED GPU (\`--emulate-pass-cost ${PROFILE.name}\`, ${passCostLabel(PROFILE)}), so the emulated GPU, not this machine's CPU, should be the limit. Each N gets the same load: ${ROUNDS} rounds of ${CHATS} greedy chats sent at once to its relay's \`/v1/chat/completions\`, ${MAX_TOKENS} tokens at most, routed over the mesh by the relay's gateway (the relay's per-IP limit off and each verifier's per-client limit at ${CHATS}: every chat comes from one address). The rounds go in turn (N = 1, 2, 3, then again), so every N sees the same noise of a shared machine. Aggregate is a round's tokens over its wall time (the mean of the rounds in the table); "limit" is the closed-form ratio to one verifier, waves(1) / waves(N) with waves(N) = ⌈${CHATS} chats / (${CAPACITY} sequences × N)⌉ (= N for this load), and "ceiling" what the emulated GPU allows, N × ${CAPACITY} tokens per ${passDurationMs(PROFILE, CAPACITY).toFixed(2)} ms pass. Chats per verifier is the count each one answered (the \`X-Shoal-Verifier\` header); "identical" compares each answer with the one N = 1 gave the same question. "Padding / pass" is the mean wait the emulation added to each batched decode beyond its real compute: near 0, this machine's CPU took longer than the emulated GPU would, and N verifiers sharing it cannot add up to N times one. "Emulated GPU busy" is the share of the rounds' time a verifier spent in (padded) passes; the rest went to the CPU's work between passes (sampling, the HTTP answer, the tunnel, the next step's scheduling), which the N verifiers and the relay share on this machine's cores, so a low share means the CPU, not the emulated GPU, set the pace. The goal is N verifiers ≥ 0.9 × N of one's aggregate. Load average (1 min) ${loadBefore.toFixed(2)} before the rounds, ${loadAfter.toFixed(2)} after: other work shared the machine.`,
    table: {
      columns: ['verifiers', 'aggregate tokens/s', 'ratio to N = 1', 'limit', 'ceiling tokens/s', 'chats per verifier', 'p50 per-chat tokens/s', 'sequences / pass', 'padding / pass (ms)', 'emulated GPU busy', 'answers identical to N = 1'],
      rows
    },
    measurements: runs.map((run) => ({
      name: `aggregate tokens/s, ${run.count} verifier${run.count === 1 ? '' : 's'} (EMULATED ${PROFILE.name})`,
      unit: 'tokens/s',
      summary: summarize(run.rounds),
      target: target(run.count)
    }))
  }
}

/**
 * The thesis where Shoal is meant to run: a verifier whose forward pass over
 * many tokens costs little more than one (a GPU), drafters in browsers, a
 * network between them. The GPU is EMULATED (gpu-node --emulate-pass-cost
 * h100-70b pads each pass to 30 ms + 0.25 ms per further token; the model
 * still computes every token) and so is the WAN (gpu-node
 * --emulate-link-delay: this kernel has no sch_netem, so every draft-protocol
 * message is held for half the round trip each way in gpu-node's draft
 * streams). Real relay, real gpu-node running the stories target, 0, 1 or 4
 * contributing Chromium tabs on the Contribute page over direct WebRTC,
 * greedy chats 1 and 8 at once over the HTTP API. Beside each measured ratio
 * stands the closed form `(1 − α^(k+1)) / (1 − α)` tokens per pass over the
 * profile's pass cost, with the measured α and the policy's k.
 */
import { ensureDemoPair, noisyModelCopy } from '../tests/support/models.ts'
import { launchProfile } from '../tests/support/browser.ts'
import { readMetrics } from '../tests/support/metrics.ts'
import { startGpuNode, startRelay, waitFor } from '../tests/support/processes.ts'
import type { ShoalProcess } from '../tests/support/processes.ts'
import { AGREEMENT_PROMPTS } from '../demo-models/stories-prompts.ts'
import { bestDraftCount } from '../gpu-node/src/drafting/draft-policy.ts'
import { linkDelayLabel } from '../gpu-node/src/drafting/link-delay.ts'
import { parsePassCostProfile, passCostLabel, passDurationMs } from '../gpu-node/src/verifier/pass-cost-emulation.ts'
import { summarize } from './stats.ts'
import type { Measurement, Section } from './report.ts'
import type { PassCostProfile } from '../gpu-node/src/verifier/pass-cost-emulation.ts'
import type { ChatMessage } from '../gpu-node/src/verifier/types.ts'
import type { BrowserContext } from '@playwright/test'

const PROFILE: PassCostProfile = parsePassCostProfile('h100-70b')
/** Round trips between drafters and the verifier: loopback (0 added) and a WAN. */
const LINK_DELAYS_MS = narrowed('GPU_COST_LINKS', [0, 20], Number)
const MAX_TOKENS = 160
const CHAT_COUNTS = narrowed('GPU_COST_CHATS', [1, 8], Number)
/** Answers per cell: 1 chat → this many one after another; 8 chats → this many rounds of 8. */
const ROUNDS: Record<number, number> = { 1: 4, 8: 2 }
const PROMPTS: readonly ChatMessage[][] = AGREEMENT_PROMPTS.slice(0, 8)
const MODEL_NAME = 'shoal-stories'

/**
 * A list the environment may narrow for a quicker look at some cells, e.g.
 * `GPU_COST_ROWS='no drafter;matched drafter' GPU_COST_LINKS=0 GPU_COST_CHATS=8`
 * (`;`-separated, as row names hold commas). A narrowed run says so in its
 * section; the committed report comes from whole runs.
 */
function narrowed<T> (variable: string, all: T[], parse: (text: string) => T): T[] {
  const given = process.env[variable]
  if (given === undefined || given.trim() === '') {
    return all
  }
  const chosen = given.split(';').map((text) => parse(text.trim()))
  const unknown = chosen.filter((value) => !all.includes(value))
  if (unknown.length > 0) {
    throw new Error(`${variable}: ${unknown.join(', ')} not among ${all.join('; ')}`)
  }
  return chosen
}

const NARROWED = ['GPU_COST_ROWS', 'GPU_COST_LINKS', 'GPU_COST_CHATS'].filter((variable) => (process.env[variable] ?? '').trim() !== '')

interface Row {
  name: string
  /** GGUF file name (without .gguf) the Contribute page loads. */
  model?: string
  tabs: number
}

interface Cell {
  row: string
  tabs: number
  linkMs: number
  chats: number
  passesPerToken: number
  /** Mean over answers of tokens / the answer's time. */
  chatTokensPerSecond: number
  /** All tokens / the cell's wall time. */
  aggregateTokensPerSecond: number
  /** Accepted drafts / drafts evaluated. */
  draftAcceptance: number
  /** Per-token acceptance: accepted / (accepted + passes with a rejection), the policy's estimator. */
  alpha: number
  /** Drafts evaluated per pass. */
  draftsPerPass: number
  /** Positions a draft had arrived for / positions verified while a draft job was open. */
  onTime: number
  /** Positions verified while a draft job was open / tokens generated. */
  covered: number
  /** Mean wait per pass beyond the real compute, in ms: near 0, the CPU took longer than the profile and the emulation did not hold. */
  paddingMsPerPass: number
  /** Sequences batched into each decode, on average: at 8 chats, how full the verifier's batches were. */
  sequencesPerDecode: number
  /** Rounds of the verifier's decode barrier let go by its deadline (an answer late), of all rounds. */
  deadlineRounds: number
  identical: number
  answers: number
}

export async function benchDraftingGpuCurve (): Promise<Section> {
  const pair = await ensureDemoPair()
  // Same tokenizer, its weights drowned in noise (each weight ± up to 4× itself): drafts that are almost never right.
  const garbage = await noisyModelCopy(pair.draft, 4, 7)
  const fileId = (path: string): string => path.replace(/^.*\//, '').replace(/\.gguf$/, '')
  const allRows: Row[] = [
    { name: 'no drafter', tabs: 0 },
    { name: 'matched drafter', model: fileId(pair.draft), tabs: 1 },
    { name: 'matched drafter, 4 tabs', model: fileId(pair.draft), tabs: 4 },
    { name: 'garbage drafter', model: fileId(garbage), tabs: 1 },
    { name: 'identical drafter', model: fileId(pair.target), tabs: 1 }
  ]
  // The no-drafter row runs first: its answers are the reference every other row's must equal.
  const rowNames = narrowed('GPU_COST_ROWS', allRows.map((row) => row.name), String)
  const rows = allRows.filter((row) => row.name === 'no drafter' || rowNames.includes(row.name))
  const relay = await startRelay()
  const cells: Cell[] = []
  const reference = new Map<number, string>()
  let emulation = passCostLabel(PROFILE)
  try {
    for (const linkMs of LINK_DELAYS_MS) {
      const verifier = await startVerifier(relay.url, pair.target, linkMs)
      try {
        const health = await (await fetch(`${verifier.url}/health`)).json() as { emulatedPassCost?: { label: string }, emulatedLinkDelay?: { label: string } }
        if (health.emulatedPassCost === undefined || (linkMs > 0) !== (health.emulatedLinkDelay !== undefined)) {
          throw new Error(`the verifier does not say it emulates what was asked: ${JSON.stringify(health)}`)
        }
        emulation = health.emulatedPassCost.label
        for (const row of rows) {
          const profiles: BrowserContext[] = []
          try {
            if (row.model === undefined) {
              // An idle tab, as in the CPU section: the rows then differ by drafting, not by a browser being open at all.
              const profile = await launchProfile()
              profiles.push(profile)
              await (profile.pages()[0] ?? await profile.newPage()).goto(`${relay.url}/contribute`)
            } else {
              console.log(`bench: gpu cost curve · ${linkName(linkMs)} · ${row.name}: opening ${row.tabs} contributing tab(s)`)
              // Each tab is its own browser profile (one contributing tab per profile); 8 chats spread over the tabs.
              const jobs = Math.ceil(Math.max(...CHAT_COUNTS) / row.tabs)
              for (let tab = 0; tab < row.tabs; tab++) {
                const profile = await launchProfile()
                profiles.push(profile)
                const page = profile.pages()[0] ?? await profile.newPage()
                await page.goto(`${relay.url}/contribute?model=${row.model}&jobs=${jobs}`)
                await page.getByTestId('contribute-toggle').check()
                await page.getByTestId('contribute-status').and(page.locator('[data-status="drafting"]')).waitFor({ timeout: 180_000 })
              }
              await waitFor('the verifier to take the drafters', async () => (await readMetrics(verifier.url)).get('shoal_gpu_node_drafters') === row.tabs ? true : undefined, 60_000)
            }
            for (const chats of CHAT_COUNTS) {
              console.log(`bench: gpu cost curve · ${linkName(linkMs)} · ${row.name} · ${chats} at once`)
              const cell = await measureCell(verifier.url, row, linkMs, chats, reference)
              console.log(`bench:   ${cell.passesPerToken.toFixed(2)} passes/token, ${cell.chatTokensPerSecond.toFixed(1)} tokens/s per chat, ${cell.aggregateTokensPerSecond.toFixed(1)} in all, α ${fixed(cell.alpha)}, on time ${fixed(cell.onTime)}, ${fixed(cell.sequencesPerDecode)} sequences per decode (${fixed(cell.deadlineRounds)} of rounds by the deadline), identical ${cell.identical}/${cell.answers}`)
              cells.push(cell)
            }
          } finally {
            await Promise.all(profiles.map(async (profile) => { await profile.close() }))
          }
          await waitFor('the drafters to leave', async () => (await readMetrics(verifier.url)).get('shoal_gpu_node_drafters') === 0 ? true : undefined, 60_000)
        }
      } finally {
        await verifier.stop()
      }
    }
  } finally {
    await relay.stop()
  }
  return report(cells, emulation)
}

/** A gpu-node with the profile and link delay; tried again when a loaded machine makes it miss its 30 s to become healthy. */
async function startVerifier (relayUrl: string, target: string, linkMs: number, attempts = 3): Promise<ShoalProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startGpuNode({
        relayUrl,
        extraArgs: ['--model', target, '--model-name', MODEL_NAME, '--threads', '1', '--capacity', '8', '--queue-size', '64', '--client-max-concurrent', '16',
          '--emulate-pass-cost', PROFILE.name, '--emulate-link-delay', String(linkMs)]
      })
    } catch (err) {
      if (attempt >= attempts) {
        throw err
      }
      console.log(`bench: gpu cost curve · the verifier did not start (attempt ${attempt}), trying again`)
    }
  }
}

function linkName (linkMs: number): string {
  return linkMs === 0 ? 'loopback' : `${linkMs} ms RTT`
}

function fixed (value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '—'
}

/**
 * The closed form: with per-token acceptance α, n chats batched and k
 * drafts each, a pass yields `(1 − α^(k+1)) / (1 − α)` tokens per chat and
 * lasts `passDuration(n(k+1)) / passDuration(n)` of a pass without drafts.
 * k is what the policy picks for α under this curve.
 */
export function expectation (alpha: number, chats: number, profile: PassCostProfile): { k: number, passesPerToken: number, speedup: number } {
  if (!Number.isFinite(alpha)) {
    return { k: 0, passesPerToken: 1, speedup: 1 }
  }
  const relativeCost = (k: number): number => passDurationMs(profile, chats * (k + 1)) / passDurationMs(profile, chats)
  const k = bestDraftCount(alpha, relativeCost)
  const tokensPerPass = alpha >= 1 ? k + 1 : (1 - alpha ** (k + 1)) / (1 - alpha)
  return { k, passesPerToken: 1 / tokensPerPass, speedup: tokensPerPass / relativeCost(k) }
}

async function measureCell (gpuNodeUrl: string, row: Row, linkMs: number, chats: number, reference: Map<number, string>): Promise<Cell> {
  const before = await readMetrics(gpuNodeUrl)
  const startedAt = performance.now()
  let identical = 0
  let answers = 0
  const speeds: number[] = []
  const rounds = ROUNDS[chats] ?? 1
  for (let round = 0; round < rounds; round++) {
    await Promise.all(Array.from({ length: chats }, async (_, index) => {
      const promptIndex = (round * chats + index) % PROMPTS.length
      const answer = await complete(gpuNodeUrl, PROMPTS[promptIndex] ?? [])
      speeds.push(answer.tokens / answer.seconds)
      // The first answer to each prompt (with no drafter: that row runs first) is the reference.
      const expected = reference.get(promptIndex)
      if (expected === undefined) {
        reference.set(promptIndex, answer.text)
      }
      identical += expected === undefined || expected === answer.text ? 1 : 0
      answers++
    }))
  }
  const seconds = (performance.now() - startedAt) / 1000
  const after = await readMetrics(gpuNodeUrl)
  const delta = (name: string): number => (after.get(name) ?? 0) - (before.get(name) ?? 0)
  const tokens = delta('shoal_gpu_node_generated_tokens_total')
  const verified = delta('shoal_gpu_node_draft_tokens_verified_total')
  const accepted = delta('shoal_gpu_node_draft_tokens_accepted_total')
  const rejected = delta('shoal_gpu_node_draft_rejected_passes_total')
  const passes = delta('shoal_gpu_node_forward_passes_total')
  const positions = delta('shoal_gpu_node_draft_positions_verified_total')
  return {
    row: row.name,
    tabs: row.tabs,
    linkMs,
    chats,
    // Each answer's first pass evaluates its prompt: counted, as in every other row.
    passesPerToken: passes / tokens,
    chatTokensPerSecond: speeds.reduce((sum, speed) => sum + speed, 0) / speeds.length,
    aggregateTokensPerSecond: tokens / seconds,
    draftAcceptance: verified === 0 ? Number.NaN : accepted / verified,
    alpha: accepted + rejected === 0 ? Number.NaN : accepted / (accepted + rejected),
    draftsPerPass: verified / passes,
    onTime: positions === 0 ? Number.NaN : delta('shoal_gpu_node_draft_positions_on_time_total') / positions,
    covered: positions / tokens,
    paddingMsPerPass: delta('shoal_gpu_node_emulated_pass_padding_seconds_total') * 1000 / delta('shoal_gpu_node_emulated_passes_total'),
    sequencesPerDecode: delta('shoal_gpu_node_emulated_pass_sequences_total') / delta('shoal_gpu_node_emulated_passes_total'),
    deadlineRounds: delta('shoal_gpu_node_decode_deadline_rounds_total') / delta('shoal_gpu_node_decode_rounds_total'),
    identical,
    answers
  }
}

async function complete (gpuNodeUrl: string, messages: ChatMessage[]): Promise<{ text: string, tokens: number, seconds: number }> {
  const startedAt = performance.now()
  const response = await fetch(`${gpuNodeUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL_NAME, messages, max_tokens: MAX_TOKENS, temperature: 0, privacy: 'drafters-allowed' })
  })
  if (!response.ok) {
    throw new Error(`the verifier answered ${response.status}: ${await response.text()}`)
  }
  const body = await response.json() as { choices: Array<{ message: { content: string } }>, usage: { completion_tokens: number } }
  return { text: body.choices[0]?.message.content ?? '', tokens: body.usage.completion_tokens, seconds: (performance.now() - startedAt) / 1000 }
}

function report (cells: Cell[], emulation: string): Section {
  const cell = (row: string, linkMs: number, chats: number): Cell | undefined => cells.find((candidate) => candidate.row === row && candidate.linkMs === linkMs && candidate.chats === chats)
  const ratio = (value: number | undefined, base: number | undefined): number => value === undefined || base === undefined ? Number.NaN : value / base
  const measurements: Measurement[] = []
  const one = (name: string, unit: string, value: number, target?: Measurement['target']): void => {
    measurements.push({ name, unit, summary: summarize([value]), ...(target === undefined ? {} : { target }) })
  }
  const tableRows: string[][] = []
  for (const linkMs of LINK_DELAYS_MS) {
    const link = linkMs === 0 ? '' : `, ${linkMs} ms RTT`
    for (const row of [...new Set(cells.filter((entry) => entry.linkMs === linkMs).map((entry) => entry.row))]) {
      for (const chats of CHAT_COUNTS) {
        const entry = cell(row, linkMs, chats)
        const none = cell('no drafter', linkMs, chats)
        if (entry === undefined) {
          continue
        }
        const expected = expectation(entry.alpha, chats, PROFILE)
        const chatRatio = ratio(entry.chatTokensPerSecond, none?.chatTokensPerSecond)
        const aggregateRatio = ratio(entry.aggregateTokensPerSecond, none?.aggregateTokensPerSecond)
        const drafting = row !== 'no drafter'
        tableRows.push([
          `${row} (${entry.tabs} tab${entry.tabs === 1 ? '' : 's'}), ${linkMs === 0 ? 'loopback' : `${linkMs} ms RTT (WAN delay emulated in gpu-node's draft streams)`}`,
          String(chats),
          `${fixed(entry.passesPerToken)}${drafting ? ` (${fixed(expected.passesPerToken)})` : ''}`,
          `${fixed(entry.chatTokensPerSecond, 1)}${drafting ? ` = ${fixed(chatRatio)}x (${fixed(expected.speedup)}x)` : ''}`,
          `${fixed(entry.aggregateTokensPerSecond, 1)}${drafting ? ` = ${fixed(aggregateRatio)}x (${fixed(expected.speedup)}x)` : ''}`,
          drafting ? fixed(entry.draftAcceptance) : '',
          drafting ? fixed(entry.alpha) : '',
          drafting ? `${expected.k} / ${fixed(entry.draftsPerPass)}` : '',
          drafting ? `${fixed(entry.onTime)} of ${fixed(entry.covered)}` : '',
          fixed(entry.paddingMsPerPass, 1),
          fixed(entry.sequencesPerDecode, 1),
          `${entry.identical}/${entry.answers}`,
          emulation
        ])
        if (!drafting) {
          continue
        }
        const prefix = `${row}${link}, ${chats} chat${chats === 1 ? '' : 's'}`
        const matched = row.startsWith('matched')
        const garbage = row.startsWith('garbage')
        one(`${prefix}: verifier passes per token`, 'passes', entry.passesPerToken, matched && chats === 1 ? { op: '<=', value: 0.45, of: 'p50' } : undefined)
        one(`${prefix}: verifier passes per token, closed form`, 'passes', expected.passesPerToken)
        one(`${prefix}: tokens/s / no drafter`, 'ratio', chatRatio, (matched && chats === 1) ? { op: '>=', value: 1.8, of: 'p50' } : garbage ? { op: '>=', value: 0.97, of: 'p50' } : undefined)
        if (chats > 1) {
          one(`${prefix}: aggregate tokens/s / no drafter`, 'ratio', aggregateRatio, matched ? { op: '>=', value: 1.5, of: 'p50' } : garbage ? { op: '>=', value: 0.97, of: 'p50' } : undefined)
        }
        one(`${prefix}: tokens/s / no drafter, closed form`, 'ratio', expected.speedup)
        one(`${prefix}: acceptance per token (α)`, 'share', entry.alpha)
        one(`${prefix}: drafts on time`, 'share', entry.onTime)
      }
    }
  }
  one('answers identical to the no-drafter answers', 'share', cells.reduce((sum, entry) => sum + entry.identical, 0) / cells.reduce((sum, entry) => sum + entry.answers, 0), { op: '>=', value: 1, of: 'p50' })
  return {
    title: 'Drafting under a GPU cost curve',
    description: `${NARROWED.length === 0 ? '' : `PARTIAL RUN (${NARROWED.map((variable) => `${variable}=${process.env[variable] ?? ''}`).join(' ')}): only some cells. `}EMULATED GPU: gpu-node pads every forward pass to ${emulation} (${PROFILE.source}); the stories target (2.16M parameters, ~1.2 ms/token on one core) ` +
      'still computes every token, so answers are real and only pass durations are the profile\'s. Rows at 20 ms RTT add a WAN delay emulated in gpu-node\'s ' +
      `draft streams (--emulate-link-delay: ${linkDelayLabel(20)}; this kernel has no sch_netem, so tc netem cannot add it on the link). ` +
      'Real relay, gpu-node (--capacity 8, 1 thread), contributing Chromium tabs on the Contribute page (wllama, one thread, one engine per tab) over direct WebRTC, ' +
      `in a private network namespace; greedy chats (${MAX_TOKENS} tokens at most, stories prompts) over the HTTP API with privacy "drafters-allowed": ` +
      `1 chat ${ROUNDS[1]} answers one after another, 8 chats ${ROUNDS[8]} rounds of 8. Drafters: matched = the stories draft (distilled, 91.6 % teacher-forced agreement); ` +
      'garbage = that draft with every weight drowned in noise (same tokenizer); identical = the target itself; 4 tabs = four browser profiles, the 8 chats spread over them; "no drafter" has one idle Contribute tab open. ' +
      'Passes, tokens, drafts and positions come from the verifier\'s /metrics. In brackets beside each measured value: the closed form, tokens per pass ' +
      '(1 − α^(k+1)) / (1 − α) over the profile\'s pass cost (base + perToken × (n(k+1) − 1)) / (base + perToken × (n − 1)) for n chats, with the measured per-token α ' +
      '(accepted / (accepted + passes with a rejection)) and the k the policy picks for it under this curve. "drafts on time": positions a draft had arrived for when the ' +
      'pass began / positions verified while the answer had a draft job open, "of" the share of all tokens verified with a job open. ' +
      '"k policy / measured": the policy\'s k for α, and drafts the verifier actually evaluated per pass. ' +
      '"padding / pass": the mean wait the emulation added to each batched decode beyond its real compute; near 0 means this CPU took longer than the profile, ' +
      'so that cell measured the CPU, not the emulated GPU. "sequences / decode": answers batched into each decode on average (at 8 chats, 8 means every decode carried every answer).',
    table: {
      columns: ['row', 'chats at once', 'verifier passes / token (closed form)', 'tokens/s per chat = / no drafter (closed form)', 'aggregate tokens/s = / no drafter (closed form)',
        'acceptance per draft', 'α per token', 'k policy / measured per pass', 'drafts on time of covered', 'padding / pass (ms)', 'sequences / decode', 'answers identical', 'emulation'],
      rows: tableRows
    },
    measurements
  }
}

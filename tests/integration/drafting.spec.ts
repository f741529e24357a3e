/**
 * Drafting end to end in Node: a real relay and gpu-node, and Shoal's own
 * Drafter over direct WebRTC, drafting with real models (or misbehaving on
 * purpose). Whatever the drafter does, every answer must be exactly the
 * verifier's own.
 */
import { lpStream } from '@libp2p/utils'
import { expect, test } from '@playwright/test'
import { GpuNodeHealth } from '../../gpu-node/src/api-server.ts'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { DRAFT_PROTOCOL, MAX_RESENT_RECEIPTS, chainGaps, checkReceiptChains, decodeDraftToDrafter, encodeDraftToVerifier, verifyReceipt } from '#protocol'
import { connectDirect, cutAfter, createLlamaDraftEngine, garbageDraftEngine, recording, slowDraftEngine, startNodeDrafter } from '../support/drafters.ts'
import { ensureDemoPair, noisyModelCopy, referenceGreedyCompletion } from '../support/models.ts'
import { readMetrics } from '../support/metrics.ts'
import { startGpuNode, startRelay, waitFor } from '../support/processes.ts'
import type { NodeDrafter } from '../support/drafters.ts'
import type { ShoalProcess } from '../support/processes.ts'
import type { Libp2p } from '@libp2p/interface'

test.describe.configure({ mode: 'serial' })

const MAX_TOKENS = 48
/** Varied prompts: different lengths, turns and characters, so answers (and drafts) differ. */
const PROMPTS: string[] = Array.from({ length: 10 }, (_, index) => [
  'Tell me about the sea.',
  'List three colours, then stop.',
  'Écris une phrase en français !',
  'Why is the sky blue? Answer in detail, step by step.',
  '42 + 17 = ?',
  'Write a haiku about tokens and caches.',
  'a',
  'Repeat after me: draft, verify, accept.',
  '{"json": [1, 2, 3]}',
  'The quick brown fox jumps over the lazy dog. Continue the story.'
][index] ?? '')

let relay: ShoalProcess
let verifier: ShoalProcess
/** The demo pair's target and its drafts: an identical copy, the distilled draft, a noisy copy. */
let models: { target: string, 'draft-copy': string, 'draft-small': string, 'draft-noisy': string }
const reference = new Map<string, string>()
const drafters: NodeDrafter[] = []
/** Plain libp2p nodes a test connected with. */
const clients: Libp2p[] = []

test.beforeAll(async () => {
  test.setTimeout(180_000)
  // The demo pair: the story target, and its distilled draft (2 layers x 128, ~3x cheaper per token).
  const pair = await ensureDemoPair()
  models = { target: pair.target, 'draft-copy': pair.target, 'draft-small': pair.draft, 'draft-noisy': await noisyModelCopy(pair.target, 0.1) }
  relay = await startRelay()
  // Passes padded to a GPU's cost (EMULATED, h100-70b): on this CPU a pass over k tokens costs about k
  // passes, so whether drafts pay, and "fewer passes than tokens", would hang on the machine's load.
  verifier = await startGpuNode({ relayUrl: relay.url, extraArgs: ['--model', models.target, '--model-name', 'shoal-demo', '--threads', '1', '--capacity', '4', '--emulate-pass-cost', 'h100-70b'] })
  await waitFor('the verifier\'s WebRTC address', async () => {
    const health = await (await fetch(`${verifier.url}/health`)).json() as { addresses: string[] }
    return health.addresses.some((address) => address.includes('/p2p-circuit/webrtc/')) ? true : undefined
  }, 30_000)
  for (const prompt of PROMPTS) {
    reference.set(prompt, (await referenceGreedyCompletion(models.target, [{ role: 'user', content: prompt }], MAX_TOKENS)).text)
  }
})

test.afterEach(async () => {
  await Promise.all(drafters.splice(0).map(async (drafter) => { await drafter.stop() }))
  await Promise.all(clients.splice(0).map(async (node) => { await node.stop() }))
  await waitFor('the verifier to see the drafters go', async () => (await metrics()).get('shoal_gpu_node_drafters') === 0 ? true : undefined)
})

test.afterAll(async () => {
  await verifier?.stop()
  await relay?.stop()
})

async function ask (prompt: string, options: { privacy?: 'verifier-only' | 'drafters-allowed', temperature?: number, seed?: number, maxTokens?: number } = {}): Promise<string> {
  const response = await fetch(`${verifier.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'shoal-demo',
      messages: [{ role: 'user', content: prompt }],
      max_tokens: options.maxTokens ?? MAX_TOKENS,
      temperature: options.temperature ?? 0,
      ...(options.seed == null ? {} : { seed: options.seed }),
      privacy: options.privacy ?? 'drafters-allowed'
    })
  })
  expect(response.status).toBe(200)
  const body = await response.json() as { choices: Array<{ message: { content: string } }> }
  return body.choices[0]?.message.content ?? ''
}

/** Every prompt, two chats at a time (so passes are batched across sequences too). */
async function askAll (): Promise<Map<string, string>> {
  const answers = new Map<string, string>()
  for (let index = 0; index < PROMPTS.length; index += 2) {
    await Promise.all(PROMPTS.slice(index, index + 2).map(async (prompt) => { answers.set(prompt, await ask(prompt)) }))
  }
  return answers
}

async function metrics (): Promise<Map<string, number>> {
  return readMetrics(verifier.url)
}

async function draftingUnder (start: () => Promise<NodeDrafter>): Promise<{ answers: Map<string, string>, passes: number, tokens: number, drafted: number, accepted: number, closed: Map<string, number> }> {
  const drafter = await start()
  drafters.push(drafter)
  await waitFor('the verifier to take the drafter', async () => (await metrics()).get('shoal_gpu_node_drafters') === 1 ? true : undefined)
  const before = await metrics()
  const answers = await askAll()
  const after = await metrics()
  const delta = (name: string): number => (after.get(name) ?? 0) - (before.get(name) ?? 0)
  const closed = new Map<string, number>()
  for (const key of after.keys()) {
    if (key.startsWith('shoal_gpu_node_draft_jobs_closed_total{')) {
      closed.set(/reason="([A-Z_]+)"/.exec(key)?.[1] ?? '', delta(key))
    }
  }
  return {
    answers,
    passes: delta('shoal_gpu_node_forward_passes_total'),
    tokens: delta('shoal_gpu_node_generated_tokens_total'),
    drafted: delta('shoal_gpu_node_draft_tokens_verified_total'),
    accepted: delta('shoal_gpu_node_draft_tokens_accepted_total'),
    closed
  }
}

function expectReferenceAnswers (answers: Map<string, string>): void {
  for (const prompt of PROMPTS) {
    expect(answers.get(prompt), prompt).toBe(reference.get(prompt))
  }
}

test('an identical drafter: every answer is the verifier\'s own, and every draft it verified was accepted', async () => {
  test.setTimeout(180_000)
  let drafter: NodeDrafter | undefined
  const run = await draftingUnder(async () => (drafter = await startNodeDrafter(verifier.url, await createLlamaDraftEngine(models['draft-copy']))))
  expectReferenceAnswers(run.answers)
  // It drafts at about the verifier's own speed, so the verifier (which never waits) uses few of its drafts.
  expect(drafter?.drafter.stats.draftedTokens ?? 0).toBeGreaterThan(0)
  expect(run.accepted).toBe(run.drafted)
})

test('a smaller, faster drafter (distilled from the target): answers unchanged, drafts accepted, fewer passes than tokens', async () => {
  test.setTimeout(180_000)
  let drafter: NodeDrafter | undefined
  const run = await draftingUnder(async () => (drafter = await startNodeDrafter(verifier.url, await createLlamaDraftEngine(models['draft-small']))))
  expectReferenceAnswers(run.answers)
  expect(run.accepted).toBeGreaterThan(0)
  expect(run.accepted).toBeLessThanOrEqual(run.drafted)
  expect(run.passes).toBeLessThan(run.tokens)

  // Each answer it drafted for earned it a signed `drafted` receipt: together they account for every accepted draft.
  const issuer = GpuNodeHealth.parse(await (await fetch(`${verifier.url}/health`)).json()).peerId
  const self = drafter?.node.peerId.toString() ?? ''
  const earned = await waitFor('drafted receipts for every accepted draft', async () => {
    const checked = await Promise.all((drafter?.receipts ?? []).map(async (receipt) => verifyReceipt(receipt, { issuer, subject: self })))
    const accepted = checked.reduce((sum, receipt) => sum + (receipt.drafters[0]?.acceptedTokens ?? 0), 0)
    return accepted === run.accepted ? checked : undefined
  })
  expect(earned.every((receipt) => receipt.kind === 'drafted' && receipt.drafters[0]?.peerId === self)).toBe(true)
  expect(checkReceiptChains(earned).map((chain) => chain.problems)).toEqual([[]])
})

test('receipts lost on the way heal: the next hello asks for them, and only their subject gets them', async () => {
  test.setTimeout(180_000)
  const issuer = GpuNodeHealth.parse(await (await fetch(`${verifier.url}/health`)).json()).peerId
  const key = await generateKeyPair('Ed25519')
  const first = await startNodeDrafter(verifier.url, await createLlamaDraftEngine(models['draft-small']), { privateKey: key })
  drafters.push(first)
  const self = first.node.peerId.toString()
  await waitFor('the verifier to take the drafter', async () => (await metrics()).get('shoal_gpu_node_drafters') === 1 ? true : undefined)
  const earned = await waitFor('two drafted receipts or more', async () => {
    if (first.receipts.length < 2) await ask(PROMPTS[first.receipts.length % PROMPTS.length] ?? 'a')
    return first.receipts.length >= 2 ? first.receipts : undefined
  }, 120_000)
  await first.stop()
  drafters.splice(drafters.indexOf(first), 1)
  await waitFor('the verifier to see the drafter go', async () => (await metrics()).get('shoal_gpu_node_drafters') === 0 ? true : undefined)
  const chain = await Promise.all(earned.map(async (receipt) => verifyReceipt(receipt, { issuer, subject: self })))
  const newest = Math.max(...chain.map((receipt) => receipt.sequence))
  // Lost: receipt 2 (a hole) and the newest (one the tab never heard of at all).
  const lost = new Set([2, newest])
  const held = chain.filter((receipt) => !lost.has(receipt.sequence))
  expect(held.length).toBe(chain.length - lost.size)
  const gaps = chainGaps(held.map((receipt) => receipt.sequence), MAX_RESENT_RECEIPTS)

  // Another peer asks for everything "it" was issued: it gets nothing, for it was issued nothing.
  const stranger = await startNodeDrafter(verifier.url, garbageDraftEngine(256, 7), { receiptGaps: { newest: 0, missing: [] } })
  drafters.push(stranger)
  const again = await startNodeDrafter(verifier.url, await createLlamaDraftEngine(models['draft-small']), { privateKey: key, receiptGaps: gaps })
  drafters.push(again)
  expect(again.node.peerId.toString()).toBe(self)
  const healed = await waitFor('the lost receipts sent again', async () => {
    const arrived = await Promise.all(again.receipts.map(async (receipt) => verifyReceipt(receipt, { issuer, subject: self })))
    return [...lost].every((sequence) => arrived.some((receipt) => receipt.sequence === sequence)) ? arrived : undefined
  }, 30_000)
  const whole = checkReceiptChains([...held, ...healed])
  expect(whole.map((found) => found.problems)).toEqual([[]])
  expect(whole[0]?.receipts.map((receipt) => receipt.sequence)).toEqual(chain.map((receipt) => receipt.sequence).sort((left, right) => left - right))
  expect(stranger.receipts).toEqual([])
})

test('a drafter with noisy weights: every answer is the verifier\'s own', async () => {
  test.setTimeout(180_000)
  let drafter: NodeDrafter | undefined
  const run = await draftingUnder(async () => (drafter = await startNodeDrafter(verifier.url, await createLlamaDraftEngine(models['draft-noisy']))))
  expectReferenceAnswers(run.answers)
  expect(drafter?.drafter.stats.draftedTokens ?? 0).toBeGreaterThan(0)
})

test('a garbage drafter: answers unchanged, its jobs are dropped as not paying', async () => {
  test.setTimeout(180_000)
  const run = await draftingUnder(async () => startNodeDrafter(verifier.url, garbageDraftEngine(256, 7)))
  expectReferenceAnswers(run.answers)
  expect(run.closed.get('NOT_PAYING') ?? 0).toBeGreaterThan(0)
  // Dropped after a bounded budget, then benched: far fewer drafts than tokens were evaluated.
  expect(run.drafted).toBeLessThan(run.tokens / 2)
})

test('a slow drafter: answers unchanged and never waited for', async () => {
  test.setTimeout(180_000)
  const run = await draftingUnder(async () => startNodeDrafter(verifier.url, slowDraftEngine(await createLlamaDraftEngine(models['draft-copy']), 400)))
  expectReferenceAnswers(run.answers)
  expect(run.passes).toBeGreaterThanOrEqual(run.tokens - run.accepted)
})

test('a drafter that vanishes mid-job: answers unchanged, the verifier forgets it', async () => {
  test.setTimeout(180_000)
  const run = await draftingUnder(async () => startNodeDrafter(verifier.url, await createLlamaDraftEngine(models['draft-copy']), {
    wrap: (transport, stream) => cutAfter(transport, stream, 3)
  }))
  expectReferenceAnswers(run.answers)
  await waitFor('the vanished drafter to be dropped', async () => (await metrics()).get('shoal_gpu_node_drafters') === 0 ? true : undefined)
})

test('temperature > 0: seeded answers with an identical drafter are (nearly always) the ones without', async () => {
  test.setTimeout(180_000)
  const seeds = Array.from({ length: 12 }, (_, index) => index + 1)
  const alone = new Map<number, string>()
  for (const seed of seeds) {
    alone.set(seed, await ask(PROMPTS[0] ?? '', { temperature: 0.9, seed, privacy: 'verifier-only' }))
  }
  // The seeds give different answers: the check below compares real samples, not one fixed string.
  expect(new Set(alone.values()).size).toBeGreaterThan(seeds.length / 2)
  const drafter = await startNodeDrafter(verifier.url, await createLlamaDraftEngine(models['draft-copy']))
  drafters.push(drafter)
  await waitFor('the verifier to take the drafter', async () => (await metrics()).get('shoal_gpu_node_drafters') === 1 ? true : undefined)
  // Most are the same byte for byte; see tests/integration/verify-drafts.spec.ts for why not always.
  let same = 0
  for (const seed of seeds) {
    same += await ask(PROMPTS[0] ?? '', { temperature: 0.9, seed }) === alone.get(seed) ? 1 : 0
  }
  expect(same).toBeGreaterThanOrEqual(seeds.length / 2)
  expect(drafter.drafter.stats.draftedTokens).toBeGreaterThan(0)
})

test('privacy: a verifier-only chat sends its drafter nothing at all', async () => {
  test.setTimeout(120_000)
  const received: unknown[] = []
  const drafter = await startNodeDrafter(verifier.url, await createLlamaDraftEngine(models['draft-copy']), {
    wrap: (transport) => recording(transport, received)
  })
  drafters.push(drafter)
  await waitFor('the verifier to take the drafter', async () => (await metrics()).get('shoal_gpu_node_drafters') === 1 ? true : undefined)
  const secret = 'my secret diary: the launch code is 0000'
  await ask(secret, { privacy: 'verifier-only' })
  await Promise.all([ask(`${secret}, again`, { privacy: 'verifier-only' }), ask(`${secret}, once more`, { privacy: 'verifier-only' })])
  // Only the welcome: no job, no context, no verdict.
  expect(received.map((message) => (message as { type: string }).type)).toEqual(['welcome'])
  // The recorder does see what a drafter is sent when a chat allows it.
  await ask('an open question', { privacy: 'drafters-allowed' })
  expect(received.some((message) => (message as { type: string }).type === 'open')).toBe(true)
})

test('malformed, oversized and out-of-place draft messages: refused, and the verifier keeps answering', async () => {
  test.setTimeout(120_000)
  const { node, connection } = await connectDirect(verifier.url)
  clients.push(node)
  const cases: Array<{ name: string, bytes: Uint8Array, code: string }> = [
    { name: 'not protobuf', bytes: new Uint8Array([0xff, 0xff, 0xff, 0xff]), code: 'DRAFT_MALFORMED' },
    { name: 'oversized', bytes: new Uint8Array(64 * 1024), code: 'DRAFT_TOO_LARGE' },
    { name: 'wrong tokenizer', bytes: encodeDraftToVerifier({ type: 'hello', model: 'x', tokenizerFingerprint: 'not-this-one', maxJobs: 1 }), code: 'TOKENIZER_MISMATCH' },
    { name: 'batch before hello', bytes: encodeDraftToVerifier({ type: 'batch', jobId: 1, epoch: 0, position: 1, tokens: [1], probabilities: [0.5] }), code: 'DRAFT_MALFORMED' }
  ]
  for (const { name, bytes, code } of cases) {
    const stream = await connection.newStream(DRAFT_PROTOCOL)
    const messages = lpStream(stream, { maxDataLength: 256 * 1024 })
    await messages.write(bytes)
    const reply = decodeDraftToDrafter(await messages.read({ signal: AbortSignal.timeout(10_000) }))
    expect(reply, name).toMatchObject({ type: 'refusal', code })
    stream.abort(new Error('done'))
  }
  expect(await ask(PROMPTS[1] ?? '')).toBe(reference.get(PROMPTS[1] ?? ''))
})

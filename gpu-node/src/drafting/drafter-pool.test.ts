import { lpStream, streamPair } from '@libp2p/utils'
import { expect, test } from '@playwright/test'
import { decodeDraftToDrafter, encodeDraftToVerifier } from '#protocol'
import { DrafterConnection } from './drafter-connection.ts'
import { DrafterPool, MAX_STRIKES } from './drafter-pool.ts'
import type { DraftSource } from '../verifier/types.ts'

const PROMPT = [1, 2, 3]
const RIGHT = 7
const WRONG = 9

/** A drafter's connection on a real in-memory libp2p stream pair (nothing reads the other end). */
async function drafter (peerId: string, maxJobs: number): Promise<DrafterConnection> {
  const [verifierSide] = await streamPair()
  return new DrafterConnection(verifierSide, lpStream(verifierSide), peerId, { model: 'test', maxJobs })
}

/** Feeds a job wrong drafts, pass after pass, until its policy closes it for not paying. */
function wasteUntilClosed (job: DraftSource & { closed?: boolean }, offer: (epoch: number, position: number) => void): void {
  let position = PROMPT.length
  for (let epoch = 0; epoch < 100 && job.closed !== true; epoch++) {
    offer(epoch, position)
    const drafts = job.take(4)
    // Each drafted token costs the pass as much as the verifier's own (a CPU-like cost curve).
    job.settle({ offered: drafts.length, accepted: 0, tokens: [RIGHT], stepMs: 1 + drafts.length })
    position++
  }
  expect(job.closed).toBe(true)
}

test('a drafter that keeps wasting passes gets one job at a time, then none, while other drafters still get jobs', async () => {
  let now = 0
  const pool = new DrafterPool({ now: () => now })
  const wasteful = await drafter('wasteful', 4)
  pool.add(wasteful)

  for (let strike = 0; strike < MAX_STRIKES; strike++) {
    const job = pool.open(PROMPT) as (DraftSource & { closed: boolean, offer: (batch: { epoch: number, position: number, tokens: number[], probabilities: number[] }) => void }) | undefined
    expect(job?.share?.().peerId, `job ${strike}`).toBe('wasteful')
    if (strike > 0) {
      // After a drop it holds one job at a time, though it offered four.
      expect(pool.open(PROMPT)).toBeUndefined()
    }
    wasteUntilClosed(job as NonNullable<typeof job>, (epoch, position) => { job?.offer({ epoch, position, tokens: [WRONG, WRONG], probabilities: [0.9, 0.9] }) })
    // Benched for a while after each drop...
    expect(pool.open(PROMPT)).toBeUndefined()
    now += 100_000
  }
  // ...and after MAX_STRIKES drops with drafts this bad, never again.
  expect(pool.standingOf('wasteful')).toMatchObject({ strikes: MAX_STRIKES, dropped: true })
  expect(pool.standingOf('wasteful').acceptance).toBeLessThan(0.3)
  expect(pool.stats.dropped).toBe(1)
  expect(pool.open(PROMPT)).toBeUndefined()

  pool.add(await drafter('newcomer', 1))
  // Nobody drafts for their own answer.
  expect(pool.open(PROMPT, 'newcomer')).toBeUndefined()
  expect(pool.open(PROMPT, 'someone else')?.share?.().peerId).toBe('newcomer')
})

test('a drafter that fails its job (DraftJobFailed) gets it closed as DRAFTER_FAILED and a strike, not the clean slate of a finished answer', async () => {
  let now = 0
  const pool = new DrafterPool({ now: () => now })
  const [verifierSide, drafterSide] = await streamPair()
  const failing = new DrafterConnection(verifierSide, lpStream(verifierSide), 'failing', { model: 'test', maxJobs: 2 })
  pool.add(failing)
  const serving = failing.serve({ info: () => {}, warn: () => {}, error: () => {} })
  const toVerifier = lpStream(drafterSide)

  const job = pool.open(PROMPT)
  expect(job?.share?.().peerId).toBe('failing')
  const opened = decodeDraftToDrafter(await toVerifier.read({ signal: AbortSignal.timeout(5_000) }))
  expect(opened).toMatchObject({ type: 'open', context: PROMPT })
  const jobId = opened.type === 'open' ? opened.jobId : -1
  await toVerifier.write(encodeDraftToVerifier({ type: 'failed', jobId, message: 'the context is too long for me' }))

  // The drafter is told why its job closed...
  expect(decodeDraftToDrafter(await toVerifier.read({ signal: AbortSignal.timeout(5_000) }))).toEqual({ type: 'close', jobId, reason: 'DRAFTER_FAILED' })
  expect(pool.stats.jobsClosed).toEqual({ DRAFTER_FAILED: 1 })
  // ...and it sits out, then holds one job at a time, as after any other drop.
  expect(pool.standingOf('failing')).toMatchObject({ strikes: 1, dropped: false })
  expect(pool.open(PROMPT)).toBeUndefined()
  now += 100_000
  expect(pool.open(PROMPT)?.share?.().peerId).toBe('failing')
  expect(pool.open(PROMPT)).toBeUndefined()

  failing.end()
  await drafterSide.close()
  await serving
})

test('drafts on time: positions verified while a job is open, and those a draft had arrived for when the pass began', async () => {
  const pool = new DrafterPool()
  pool.add(await drafter('on-time', 1))
  const job = pool.open(PROMPT) as (DraftSource & { offer: (batch: { epoch: number, position: number, tokens: number[], probabilities: number[] }) => void }) | undefined
  if (job === undefined) {
    throw new Error('no job opened')
  }
  // Pass 1 (the prompt): nothing has arrived yet; one position verified, none on time.
  job.take(8)
  job.settle({ offered: 0, accepted: 0, tokens: [RIGHT], stepMs: 5 })
  // Pass 2: three drafts ready (the policy may verify fewer); every position this pass verifies had a draft.
  job.offer({ epoch: 0, position: PROMPT.length + 1, tokens: [RIGHT, RIGHT, WRONG], probabilities: [0.5, 0.5, 0.5] })
  const drafts = job.take(8)
  expect(drafts.length).toBeGreaterThan(0)
  const accepted = Math.min(2, drafts.length)
  job.settle({ offered: drafts.length, accepted, tokens: Array.from({ length: accepted + 1 }, () => RIGHT), stepMs: 5 })
  job.close('done')
  expect(pool.stats.positionsVerified).toBe(1 + accepted + 1)
  expect(pool.stats.positionsOnTime).toBe(accepted + 1)
})

test('a flood of fresh drafter ids drafting garbage holds at most nine jobs in all: then new drafters wait, proven ones go on drafting', async () => {
  let now = 0
  const pool = new DrafterPool({ now: () => now })
  const proven = await drafter('proven', 1)
  pool.add(proven)
  const first = pool.open(PROMPT, 'asker') as (DraftSource & { offer: (batch: { epoch: number, position: number, tokens: number[], probabilities: number[] }) => void }) | undefined
  first?.offer({ epoch: 0, position: PROMPT.length, tokens: [RIGHT, RIGHT], probabilities: [0.9, 0.9] })
  first?.take(4)
  first?.settle({ offered: 2, accepted: 2, tokens: [RIGHT, RIGHT, RIGHT], stepMs: 1 })
  first?.close('done')
  expect(pool.standingOf('proven').proven).toBe(true)
  pool.remove(proven)

  // Each job goes to a new identity; each wastes passes until closed.
  let jobs = 0
  for (let identity = 0; identity < 40; identity++) {
    pool.add(await drafter(`flooder-${identity}`, 4))
    const job = pool.open(PROMPT, 'asker') as (DraftSource & { closed: boolean, offer: (batch: { epoch: number, position: number, tokens: number[], probabilities: number[] }) => void }) | undefined
    if (job === undefined) continue
    jobs++
    wasteUntilClosed(job, (epoch, position) => { job.offer({ epoch, position, tokens: [WRONG, WRONG], probabilities: [0.9, 0.9] }) })
    now += 1_000
  }
  expect(jobs).toBeLessThanOrEqual(9)
  expect(pool.probationOpen).toBe(false)
  expect(pool.stats.probationClosures).toBe(1)
  // A newcomer waits; the proven drafter still drafts.
  pool.add(await drafter('newcomer', 1))
  expect(pool.open(PROMPT, 'asker')).toBeUndefined()
  pool.add(proven)
  expect(pool.open(PROMPT, 'asker')?.share?.().peerId).toBe('proven')
})

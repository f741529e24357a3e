import { lpStream, streamPair } from '@libp2p/utils'
import { expect, test } from '@playwright/test'
import { decodeDraftToDrafter, encodeDraftToVerifier } from '#protocol'
import { DrafterConnection } from './drafter-connection.ts'
import type { DraftJob } from './draft-job.ts'

const log = { info: () => {}, warn: () => {}, error: () => {} }

test('--emulate-link-delay: messages take half the round trip each way, and the verifier never waits for them', async () => {
  const [verifierSide, drafterSide] = await streamPair()
  const connection = new DrafterConnection(verifierSide, lpStream(verifierSide), 'drafter', { model: 'test', maxJobs: 1 }, { linkDelayMs: 80 })
  const offered: number[] = []
  connection.jobs.set(1, { offer: () => { offered.push(performance.now()) }, abandon: () => {} } as unknown as DraftJob)
  const serving = connection.serve(log)
  const drafter = lpStream(drafterSide)

  // Verifier → drafter: send() returns at once; the message is written 40 ms later.
  const sentAt = performance.now()
  connection.send({ type: 'verdict', jobId: 1, position: 3, accepted: 0, tokens: [7], lookahead: 4 })
  expect(performance.now() - sentAt).toBeLessThan(20)
  const verdict = decodeDraftToDrafter(await drafter.read())
  expect(verdict.type).toBe('verdict')
  expect(performance.now() - sentAt).toBeGreaterThanOrEqual(39)

  // Drafter → verifier: the batch reaches its job 40 ms after it arrived.
  const batchAt = performance.now()
  await drafter.write(encodeDraftToVerifier({ type: 'batch', jobId: 1, epoch: 0, position: 4, tokens: [8], probabilities: [0.5] }))
  const deadline = performance.now() + 2_000
  while (offered.length === 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  expect(offered).toHaveLength(1)
  expect((offered[0] ?? 0) - batchAt).toBeGreaterThanOrEqual(39)

  connection.end()
  await drafterSide.close().catch(() => {})
  await serving
})

import { expect, test } from '@playwright/test'
import { runChaos } from '../support/chaos.ts'
import { e2eSession } from '../support/e2e-session.ts'

/**
 * Chaos under load: eight chatting tabs and two contributing tabs on a
 * relay and two verifiers, while a seeded schedule kills one of them each
 * round (tests/support/chaos.ts). Every answer completes, or is kept with
 * Retry to go on; no receipt a complete answer names is lost and every
 * receipt chain is whole; every process and tab rejoins the mesh by itself.
 * `SHOAL_CHAOS_SEED` replays a schedule (`SHOAL_CHAOS_ROUNDS` of its rounds). Runs inside the private test network.
 */

const { processes, openProfile } = e2eSession()
// SHOAL_CHAOS_ROUNDS shortens a replay while debugging one.
const ROUNDS = Number(process.env.SHOAL_CHAOS_ROUNDS ?? 20)
const SEED = Number(process.env.SHOAL_CHAOS_SEED ?? 20261204)

// Open (2026-12-04): the schedule now ends with every answer complete or kept with Retry (runs here:
// 160 of 160, 159 + 1), but a tab closed or reloaded while a receipt was on its way misses that
// receipt, so its chain shows a gap ("receipt 3 is missing") in about one run in two. Kept out of CI
// until chains heal (a tab getting its missing receipts back from the issuer); `npm run bench -- chaos`
// runs the same schedule, and SHOAL_CHAOS_SEED with SHOAL_CHAOS_ROUNDS replays it.
test.fixme(`${ROUNDS} rounds of killing the relay, a verifier, a drafting tab or a chatting tab under load: answers complete or can be retried, receipts whole, everything rejoins`, async () => {
  test.setTimeout(1_800_000)
  const report = await runChaos({ rounds: ROUNDS, seed: SEED, openProfile, processes, log: (line) => { console.log(line) } })
  expect(report.rounds).toHaveLength(ROUNDS)
  expect(report.rounds.flatMap((round, index) => round.stuck.map((ending) => `round ${index + 1} (${round.victim}): ${ending}`))).toEqual([])
  expect(report.rounds.reduce((sum, round) => sum + round.complete, 0)).toBeGreaterThan(ROUNDS * 8 / 2)
  expect(report.missingReceipts).toBe(0)
  expect(report.chainProblems).toEqual([])
  expect(report.receipts).toBeGreaterThan(0)
})

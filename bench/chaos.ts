import { launchProfile } from '../tests/support/browser.ts'
import { runChaos, VICTIMS } from '../tests/support/chaos.ts'
import type { ShoalProcess } from '../tests/support/processes.ts'
import type { BrowserContext } from '@playwright/test'
import type { Section } from './report.ts'
import { summarize } from './stats.ts'

const ROUNDS = 20
const SEED = 20261204

/**
 * Chaos under load (tests/support/chaos.ts): eight chatting tabs and two
 * contributing tabs on a relay and two verifiers, one of them killed and
 * started again in each of 20 rounds, by a seeded schedule.
 */
export async function benchChaos (): Promise<Section> {
  const processes: ShoalProcess[] = []
  const profiles: BrowserContext[] = []
  try {
    const report = await runChaos({
      rounds: ROUNDS,
      seed: SEED,
      processes,
      openProfile: async () => {
        const profile = await launchProfile()
        profiles.push(profile)
        return profile.pages()[0] ?? await profile.newPage()
      },
      log: (line) => { console.log(line) }
    })
    const answers = report.rounds.reduce((sum, round) => sum + round.complete + round.retryable + round.stuck.length, 0)
    const complete = report.rounds.reduce((sum, round) => sum + round.complete, 0)
    const retryable = report.rounds.reduce((sum, round) => sum + round.retryable, 0)
    const stuck = report.rounds.reduce((sum, round) => sum + round.stuck.length, 0)
    const survived = report.rounds.filter((round) => round.stuck.length === 0).length
    return {
      title: 'Chaos under load',
      description: `A relay, two verifiers on the demo model (capacity 4, one thread), two contributing Chromium tabs and eight chatting tabs in two profiles (greedy answers of up to 40 tokens, drafters allowed), in a private network namespace. Each of ${ROUNDS} rounds the eight tabs ask at once; after a seeded random 0.2-1.7 s one of ${VICTIMS.join(', ')} is killed (SIGKILL for a process, a reload for a chat tab, closing the page for a contributing tab) and started again at once (seed ${SEED}). ${survived} of ${ROUNDS} rounds survived (every answer complete or kept with Retry); ${complete} of ${answers} answers complete, ${retryable} kept unfinished with Retry, ${stuck} neither. ${report.receipts} receipts held by the tabs, ${report.missingReceipts} named by a complete answer but missing, ${report.chainProblems.length} chain problems${report.chainProblems.length === 0 ? '' : ` (${report.chainProblems.slice(0, 3).join('; ')})`}. Every process and tab back on the mesh ${(report.rejoinMs / 1000).toFixed(1)} s after the last round.`,
      table: {
        columns: ['round', 'killed', 'after (ms)', 'complete', 'to retry', 'stuck', 'settled (s)'],
        rows: report.rounds.map((round, index) => [String(index + 1), round.victim, String(round.killAfterMs), String(round.complete), String(round.retryable), String(round.stuck.length), (round.settledMs / 1000).toFixed(1)])
      },
      measurements: [
        { name: 'rounds survived', unit: 'rounds', summary: summarize([survived]), target: { op: '>=', value: ROUNDS, of: 'p50' } },
        { name: 'from the kill until every answer of the round ended', unit: 's', summary: summarize(report.rounds.map((round) => round.settledMs / 1000)) },
        { name: 'receipts missing or out of chain', unit: 'receipts', summary: summarize([report.missingReceipts + report.chainProblems.length]), target: { op: '<=', value: 0, of: 'p50' } }
      ]
    }
  } finally {
    await Promise.all(profiles.map(async (profile) => { await profile.close() }))
    await Promise.all(processes.map(async (process) => { await process.stop() }))
  }
}

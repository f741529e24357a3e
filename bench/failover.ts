import { launchProfile } from '../tests/support/browser.ts'
import { startGpuNode, startRelay, waitFor } from '../tests/support/processes.ts'
import type { ShoalProcess } from '../tests/support/processes.ts'
import type { Page } from '@playwright/test'
import type { Section } from './report.ts'
import { summarize } from './stats.ts'

/** Answers whose verifier is killed: each gives one gap. */
const ROUNDS = 8

/** Every forward pass padded to 40 ms (emulated GPU), so an answer streams for seconds and can be cut mid-way. */
const VERIFIER_ARGS = ['--emulate-pass-cost', '40,0', '--threads', '1']

interface Verifier {
  process: ShoalProcess
  peerId: string
}

async function startVerifier (relayUrl: string): Promise<Verifier> {
  const process = await startGpuNode({ relayUrl, extraArgs: VERIFIER_ARGS })
  const health = await (await fetch(`${process.url}/health`)).json() as { peerId: string }
  return { process, peerId: health.peerId }
}

/** Waits on the Network page until the page reaches every verifier over WebRTC, then returns to the chat (in the app: the mesh node stays). */
async function reachAll (page: Page, verifiers: readonly Verifier[]): Promise<void> {
  await page.getByRole('link', { name: 'Network', exact: true }).click()
  for (const verifier of verifiers) {
    await page.locator(`[data-testid="peer"][data-peer-id="${verifier.peerId}"][data-connection="webrtc"]`).waitFor({ timeout: 30_000 })
  }
  await page.getByRole('link', { name: 'Chat', exact: true }).click()
}

/** The newest answer's rendered text length and who it names, as the page shows it now. */
async function shownAnswer (page: Page): Promise<{ length: number, verifier: string, status: string }> {
  return page.evaluate(() => {
    const answers = document.querySelectorAll('[data-testid="message"][data-role="assistant"]')
    const answer = answers[answers.length - 1]
    return {
      length: answer?.querySelector('[data-testid="answer-text"]')?.textContent?.length ?? 0,
      verifier: answer?.querySelector('[data-testid="answer-verifier"]')?.getAttribute('title') ?? '',
      status: answer?.getAttribute('data-status') ?? ''
    }
  })
}

/**
 * Failover mid-answer: two verifiers on the demo model; the one writing a
 * long greedy answer is killed with SIGKILL once text shows, and the gap is
 * the time from the kill to the next text the page shows (the other
 * verifier continuing the answer). A fresh verifier replaces the killed one
 * before the next round.
 */
export async function benchFailover (): Promise<Section> {
  const relay = await startRelay()
  const verifiers = [await startVerifier(relay.url), await startVerifier(relay.url)]
  const profile = await launchProfile()
  const gaps: number[] = []
  const completed: boolean[] = []
  try {
    const page = await profile.newPage()
    await page.goto(relay.url)
    await reachAll(page, verifiers)
    const panel = page.locator('details', { hasText: 'Answer settings' })
    await panel.locator('summary').click()
    await page.getByLabel('Temperature').fill('0')
    await page.getByLabel('Max tokens').fill('400')
    for (let round = 0; round < ROUNDS; round++) {
      await page.getByRole('button', { name: 'New chat' }).click()
      await page.getByRole('textbox', { name: 'Message' }).fill(`Tell me a long story about a fox and boat number ${round + 1}.`)
      await page.getByRole('textbox', { name: 'Message' }).press('Enter')
      const before = await waitFor('text to show', async () => {
        const shown = await shownAnswer(page)
        return shown.status === 'streaming' && shown.length > 60 ? shown : undefined
      }, 60_000)
      const serving = verifiers.find((verifier) => verifier.peerId === before.verifier)
      if (serving === undefined) throw new Error(`the answer names no running verifier: ${before.verifier}`)
      await serving.process.kill()
      const killedAt = performance.now()
      const length = (await shownAnswer(page)).length
      // The next text, or the answer's end (one cut just before its last token has no more to show).
      const after = await waitFor('the next text after the kill', async () => {
        const shown = await shownAnswer(page)
        return shown.length > length || shown.status !== 'streaming' ? shown : undefined
      }, 60_000)
      if (after.length > length) {
        gaps.push((performance.now() - killedAt) / 1000)
      } else {
        console.log(`failover round ${round + 1}: the answer ended ${after.status} with no text after the kill`)
      }
      const ended = await waitFor('the answer to end', async () => {
        const shown = await shownAnswer(page)
        return shown.status !== 'streaming' ? shown.status : undefined
      }, 120_000)
      completed.push(ended === 'complete')
      verifiers.splice(verifiers.indexOf(serving), 1)
      verifiers.push(await startVerifier(relay.url))
      await reachAll(page, verifiers)
    }
  } finally {
    await profile.close()
    await Promise.all(verifiers.map(async (verifier) => { await verifier.process.stop() }))
    await relay.stop()
  }
  return {
    title: 'Failover mid-answer',
    description: `Two verifiers on the demo model, every forward pass padded to 40 ms (emulated GPU, \`--emulate-pass-cost 40,0\`), one page in Chromium over WebRTC. ${ROUNDS} long greedy answers; once one shows text, its verifier is killed with SIGKILL, and the gap is the time from the kill to the next text the page shows: the other verifier continuing the same answer from its tokens. The page gives a verifier up after a stall of 3 s (or 10 times the answer's longest gap between deltas) when another can go on, rather than the 10-15 s a browser takes to notice a dead WebRTC peer. ${completed.filter(Boolean).length} of ${completed.length} answers completed (not interrupted).`,
    measurements: [
      { name: 'failover gap (kill to next text shown)', unit: 's', summary: summarize(gaps) }
    ]
  }
}

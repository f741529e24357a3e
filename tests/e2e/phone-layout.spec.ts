import { mkdir } from 'node:fs/promises'
import { expect, test } from '@playwright/test'
import { ask, lastAnswer } from '../support/chat-page.ts'
import { e2eSession } from '../support/e2e-session.ts'
import { ensureDemoPair } from '../support/models.ts'
import { startGpuNode, startRelay } from '../support/processes.ts'
import { PHONE_WIDTH, photograph, sidewaysOverflow } from '../support/page-layout.ts'

/**
 * Phones: no page may scroll sideways at 360 px, the narrowest common
 * phone width, with a running mesh so the cards that show peer ids,
 * tokenizer fingerprints and a contributing tab's verifier are on screen.
 * Each page is also photographed at 390 px and 1280 px (the test's output
 * folder) for a person to look at.
 */

const { processes, openProfile } = e2eSession()

const ROUTES = ['/', '/contribute', '/network', '/models', '/receipts'] as const

test('every page fits a 360 px phone without sideways scrolling, mesh running', async ({}, testInfo) => {
  test.setTimeout(180_000)
  // The default draft model (the relay serves it from the model cache), for contributing.
  await ensureDemoPair()
  const relay = await startRelay()
  processes.push(relay)
  const verifier = await startGpuNode({ relayUrl: relay.url })
  processes.push(verifier)
  const verifierId = (await (await fetch(`${verifier.url}/health`)).json() as { peerId: string }).peerId

  const page = await openProfile()
  await page.setViewportSize({ width: PHONE_WIDTH, height: 780 })
  // One answer, so the chat page shows a conversation with its verifier and model.
  await page.goto(relay.url)
  await expect(page.getByTestId('verifier-status')).toHaveAttribute('data-peer-id', verifierId, { timeout: 30_000 })
  await ask(page, 'Tell me about the sea.')
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 60_000 })
  // Contributing, so /contribute names the verifier it drafts for (a long peer id).
  await page.goto(`${relay.url}/contribute`)
  await page.getByTestId('contribute-toggle').check()
  await expect(page.getByTestId('contribute-status')).toHaveAttribute('data-status', 'drafting', { timeout: 90_000 })
  await expect(page.getByTestId('contribute-status')).toContainText(verifierId)

  const shots = testInfo.outputPath('screenshots')
  await mkdir(shots, { recursive: true })
  const problems: string[] = []
  for (const route of ROUTES) {
    // Client-side navigation: the contributing tab goes on drafting, as a person's would.
    await page.getByRole('navigation', { name: 'Main' }).locator(`a[href="${route}"]`).click()
    await expect(page).toHaveURL(`${relay.url}${route}`)
    await page.setViewportSize({ width: PHONE_WIDTH, height: 780 })
    if (route === '/network') {
      await expect(page.getByTestId('verifier')).toHaveCount(1)
    }
    for (const problem of await sidewaysOverflow(page)) problems.push(`${route}: ${problem}`)
    await photograph(page, shots, route === '/' ? 'chat' : route.slice(1))
  }
  expect(problems).toEqual([])
})

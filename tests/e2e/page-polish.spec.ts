import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { ask, composer, lastAnswer } from '../support/chat-page.ts'
import { e2eSession } from '../support/e2e-session.ts'
import { ensureDemoModels } from '../support/models.ts'
import { startGpuNode, startRelay } from '../support/processes.ts'

/**
 * Small things a newcomer tripped over (issue 13, item 10): what the page
 * says with the network gone, words that contradicted themselves or
 * repeated, rows that did not line up, links that changed width, jargon
 * with no explanation. Real relay and verifier, real Chromium.
 */

const { processes, openProfile } = e2eSession()

async function navLinkWidths (page: Page): Promise<number[]> {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link').evaluateAll((links) => links.map((link) => Math.round(link.getBoundingClientRect().width * 10) / 10))
}

test('the navigation keeps its links\' widths from page to page, and the chat\'s rows line up with its heading', async () => {
  const relay = await startRelay()
  processes.push(relay)
  const page = await openProfile()
  await page.setViewportSize({ width: 1280, height: 900 })
  await page.goto(relay.url)
  // The app renders in the browser: measure once its navigation is there, not before.
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chat' })).toHaveAttribute('aria-current', 'page')
  const widths = await navLinkWidths(page)
  for (const name of ['Contribute', 'Network', 'Models', 'Receipts']) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click()
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name })).toHaveAttribute('aria-current', 'page')
    expect(await navLinkWidths(page), `on ${name}`).toEqual(widths)
  }

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chat' }).click()
  const left = async (selector: string): Promise<number> => Math.round((await page.locator(selector).first().boundingBox())?.x ?? -1)
  const heading = await left('#conversation-title')
  expect(await left('[data-testid="chat-privacy"]')).toBe(heading)
  expect(await left('[data-testid="answer-with"]')).toBe(heading)
})

test('with the verifier gone, "nothing was sent" stands alone and offers this device; with the relay gone too, /network does not say online', async () => {
  test.setTimeout(240_000)
  await ensureDemoModels()
  const relay = await startRelay()
  processes.push(relay)
  const verifier = await startGpuNode({ relayUrl: relay.url })
  processes.push(verifier)
  const verifierId = (await (await fetch(`${verifier.url}/health`)).json() as { peerId: string }).peerId
  const page = await openProfile()
  await page.goto(relay.url)
  await expect(page.getByTestId('verifier-status')).toHaveAttribute('data-peer-id', verifierId, { timeout: 30_000 })
  await ask(page, 'Tell me about the sea.')
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 60_000 })
  await expect(page.getByTestId('chat-status')).toHaveText('Answer complete.')

  await verifier.stop()
  await expect(page.getByTestId('verifier-status')).toHaveText('No verifier reachable', { timeout: 90_000 })
  await composer(page).fill('Is anyone there?')
  await composer(page).press('Enter')
  await expect(page.getByRole('alert').getByTestId('chat-notice')).toContainText('No verifier is reachable right now, so nothing was sent', { timeout: 30_000 })
  // Not the earlier answer's "Answer complete." under it.
  await expect(page.getByTestId('chat-status')).toHaveText('')
  const offer = page.getByTestId('answer-on-device')
  await expect(offer).toHaveText('Load a model here and answer on this device')
  await offer.click()
  await expect(page.getByRole('radio', { name: 'this device' })).toBeChecked()
  await expect(page.getByTestId('chat-notice')).toHaveCount(0)
  await expect(composer(page)).toHaveValue('Is anyone there?')

  await relay.stop()
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Network' }).click()
  await expect(page.getByTestId('relay-status')).toHaveAttribute('data-state', 'disconnected', { timeout: 60_000 })
  await expect(page.getByTestId('mesh-status')).toHaveAttribute('data-status', 'cut-off')
  await expect(page.getByTestId('mesh-status')).not.toContainText('online')
  await expect(page.getByTestId('mesh-status')).toContainText('cut off')
})

test('/models says why WebGPU cannot be used without contradicting itself, groups the WebLLM models by reason, and /network explains its jargon', async () => {
  const relay = await startRelay()
  processes.push(relay)
  const page = await openProfile()
  // Without the WebGPU flags: Chromium has navigator.gpu but no adapter.
  await page.goto(`${relay.url}/models`)
  const status = page.getByTestId('webgpu-status')
  await expect(status).toHaveAttribute('data-available', 'false')
  await expect(status).not.toContainText('Absent')
  await expect(status).toContainText(/^Not usable: /)
  await page.getByText(/WebLLM models that do not fit, and why/).click()
  const reasons = page.getByTestId('webllm-unfit-reason')
  const counts = await reasons.evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-count'))))
  const unfit = Number(/^(\d+)/.exec(await page.getByText(/WebLLM models that do not fit, and why/).textContent() ?? '')?.[1])
  // Every model is counted once, under its reason; and each reason is written once.
  expect(counts.reduce((sum, count) => sum + count, 0)).toBe(unfit)
  expect(counts.length).toBeLessThan(unfit)
  const texts = await reasons.locator('strong').allTextContents()
  expect(new Set(texts).size).toBe(texts.length)

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Network' }).click()
  await expect(page.getByText('Malformed gossip', { exact: true })).toHaveCount(0)
  await expect(page.locator('abbr', { hasText: 'Unreadable announcements' })).toHaveAttribute('title', /gossip/)
  await expect(page.getByTestId('relay-status')).toHaveAttribute('data-state', 'reserved', { timeout: 30_000 })
  await expect(page.getByTestId('relay-status')).toHaveAttribute('title', /reach this browser/)
})

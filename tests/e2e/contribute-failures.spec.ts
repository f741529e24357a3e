import { basename } from 'node:path'
import { chromium, expect, test } from '@playwright/test'
import type { BrowserContext, Page } from '@playwright/test'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/browser.ts'
import { ask, lastAnswer } from '../support/chat-page.ts'
import { e2eSession } from '../support/e2e-session.ts'
import { ensureDemoModels, ensureDemoPair } from '../support/models.ts'
import { startGpuNode, startRelay, temporaryDirectory } from '../support/processes.ts'

/**
 * When contributing cannot work, the contribute page says why and stays
 * switched on with a retry, and the tab lets go of the browser's
 * one-contributing-tab lock, so another tab can contribute. Real relay,
 * verifier and Chromium, in the private test network.
 */

const { processes, profiles, openProfile } = e2eSession()

/**
 * A browser profile whose WebRTC may use TURN relays only, of which it has
 * none: every peer connection gathers no candidates and fails, as on a
 * network that blocks WebRTC. (The browser's own setting, not Shoal's code:
 * the page's libp2p node takes the browser's RTCPeerConnection as it is.)
 */
async function openProfileWithoutWebRTC (): Promise<BrowserContext> {
  const profile = await chromium.launchPersistentContext(await temporaryDirectory('shoal-profile-'), { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })
  profiles.push(profile)
  await profile.addInitScript(() => {
    const Native = window.RTCPeerConnection
    window.RTCPeerConnection = class extends Native {
      constructor (configuration?: RTCConfiguration) {
        super({ ...configuration, iceTransportPolicy: 'relay' })
      }
    }
  })
  return profile
}

/**
 * Opens a second tab of the same browser at `path`. The toggle is remembered
 * for the browser, so that tab resumes contributing by itself: it gets going
 * (loading, or failing for a reason of its own) only if the lock is free.
 */
async function contributesFromAnotherTab (profile: BrowserContext, url: string): Promise<Page> {
  const other = await profile.newPage()
  await other.goto(url)
  await expect(other.getByTestId('contribute-status')).toHaveAttribute('data-status', /loading|waiting|drafting|failed/, { timeout: 20_000 })
  await expect(other.getByTestId('contributing-elsewhere')).toHaveCount(0)
  return other
}

test('a draft model that cannot be loaded: the reason shows, the toggle stays on with a retry, and another tab can contribute', async () => {
  test.setTimeout(120_000)
  const draft = basename((await ensureDemoModels())['draft-small'], '.gguf')
  const relay = await startRelay()
  processes.push(relay)
  const page = await openProfile()
  await page.goto(`${relay.url}/contribute?model=no-such-draft-model`)
  await page.getByTestId('contribute-toggle').check()
  const status = page.getByTestId('contribute-status')
  await expect(status).toHaveAttribute('data-status', 'failed', { timeout: 30_000 })
  await expect(status).toContainText('The draft model cannot be loaded')
  await expect(status).toContainText('404')
  await expect(page.getByTestId('contribute-toggle')).toBeChecked()
  await expect(page.getByTestId('contribute-retry')).toBeVisible()

  // The failed tab holds no lock: another tab of this browser is not told "another tab is contributing".
  const other = await contributesFromAnotherTab(page.context(), `${relay.url}/contribute?model=${draft}`)
  // That tab resumed the remembered (missing) model, and fails for the same reason; a retry with a real one works.
  await expect(other.getByTestId('contribute-status')).toHaveAttribute('data-status', 'failed', { timeout: 30_000 })
  await expect(other.getByTestId('draft-model')).toHaveValue(draft)
  await other.getByTestId('contribute-retry').click()
  await expect(other.getByTestId('contribute-status')).toHaveAttribute('data-status', 'waiting', { timeout: 60_000 })
  await expect(other.getByTestId('contributing-elsewhere')).toHaveCount(0)

  // Switching the failed tab off clears its failure.
  await page.getByTestId('contribute-toggle').uncheck()
  await expect(status).toHaveAttribute('data-status', 'off')
  await expect(page.getByTestId('contribute-retry')).toHaveCount(0)
})

test('with WebRTC blocked, chat works over the relay, and contributing fails after a deadline saying why, releasing the lock', async ({}, testInfo) => {
  test.setTimeout(240_000)
  await ensureDemoPair()
  const relay = await startRelay()
  processes.push(relay)
  const verifier = await startGpuNode({ relayUrl: relay.url })
  processes.push(verifier)
  const verifierId = (await (await fetch(`${verifier.url}/health`)).json() as { peerId: string }).peerId

  const profile = await openProfileWithoutWebRTC()
  const page = profile.pages()[0] ?? await profile.newPage()
  await page.goto(relay.url)
  await expect(page.getByTestId('verifier-status')).toHaveAttribute('data-peer-id', verifierId, { timeout: 30_000 })
  await ask(page, 'Hello over the relay.')
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 60_000 })

  await page.goto(`${relay.url}/network`)
  await expect(page.locator(`[data-testid="peer"][data-peer-id="${verifierId}"]`)).toHaveAttribute('data-connection', 'relayed')

  await page.goto(`${relay.url}/contribute`)
  await page.getByTestId('contribute-toggle').check()
  const status = page.getByTestId('contribute-status')
  await expect(status).toHaveAttribute('data-status', 'waiting', { timeout: 60_000 })
  await expect(status).toHaveAttribute('data-status', 'failed', { timeout: 40_000 })
  await expect(status).toContainText('No direct connection to a verifier could be made')
  await expect(status).toContainText('TURN server')
  await expect(page.getByTestId('contribute-toggle')).toBeChecked()
  await expect(page.getByTestId('contribute-retry')).toBeVisible()
  // For a person to look at: the failure as it reads on a desktop and on a phone.
  await page.screenshot({ path: testInfo.outputPath('contribute-failed-1280.png') })
  await page.setViewportSize({ width: 390, height: 844 })
  await page.screenshot({ path: testInfo.outputPath('contribute-failed-390.png'), fullPage: true })

  await contributesFromAnotherTab(profile, `${relay.url}/contribute`)
})

import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { launchProfile } from '../support/browser.ts'
import { startGpuNode, startRelay, temporaryDirectory } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'
import { e2eSession } from '../support/e2e-session.ts'

/**
 * The walking skeleton end to end: a real relay serving the app, a real
 * gpu-node, and Chromium pages in separate profiles, all meeting in one
 * libp2p mesh. Runs inside the private test network (tests/netns.sh).
 */

const { processes, profiles } = e2eSession()

async function openNetworkPage (relayUrl: string): Promise<Page> {
  const profile = await launchProfile()
  profiles.push(profile)
  const page = await profile.newPage()
  await page.goto(`${relayUrl}/network`)
  return page
}

async function selfPeerId (page: Page): Promise<string> {
  const peerId = page.getByTestId('self-peer-id')
  await expect(peerId).toHaveText(/^12D3KooW/)
  return (await peerId.textContent()) ?? ''
}

function peerRow (page: Page, peerId: string) {
  return page.locator(`[data-testid="peer"][data-peer-id="${peerId}"]`)
}

async function verifierPeerId (verifier: ShoalProcess): Promise<string> {
  const health = await (await fetch(`${verifier.url}/health`)).json() as { peerId: string }
  return health.peerId
}

/** Waits until `page` hears an announcement from `peerId` sent after `sinceMs`. */
async function expectAnnouncementAfter (page: Page, peerId: string, sinceMs: number): Promise<void> {
  await expect.poll(async () => Number(await peerRow(page, peerId).getAttribute('data-last-seen')), {
    message: `an announcement from ${peerId} after ${sinceMs}`,
    timeout: 20_000
  }).toBeGreaterThan(sinceMs)
}

test('pages and the verifier meet over direct WebRTC, and the mesh outlives its relay', async () => {
  test.setTimeout(180_000)
  const relayKeyFile = `${await temporaryDirectory()}/relay.key`
  let relay = await startRelay({ keyFile: relayKeyFile })
  processes.push(relay)
  const verifier = await startGpuNode({ relayUrl: relay.url })
  processes.push(verifier)
  const verifierId = await verifierPeerId(verifier)

  const pageA = await openNetworkPage(relay.url)
  const pageB = await openNetworkPage(relay.url)
  const idA = await selfPeerId(pageA)
  const idB = await selfPeerId(pageB)

  for (const [page, otherPage] of [[pageA, idB], [pageB, idA]] as const) {
    await expect(page.getByTestId('relay-status')).toHaveAttribute('data-state', 'reserved')
    // The verifier's gossip announcement, with its model, shows on the network page.
    await expect(page.locator(`[data-testid="verifier"][data-peer-id="${verifierId}"]`).getByTestId('verifier-model')).toHaveText('shoal-demo')
    // Both the verifier and the other page are reached over direct, unlimited WebRTC.
    await expect(peerRow(page, verifierId)).toHaveAttribute('data-connection', 'webrtc', { timeout: 30_000 })
    await expect(peerRow(page, otherPage)).toHaveAttribute('data-connection', 'webrtc', { timeout: 30_000 })
    // Live round-trip times are measured over those connections.
    await expect(peerRow(page, verifierId).getByTestId('peer-rtt')).toHaveText(/^\d+ ms$/)
    await expect(peerRow(page, otherPage).getByTestId('peer-rtt')).toHaveText(/^\d+ ms$/)
  }

  // Kill the relay: direct connections and gossip keep working.
  await relay.kill()
  const killedAt = Date.now()
  for (const [page, otherPage] of [[pageA, idB], [pageB, idA]] as const) {
    await expect(page.getByTestId('relay-status')).toHaveAttribute('data-state', /disconnected|connecting/)
    await expectAnnouncementAfter(page, verifierId, killedAt)
    await expectAnnouncementAfter(page, otherPage, killedAt)
    await expect(peerRow(page, verifierId)).toHaveAttribute('data-connection', 'webrtc')
    await expect(peerRow(page, otherPage)).toHaveAttribute('data-connection', 'webrtc')
  }

  // Restart it with the same identity: pages re-reserve and a new page can join.
  relay = await startRelay({ keyFile: relayKeyFile, port: Number(new URL(relay.url).port) })
  processes.push(relay)
  await expect(pageA.getByTestId('relay-status')).toHaveAttribute('data-state', 'reserved', { timeout: 30_000 })
  await expect(pageB.getByTestId('relay-status')).toHaveAttribute('data-state', 'reserved', { timeout: 30_000 })
  const pageC = await openNetworkPage(relay.url)
  const idC = await selfPeerId(pageC)
  await expect(peerRow(pageC, verifierId)).toHaveAttribute('data-connection', 'webrtc', { timeout: 30_000 })
  await expect(peerRow(pageC, idA)).toHaveAttribute('data-connection', 'webrtc', { timeout: 30_000 })
  await expect(peerRow(pageA, idC)).toHaveAttribute('data-connection', 'webrtc', { timeout: 30_000 })
})

test('a long-lived probe stream to the verifier answers round trips', async () => {
  const relay = await startRelay()
  processes.push(relay)
  const verifier = await startGpuNode({ relayUrl: relay.url })
  processes.push(verifier)
  const verifierId = await verifierPeerId(verifier)
  const page = await openNetworkPage(relay.url)
  await expect(peerRow(page, verifierId)).toHaveAttribute('data-connection', 'webrtc', { timeout: 30_000 })
  await page.locator(`[data-testid="verifier"][data-peer-id="${verifierId}"]`).getByRole('button', { name: 'Measure round trip' }).click()
  await expect(page.getByTestId('probe-result')).toHaveText(/^p50 [\d.]+ ms over 50 round trips$/)
})

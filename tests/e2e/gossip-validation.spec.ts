import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { expect, test } from '@playwright/test'
import { AGENT, ANNOUNCE_TOPIC, Announcement, BOOTSTRAP_PATH, PeerRole, encodeAnnouncement, parseBootstrap } from '#protocol'
import { createShoalNode, STRIKES_TO_DROP } from '#server'
import { launchProfile } from '../support/browser.ts'
import { startRelay } from '../support/processes.ts'

/**
 * A rogue peer publishes malformed announcements on the gossip topic. The
 * topic validators reject them, so they never reach a page's UI; a valid
 * announcement from the same peer, sent after two of them, does. A third
 * gets it dropped by the relay (STRIKES_TO_DROP).
 */
test('malformed gossip is rejected and never reaches the network page', async () => {
  const relay = await startRelay()
  const profile = await launchProfile()
  // The rogue installs no validators, so its own gossipsub publishes whatever it is given.
  const rogue = await createShoalNode({
    privateKey: await generateKeyPair('Ed25519'),
    transports: [webSockets(), circuitRelayTransport()],
    connectionGater: { denyDialMultiaddr: () => false }
  })
  try {
    const page = await profile.newPage()
    await page.goto(`${relay.url}/network`)
    await expect(page.getByTestId('relay-status')).toHaveAttribute('data-state', /connected|reserved/)

    await rogue.start()
    rogue.services.pubsub.subscribe(ANNOUNCE_TOPIC)
    const bootstrap = parseBootstrap(await (await fetch(`${relay.url}${BOOTSTRAP_PATH}`)).json())
    await rogue.dial(multiaddr(bootstrap.multiaddrs[0] ?? ''))
    await expect.poll(() => rogue.services.pubsub.getSubscribers(ANNOUNCE_TOPIC).length).toBeGreaterThan(0)

    const malformed = [
      // Not protobuf at all, but carrying the marker text.
      new TextEncoder().encode('EVIL-MODEL'.repeat(20)),
      // Decodes, but names no role.
      Announcement.encode({ role: PeerRole.ROLE_UNSPECIFIED, agent: AGENT, model: 'EVIL-MODEL', tokenizerFingerprint: '', queueDepth: 0, capacity: 0, addresses: [], sentAtMs: BigInt(Date.now()) }),
      // Oversized.
      Announcement.encode({ role: PeerRole.VERIFIER, agent: AGENT, model: 'EVIL-MODEL'.repeat(100), tokenizerFingerprint: '', queueDepth: 0, capacity: 0, addresses: [], sentAtMs: BigInt(Date.now()) })
    ]
    for (const bytes of malformed.slice(0, STRIKES_TO_DROP - 1)) {
      await rogue.services.pubsub.publish(ANNOUNCE_TOPIC, bytes)
    }
    await rogue.services.pubsub.publish(ANNOUNCE_TOPIC, encodeAnnouncement({ role: PeerRole.VERIFIER, agent: AGENT, model: 'honest-model', capacity: 1 }))

    const rogueCard = page.locator(`[data-testid="verifier"][data-peer-id="${rogue.peerId.toString()}"]`)
    await expect(rogueCard.getByTestId('verifier-model')).toHaveText('honest-model')
    await expect(page.locator('body')).not.toContainText('EVIL-MODEL')
    await expect(page.locator('[data-testid="verifier"]')).toHaveCount(1)
    // Rejected by the topic validators before delivery, not merely dropped by the page.
    await expect(page.getByTestId('undecodable-announcements')).toHaveText(/^0 /)

    // One more, and the relay hangs up on it.
    for (const bytes of malformed.slice(STRIKES_TO_DROP - 1)) {
      await rogue.services.pubsub.publish(ANNOUNCE_TOPIC, bytes)
    }
    await expect.poll(() => rogue.getConnections().length, { timeout: 10_000 }).toBe(0)
    await expect(page.locator('body')).not.toContainText('EVIL-MODEL')
  } finally {
    await rogue.stop()
    await profile.close()
    await relay.stop()
  }
})

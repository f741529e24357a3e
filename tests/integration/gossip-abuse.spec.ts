/**
 * Peers that abuse the announce topic, against a real relay and verifier:
 * one floods well-formed announcements, one sends garbage. libp2p clients in
 * this test process play them (without Shoal's topic validators, so nothing
 * holds them back) and an honest listener page.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { expect, test } from '@playwright/test'
import { ANNOUNCE_TOPIC, BOOTSTRAP_PATH, encodeAnnouncement, MAX_ANNOUNCEMENTS_PER_WINDOW, parseBootstrap, PeerRole } from '#protocol'
import { createShoalNode, joinAnnounceTopic } from '#server'
import { readMetrics } from '../support/metrics.ts'
import { startGpuNode, startRelay, waitFor } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'
import type { Libp2p } from '@libp2p/interface'
import type { ShoalServices } from '#server'

const running: ShoalProcess[] = []
const clients: Libp2p[] = []

test.afterEach(async () => {
  await Promise.all(clients.splice(0).map(async (client) => { await client.stop() }))
  await Promise.all(running.splice(0).map(async (process) => { await process.stop() }))
})

async function clientOn (relay: ShoalProcess, honest: boolean): Promise<Libp2p<ShoalServices>> {
  const client = await createShoalNode({
    privateKey: await generateKeyPair('Ed25519'),
    transports: [webSockets()],
    connectionGater: { denyDialMultiaddr: () => false }
  })
  clients.push(client)
  await client.start()
  if (honest) {
    joinAnnounceTopic(client.services.pubsub)
  } else {
    client.services.pubsub.subscribe(ANNOUNCE_TOPIC)
  }
  const bootstrap = parseBootstrap(await (await fetch(`${relay.url}${BOOTSTRAP_PATH}`)).json())
  await client.dial(multiaddr(bootstrap.multiaddrs[0] ?? ''))
  await waitFor('the relay to see the subscription', () => client.services.pubsub.getSubscribers(ANNOUNCE_TOPIC).length > 0 ? true : undefined)
  return client
}

function countHeard (client: Libp2p<ShoalServices>): Map<string, number> {
  const heard = new Map<string, number>()
  client.services.pubsub.addEventListener('message', (event) => {
    if (event.detail.topic === ANNOUNCE_TOPIC && event.detail.type === 'signed') {
      const from = event.detail.from.toString()
      heard.set(from, (heard.get(from) ?? 0) + 1)
    }
  })
  return heard
}

test('a peer flooding announcements is cut to its budget and dropped, one sending garbage is dropped, and the honest mesh goes on', async () => {
  test.setTimeout(90_000)
  const relay = await startRelay()
  running.push(relay)
  const verifier = await startGpuNode({ relayUrl: relay.url, extraArgs: ['--threads', '1'] })
  running.push(verifier)
  const verifierId = ((await (await fetch(`${verifier.url}/health`)).json()) as { peerId: string }).peerId

  const listener = await clientOn(relay, true)
  const heard = countHeard(listener)
  await waitFor('the verifier\'s announcements', () => (heard.get(verifierId) ?? 0) > 0 ? true : undefined, 30_000)

  const flooder = await clientOn(relay, false)
  const flooderId = flooder.peerId.toString()
  const relayPeer = flooder.getPeers()[0]
  let published = 0
  for (let index = 0; index < 400 && flooder.getConnections(relayPeer).length > 0; index++) {
    await flooder.services.pubsub.publish(ANNOUNCE_TOPIC, encodeAnnouncement({ role: PeerRole.BROWSER, agent: 'flood' })).catch(() => {})
    published++
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  await waitFor('the relay to hang up on the flooder', () => flooder.getConnections(relayPeer).length === 0 ? true : undefined, 10_000)
  expect(published).toBeGreaterThan(MAX_ANNOUNCEMENTS_PER_WINDOW)
  expect(heard.get(flooderId) ?? 0).toBeLessThanOrEqual(MAX_ANNOUNCEMENTS_PER_WINDOW)
  expect(relay.output()).toContain(`dropped ${flooderId}: 3 of its announcements rejected (more than the per-author budget)`)

  const garbler = await clientOn(relay, false)
  const garblerId = garbler.peerId.toString()
  for (let index = 0; index < 10 && garbler.getConnections(relayPeer).length > 0; index++) {
    await garbler.services.pubsub.publish(ANNOUNCE_TOPIC, new Uint8Array([0xff, 0x01, 0x02, index])).catch(() => {})
  }
  await waitFor('the relay to hang up on the garbler', () => garbler.getConnections(relayPeer).length === 0 ? true : undefined, 10_000)
  expect(heard.get(garblerId)).toBeUndefined()
  expect((await readMetrics(relay.url)).get('shoal_relay_gossip_peers_dropped_total')).toBe(2)

  // The honest listener is still on the mesh and hears the verifier.
  const before = heard.get(verifierId) ?? 0
  await waitFor('more announcements from the verifier', () => (heard.get(verifierId) ?? 0) > before ? true : undefined, 15_000)
  expect(listener.getConnections(relayPeer).length).toBeGreaterThan(0)
})

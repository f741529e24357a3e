/**
 * A mesh of two relays, as operators run it: real relay and gpu-node
 * processes, and libp2p clients in this test process standing in for pages
 * (minus WebRTC). Relays named by --peer-relays link to each other, so
 * gossip crosses them; verifiers hold reservations on two relays, so
 * losing one leaves them on the mesh.
 */
import { join } from 'node:path'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { expect, test } from '@playwright/test'
import { GpuNodeHealth } from '../../gpu-node/src/api-server.ts'
import { RelayHealth } from '../../relay/src/relay-stats.ts'
import { ANNOUNCE_TOPIC, BOOTSTRAP_PATH, parseBootstrap } from '#protocol'
import { createShoalNode, joinAnnounceTopic } from '#server'
import { freePort, startGpuNode, startRelay, temporaryDirectory, waitFor } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'
import type { Bootstrap } from '#protocol'
import type { Libp2p } from '@libp2p/interface'

const running: ShoalProcess[] = []
const clients: Libp2p[] = []

test.afterEach(async () => {
  await Promise.all(clients.splice(0).map(async (client) => { await client.stop() }))
  await Promise.all(running.splice(0).map(async (process) => { await process.stop() }))
})

async function relay (options: Parameters<typeof startRelay>[0] = {}): Promise<ShoalProcess> {
  const started = await startRelay(options)
  running.push(started)
  return started
}

async function verifier (relayAddress: string): Promise<ShoalProcess> {
  const started = await startGpuNode({ relayUrl: relayAddress, extraArgs: ['--threads', '1'] })
  running.push(started)
  return started
}

async function bootstrapOf (relayProcess: ShoalProcess): Promise<Bootstrap> {
  return parseBootstrap(await (await fetch(`${relayProcess.url}${BOOTSTRAP_PATH}`)).json())
}

async function relayHealth (relayProcess: ShoalProcess): Promise<RelayHealth> {
  return RelayHealth.parse(await (await fetch(`${relayProcess.url}/health`)).json())
}

async function verifierHealth (verifierProcess: ShoalProcess): Promise<GpuNodeHealth> {
  return GpuNodeHealth.parse(await (await fetch(`${verifierProcess.url}/health`)).json())
}

/** A libp2p client on one relay only, listening to the announcements gossip brings it. */
async function listenerOn (relayProcess: ShoalProcess): Promise<{ heardFrom: (peerId: string, since?: number) => Promise<void> }> {
  const client = await createShoalNode({
    privateKey: await generateKeyPair('Ed25519'),
    transports: [webSockets(), circuitRelayTransport()],
    connectionGater: { denyDialMultiaddr: () => false }
  })
  clients.push(client)
  await client.start()
  const lastHeard = new Map<string, number>()
  client.services.pubsub.addEventListener('message', (event) => {
    if (event.detail.topic === ANNOUNCE_TOPIC && event.detail.type === 'signed') {
      lastHeard.set(event.detail.from.toString(), Date.now())
    }
  })
  joinAnnounceTopic(client.services.pubsub)
  await client.dial(multiaddr((await bootstrapOf(relayProcess)).multiaddrs[0] ?? ''))
  return {
    heardFrom: async (peerId, since = 0) => {
      await waitFor(`an announcement from ${peerId}`, () => (lastHeard.get(peerId) ?? 0) > since ? true : undefined, 30_000)
    }
  }
}

test('relays named by --peer-relays link up: gossip crosses them, the bootstrap names the other, and a restarted relay is linked again', async () => {
  test.setTimeout(120_000)
  const portB = await freePort()
  const keyB = join(await temporaryDirectory(), 'relay-b.key')
  let relayB = await relay({ port: portB, keyFile: keyB })
  const relayA = await relay({ extraArgs: ['--peer-relays', `${relayB.url}/`] })

  expect((await bootstrapOf(relayA)).relays).toEqual([relayB.url])
  expect((await bootstrapOf(relayB)).relays).toBeUndefined()
  await waitFor('relay A to link to relay B', async () => (await relayHealth(relayA)).peerRelays.connected === 1 ? true : undefined)
  expect((await relayHealth(relayA)).peerRelays).toEqual({ named: 1, connected: 1 })

  // A verifier given relay B's multiaddr learns no other relay: it is reachable through B alone.
  const verifierOnB = await verifier((await bootstrapOf(relayB)).multiaddrs[0] ?? '')
  const { peerId } = await waitFor('the verifier to hold its reservation', async () => {
    const health = await verifierHealth(verifierOnB)
    return health.relay === 'connected' ? health : undefined
  })
  expect((await verifierHealth(verifierOnB)).relays).toHaveLength(1)
  const onA = await listenerOn(relayA)
  await onA.heardFrom(peerId)

  await relayB.kill()
  await waitFor('relay A to see the link gone', async () => (await relayHealth(relayA)).peerRelays.connected === 0 ? true : undefined)
  relayB = await relay({ port: portB, keyFile: keyB })
  await waitFor('relay A to link again', async () => (await relayHealth(relayA)).peerRelays.connected === 1 ? true : undefined, 60_000)
  const relinkedAt = Date.now()
  await onA.heardFrom(peerId, relinkedAt)
  expect(relayA.output()).toContain(`lost the link to relay ${relayB.url}; relinking`)
  expect(relayA.output()).not.toMatch(/unhandled|uncaught/i)
})

test('a verifier holds reservations on two relays, the one given and the other it names, and stays on the mesh when either dies', async () => {
  test.setTimeout(120_000)
  const relayB = await relay()
  const relayA = await relay({ extraArgs: ['--peer-relays', relayB.url] })
  const verifierOnBoth = await verifier(relayA.url)
  const health = await waitFor('reservations on both relays', async () => {
    const current = await verifierHealth(verifierOnBoth)
    return current.relays.length === 2 && current.relays.every((held) => held.state === 'connected') ? current : undefined
  }, 30_000)
  expect(health.relays.map((held) => held.address)).toEqual([relayA.url, relayB.url])
  for (const relayProcess of [relayA, relayB]) {
    const relayId = (await relayHealth(relayProcess)).peerId
    expect(health.addresses.some((address) => address.includes(`/p2p/${relayId}/p2p-circuit/webrtc`))).toBe(true)
    expect((await relayHealth(relayProcess)).reservations).toBe(1)
  }
  expect(verifierOnBoth.output()).toContain(`Holding a second relay, ${relayB.url}, named by the first`)

  const onB = await listenerOn(relayB)
  await relayA.kill()
  const killedAt = Date.now()
  const after = await waitFor('the verifier to see relay A gone', async () => {
    const current = await verifierHealth(verifierOnBoth)
    return current.relays[0]?.state === 'connecting' ? current : undefined
  })
  expect(after.relay).toBe('connected')
  expect(after.relays[1]).toEqual({ address: relayB.url, state: 'connected' })
  await onB.heardFrom(after.peerId, killedAt)
  expect(verifierOnBoth.child.exitCode).toBeNull()
})

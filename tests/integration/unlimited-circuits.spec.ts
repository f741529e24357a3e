/**
 * The relay's circuits to a verifier it trusts (`--unlimited-circuits-for`)
 * carry answers past circuit-relay-v2's default limits (128 KiB and 2 minutes
 * per relayed connection), while circuits to any other verifier are still cut there. A
 * real relay and a real gpu-node with the random demo model (it writes
 * until max tokens), and a libp2p client in this process that reaches the
 * verifier the way a page does when WebRTC cannot get through: only over
 * the relay's circuit.
 */
import { join } from 'node:path'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { expect, test } from '@playwright/test'
import type { Connection, Libp2p } from '@libp2p/interface'
import { GpuNodeHealth } from '../../gpu-node/src/api-server.ts'
import { BOOTSTRAP_PATH, CHAT_PROTOCOL, decodeChatEvent, encodeChatRequest, parseBootstrap } from '#protocol'
import { createShoalNode, loadOrCreateIdentityKey } from '#server'
import { ensureDemoModels } from '../support/models.ts'
import { startGpuNode, startRelay, temporaryDirectory, waitFor } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'

/** circuit-relay-v2's default data limit per relayed connection. */
const DEFAULT_CIRCUIT_DATA_LIMIT = 128 * 1024
/** What must cross one circuit to the trusted verifier: well past the default. */
const LONG_TRAFFIC_BYTES = 300 * 1024

const processes: ShoalProcess[] = []
const clients: Libp2p[] = []

test.describe.configure({ mode: 'serial' })

test.afterEach(async () => {
  await Promise.all(clients.splice(0).map(async (client) => { await client.stop() }))
  for (const process of processes.splice(0).reverse()) {
    await process.stop()
  }
})

/** A relay (with `relayArgs`) and a verifier on the demo model; the verifier's peer id is known before the relay starts. */
async function startMesh (relayArgs: (verifierId: string) => string[], verifierArgs: string[] = []): Promise<{ relayAddress: string, verifierId: string, verifierUrl: string }> {
  const { target } = await ensureDemoModels()
  const keyFile = join(await temporaryDirectory(), 'gpu-node.key')
  const verifierId = peerIdFromPrivateKey(await loadOrCreateIdentityKey(keyFile)).toString()
  const relay = await startRelay({ extraArgs: relayArgs(verifierId) })
  processes.push(relay)
  const verifier = await startGpuNode({ relayUrl: relay.url, keyFile, extraArgs: ['--model', target, '--model-name', 'shoal-demo', '--threads', '1', ...verifierArgs] })
  processes.push(verifier)
  await waitFor('the verifier to reserve at the relay and load its model', async () => {
    const body = GpuNodeHealth.parse(await (await fetch(`${verifier.url}/health`)).json())
    return body.relay === 'connected' && body.model.loaded ? body : undefined
  }, 60_000)
  const bootstrap = parseBootstrap(await (await fetch(`${relay.url}${BOOTSTRAP_PATH}`)).json())
  return { relayAddress: bootstrap.multiaddrs[0] ?? '', verifierId, verifierUrl: verifier.url }
}

/** A client with no WebRTC: its only way to the verifier is the relay's circuit. */
async function circuitTo (relayAddress: string, verifierId: string): Promise<Connection> {
  const client = await createShoalNode({
    privateKey: await generateKeyPair('Ed25519'),
    transports: [webSockets(), circuitRelayTransport()],
    connectionGater: { denyDialMultiaddr: () => false }
  })
  clients.push(client)
  await client.start()
  return client.dial(multiaddr(`${relayAddress}/p2p-circuit/p2p/${verifierId}`), { signal: AbortSignal.timeout(10_000) })
}

/**
 * Asks for answers one after another on the one circuit connection until
 * `bytes` of chat events have come back over it, or the circuit is cut.
 * Counts the events' own bytes: the circuit carried at least that much
 * (and more: framing, the requests, libp2p's own traffic).
 */
async function chatOver (connection: Connection, bytes: number): Promise<{ received: number, answers: number, error?: Error }> {
  let received = 0
  let answers = 0
  try {
    while (received < bytes) {
      const messages = lpStream(await connection.newStream(CHAT_PROTOCOL, { runOnLimitedConnection: true, signal: AbortSignal.timeout(10_000) }))
      await messages.write(encodeChatRequest({ requestId: `long-${answers}`, messages: [{ role: 'user', content: 'Tell me a long story about the sea.' }], maxTokens: 1800, temperature: 0, topP: 1, stop: [], privacy: 'verifier-only' }))
      while (true) {
        const message = await messages.read({ signal: AbortSignal.timeout(60_000) })
        received += message.byteLength
        const event = decodeChatEvent(message)
        if (event.type === 'error') throw new Error(`the verifier answered an error: ${event.message}`)
        if (event.type === 'done') break
      }
      answers++
    }
    return { received, answers }
  } catch (err) {
    return { received, answers, error: err instanceof Error ? err : new Error(String(err)) }
  }
}

test('a circuit to a verifier the relay trusts carries 300 KB of answers: the relay lifts its limits, on both ends', async () => {
  test.setTimeout(240_000)
  const { relayAddress, verifierId } = await startMesh((id) => ['--unlimited-circuits-for', id])
  const connection = await circuitTo(relayAddress, verifierId)
  // The relay sent no limits with the circuit: libp2p treats it as a full connection.
  expect(connection.limits).toBeUndefined()
  expect(connection.remoteAddr.toString()).toContain('/p2p-circuit')
  const result = await chatOver(connection, LONG_TRAFFIC_BYTES)
  expect(result.error).toBeUndefined()
  expect(result.received).toBeGreaterThanOrEqual(LONG_TRAFFIC_BYTES)
  expect(connection.status).toBe('open')
})

test('a circuit to any other verifier keeps circuit-relay\'s default limit: the relay cuts it near 128 KiB, mid-answer', async () => {
  test.setTimeout(240_000)
  const { relayAddress, verifierId } = await startMesh(() => [])
  const connection = await circuitTo(relayAddress, verifierId)
  expect(Number(connection.limits?.bytes)).toBeLessThanOrEqual(DEFAULT_CIRCUIT_DATA_LIMIT)
  const result = await chatOver(connection, LONG_TRAFFIC_BYTES)
  expect(result.error, 'the circuit should have been cut').toBeDefined()
  expect(result.received).toBeLessThan(DEFAULT_CIRCUIT_DATA_LIMIT)
  // It was cut by its limit, not at once: answers had been flowing.
  expect(result.received).toBeGreaterThan(DEFAULT_CIRCUIT_DATA_LIMIT / 4)
  await expect.poll(() => connection.status, { timeout: 10_000 }).not.toBe('open')
})

test('a circuit to a verifier the relay trusts outlives circuit-relay\'s 2-minute limit: one answer streaming for over 2 minutes completes on it', async () => {
  test.setTimeout(300_000)
  // Every pass padded to 500 ms: 280 tokens take 140 s, past the 120 s a default circuit lives.
  const { relayAddress, verifierId } = await startMesh((id) => ['--unlimited-circuits-for', id], ['--emulate-pass-cost', '500,0'])
  const connection = await circuitTo(relayAddress, verifierId)
  expect(connection.limits).toBeUndefined()
  const started = Date.now()
  const messages = lpStream(await connection.newStream(CHAT_PROTOCOL, { runOnLimitedConnection: true, signal: AbortSignal.timeout(10_000) }))
  await messages.write(encodeChatRequest({ requestId: 'slow', messages: [{ role: 'user', content: 'Tell me a long story about the sea.' }], maxTokens: 280, temperature: 0, topP: 1, stop: [], privacy: 'verifier-only' }))
  let done: ReturnType<typeof decodeChatEvent> | undefined
  while (done === undefined) {
    const event = decodeChatEvent(await messages.read({ signal: AbortSignal.timeout(30_000) }))
    if (event.type === 'error') throw new Error(`the verifier answered an error: ${event.message}`)
    if (event.type === 'done') done = event
  }
  expect(done.type === 'done' ? done.usage.completionTokens : 0).toBe(280)
  expect(Date.now() - started).toBeGreaterThan(125_000)
  expect(connection.status).toBe('open')
})

/**
 * Peers that send more bytes than a protocol allows, against a real relay
 * and verifier: a chat flooder's streams are reset past its byte budget
 * while another peer's chat is answered; a circuit flooder is slowed to the
 * relay's hop budget, loses nothing, and another peer's chat still answers
 * meanwhile. The libp2p clients live in this test process and reach the
 * verifier (and each other) over the relay's circuits, which the relay
 * leaves unlimited for the peers named by `--unlimited-circuits-for`, so
 * its 128 KiB default is not the limit measured.
 */
import { join } from 'node:path'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { expect, test } from '@playwright/test'
import { BOOTSTRAP_PATH, CHAT_PROTOCOL, decodeChatEvent, encodeChatRequest, parseBootstrap } from '#protocol'
import { createShoalNode, loadOrCreateIdentityKey } from '#server'
import { VERIFIER_BYTE_RATES } from '../../gpu-node/src/stream-rates.ts'
import { HOP_PROTOCOL, RELAY_BYTE_RATES } from '../../relay/src/stream-rates.ts'
import { readMetrics } from '../support/metrics.ts'
import { startGpuNode, startRelay, temporaryDirectory, waitFor } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'
import type { Libp2p, PrivateKey, Stream } from '@libp2p/interface'

const MIB = 1024 * 1024
/** A chat request near the mesh's 256 KiB limit: legal, and four of them are the chat's whole burst. */
const LARGE_REQUEST_TEXT_BYTES = 200 * 1024
/** Large requests the chat flooder sends, one stream each, without waiting for answers. */
const FLOOD_REQUESTS = 12
/** What the circuit flooder pushes: the hop budget's burst and then 20 MiB more, 5 s at the budget's rate. */
const FLOOD_BYTES = 24 * MIB
const SINK_PROTOCOL = '/shoal-test/sink/1.0.0'

const running: ShoalProcess[] = []
const clients: Libp2p[] = []

test.describe.configure({ mode: 'serial' })

test.afterEach(async () => {
  await Promise.all(clients.splice(0).map(async (client) => { await client.stop() }))
  for (const process of running.splice(0).reverse()) {
    await process.stop()
  }
})

async function client (privateKey?: PrivateKey, listen: string[] = []): Promise<Libp2p> {
  const node = await createShoalNode({
    privateKey: privateKey ?? await generateKeyPair('Ed25519'),
    transports: [webSockets(), circuitRelayTransport()],
    listen,
    connectionGater: { denyDialMultiaddr: () => false }
  })
  clients.push(node)
  await node.start()
  return node
}

/** A relay whose circuits to `unlimited` carry no circuit-relay limits, and a verifier behind it. */
async function startMesh (unlimited: (verifierId: string) => string[]): Promise<{ relayUrl: string, relayAddress: string, verifierUrl: string, verifierAddress: string }> {
  const keyFile = join(await temporaryDirectory(), 'gpu-node.key')
  const verifierId = peerIdFromPrivateKey(await loadOrCreateIdentityKey(keyFile)).toString()
  const relay = await startRelay({ extraArgs: ['--unlimited-circuits-for', unlimited(verifierId).join(',')] })
  running.push(relay)
  const verifier = await startGpuNode({ relayUrl: relay.url, keyFile, extraArgs: ['--threads', '1'] })
  running.push(verifier)
  await waitFor('the verifier to hold its reservation', async () => {
    const current = await (await fetch(`${verifier.url}/health`)).json() as { relay: string }
    return current.relay === 'connected' ? true : undefined
  }, 30_000)
  const bootstrap = parseBootstrap(await (await fetch(`${relay.url}${BOOTSTRAP_PATH}`)).json())
  const relayAddress = bootstrap.multiaddrs[0] ?? ''
  return { relayUrl: relay.url, relayAddress, verifierUrl: verifier.url, verifierAddress: `${relayAddress}/p2p-circuit/p2p/${verifierId}` }
}

/** Sends one chat request on a new stream; the stream, to read the answer from later. */
async function sendChat (node: Libp2p, address: string, text: string, requestId: string): Promise<ReturnType<typeof lpStream>> {
  const stream = await node.dialProtocol(multiaddr(address), CHAT_PROTOCOL, { runOnLimitedConnection: true, signal: AbortSignal.timeout(10_000) })
  const messages = lpStream(stream)
  await messages.write(encodeChatRequest({ requestId, messages: [{ role: 'user', content: text }], maxTokens: 4, temperature: 0, topP: 1, stop: [], privacy: 'verifier-only' }), { signal: AbortSignal.timeout(10_000) })
  return messages
}

/** The first event the verifier answers with (an answer, or an error such as LIMIT); undefined when the stream was reset instead. */
async function firstEvent (messages: ReturnType<typeof lpStream>): Promise<string | undefined> {
  try {
    return decodeChatEvent(await messages.read({ signal: AbortSignal.timeout(30_000) })).type
  } catch {
    return undefined
  }
}

/** A short chat, read to its end: true when it is answered `done`. */
async function chatToTheEnd (node: Libp2p, address: string): Promise<boolean> {
  const messages = await sendChat(node, address, 'Tell me a story.', 'honest')
  while (true) {
    const event = decodeChatEvent(await messages.read({ signal: AbortSignal.timeout(30_000) }))
    if (event.type === 'done') return true
    if (event.type === 'error') return false
  }
}

test('a peer that sends chat requests past its byte budget has those streams reset; another peer is answered', async () => {
  test.setTimeout(120_000)
  const mesh = await startMesh((verifierId) => [verifierId])
  const chatRate = VERIFIER_BYTE_RATES[CHAT_PROTOCOL]
  expect(chatRate?.overBudget).toBe('reset')

  const flooder = await client()
  const large = 'once upon a time '.repeat(Math.ceil(LARGE_REQUEST_TEXT_BYTES / 17)).slice(0, LARGE_REQUEST_TEXT_BYTES)
  // Written one after another, as fast as the circuit takes them: 2.4 MiB against a 1 MiB burst.
  const streams: Array<ReturnType<typeof lpStream> | undefined> = []
  for (let index = 0; index < FLOOD_REQUESTS; index++) {
    streams.push(await sendChat(flooder, mesh.verifierAddress, large, `flood-${index}`).catch(() => undefined))
  }
  const events = await Promise.all(streams.map(async (messages) => messages === undefined ? undefined : await firstEvent(messages)))
  const answered = events.filter((event) => event !== undefined).length
  const reset = FLOOD_REQUESTS - answered
  // The burst holds four such requests (five with what refilled while they were sent); the rest are reset.
  expect(answered).toBeGreaterThanOrEqual(Math.floor((chatRate?.burst ?? 0) / (LARGE_REQUEST_TEXT_BYTES + 1024)) - 1)
  expect(reset).toBeGreaterThanOrEqual(FLOOD_REQUESTS / 3)
  const refused = (await readMetrics(mesh.verifierUrl)).get(`shoal_gpu_node_stream_bytes_refused_total{protocol="${CHAT_PROTOCOL}"}`) ?? 0
  expect(refused).toBeGreaterThan(0)
  expect(refused).toBeLessThanOrEqual(reset)

  const honest = await client()
  expect(await chatToTheEnd(honest, mesh.verifierAddress)).toBe(true)
  expect((await fetch(`${mesh.verifierUrl}/health`)).ok).toBe(true)
})

test('a peer flooding a circuit is slowed to the relay\'s hop budget and loses nothing; another peer\'s chat still answers', async () => {
  test.setTimeout(180_000)
  const sinkKey = await generateKeyPair('Ed25519')
  const sinkId = peerIdFromPrivateKey(sinkKey).toString()
  const mesh = await startMesh((verifierId) => [verifierId, sinkId])
  const hopRate = RELAY_BYTE_RATES[HOP_PROTOCOL]
  expect(hopRate?.overBudget).toBe('throttle')
  const rate = hopRate?.perSecond ?? 0
  const burst = hopRate?.burst ?? 0

  // The receiving peer holds a reservation at the relay, as a verifier does; it counts what arrives, and when.
  const sink = await client(sinkKey, [`${mesh.relayAddress}/p2p-circuit`])
  let received = 0
  let firstAt: number | undefined
  let doneAt: number | undefined
  const allReceived = Promise.withResolvers<void>()
  await sink.handle(SINK_PROTOCOL, async (stream: Stream) => {
    for await (const chunk of stream) {
      firstAt ??= performance.now()
      received += chunk.byteLength
    }
    doneAt = performance.now()
    allReceived.resolve()
  }, { runOnLimitedConnection: true })
  await waitFor('the sink to hold its reservation', () => sink.getMultiaddrs().some((address) => address.toString().includes('/p2p-circuit')) ? true : undefined, 20_000)

  const flooder = await client()
  const stream = await flooder.dialProtocol(multiaddr(`${mesh.relayAddress}/p2p-circuit/p2p/${sinkId}`), SINK_PROTOCOL, { runOnLimitedConnection: true, signal: AbortSignal.timeout(10_000) })
  const chunk = new Uint8Array(64 * 1024).fill(7)
  const flood = (async () => {
    for (let sent = 0; sent < FLOOD_BYTES; sent += chunk.byteLength) {
      if (!stream.send(chunk)) await stream.onDrain({ signal: AbortSignal.timeout(30_000) })
    }
    await stream.close({ signal: AbortSignal.timeout(30_000) })
  })()

  // Meanwhile another peer chats with the verifier behind the same relay.
  const honest = await client()
  const chatStarted = performance.now()
  expect(await chatToTheEnd(honest, mesh.verifierAddress)).toBe(true)
  const chatMs = performance.now() - chatStarted

  await flood
  await allReceived.promise
  expect(received).toBe(FLOOD_BYTES)
  expect(doneAt).toBeDefined()
  expect(firstAt).toBeDefined()
  // The relay lets the burst through at once and the rest at the budget's rate: what came past the burst, over the whole time.
  const seconds = ((doneAt ?? 0) - (firstAt ?? 0)) / 1000
  const throughput = (FLOOD_BYTES - burst) / seconds
  test.info().annotations.push({ type: 'throughput past the burst', description: `${(throughput / MIB).toFixed(2)} MiB/s (budget ${(rate / MIB).toFixed(0)} MiB/s); the other peer's chat took ${chatMs.toFixed(0)} ms` })
  // Near the budget: over it by at most what the muxer's window lets through ahead of the first pause.
  expect(throughput).toBeLessThanOrEqual(rate * 1.1)
  expect(throughput).toBeGreaterThanOrEqual(rate * 0.6)
  const throttled = (await readMetrics(mesh.relayUrl)).get(`shoal_relay_stream_bytes_throttled_total{protocol="${HOP_PROTOCOL}"}`) ?? 0
  expect(throttled).toBeGreaterThan(0)
})

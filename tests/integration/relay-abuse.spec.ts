import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { lpStream } from '@libp2p/utils'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { expect, test } from '@playwright/test'
import { BOOTSTRAP_PATH, parseBootstrap } from '#protocol'
import { createShoalNode, HEADERS_TIMEOUT_MS } from '#server'
import { HOP_PROTOCOL, PING_PROTOCOL, RELAY_STREAM_RATES } from '../../relay/src/stream-rates.ts'
import { readMetrics } from '../support/metrics.ts'
import { startRelay, waitFor } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'
import type { Libp2p } from '@libp2p/interface'

/**
 * What one client may hold at a real relay: a slow-loris client that
 * dribbles its headers is cut off, one address cannot take every socket,
 * and everyone else is served meanwhile. The clients connect from other
 * loopback addresses (127.0.0.2, 127.0.0.3) so that they count as other
 * hosts: 127.0.0.1 is where a TLS proxy on the relay's host would connect
 * from, and is never limited.
 */

const relays: ShoalProcess[] = []
const sockets: Socket[] = []
const clients: Libp2p[] = []
test.afterEach(async () => {
  await Promise.all(clients.splice(0).map(async (client) => { await client.stop() }))
  for (const socket of sockets.splice(0)) socket.destroy()
  await Promise.all(relays.splice(0).map(async (relay) => { await relay.stop() }))
})

interface OpenSocket {
  socket: Socket
  /** Everything the relay sent. */
  received: () => string
  /** Resolves when the relay closed it. */
  closed: Promise<void>
}

async function openFrom (localAddress: string, port: number, send: string): Promise<OpenSocket> {
  const socket = connect({ host: '127.0.0.1', port, localAddress })
  sockets.push(socket)
  let received = ''
  socket.on('data', (chunk: Buffer) => { received += chunk.toString('latin1') })
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => { socket.once('close', () => { resolve() }) })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => { resolve() })
    socket.once('error', reject)
  })
  socket.write(send)
  return { socket, received: () => received, closed }
}

async function within<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_resolve, reject) => setTimeout(() => { reject(new Error(`${what} not within ${ms} ms`)) }, ms))])
}

const HEALTH = 'GET /health HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n'

test('a client dribbling headers is cut off, one address cannot hold every socket, and others are served meanwhile', async () => {
  test.setTimeout(60_000)
  const relay = await startRelay({ extraArgs: ['--max-connections-per-ip', '8'] })
  relays.push(relay)
  const port = Number(new URL(relay.url).port)

  // Eight slow-loris sockets from one address: a request line and one header, then nothing.
  const slow = await Promise.all(Array.from({ length: 8 }, async () => openFrom('127.0.0.2', port, 'GET / HTTP/1.1\r\nHost: relay\r\n')))
  // The ninth from that address is closed as it opens, unanswered.
  const ninth = await openFrom('127.0.0.2', port, HEALTH)
  await within(ninth.closed, 5_000, 'the ninth socket closed')
  expect(ninth.received()).toBe('')
  // Its log line may come a moment after the close.
  await waitFor('the relay to log the refusal', () => relay.output().includes('127.0.0.2 holds 8 connections, its limit') ? true : undefined, 5_000)

  // Another host is served at once, while those eight still hang.
  const other = await openFrom('127.0.0.3', port, HEALTH)
  await within(other.closed, 5_000, 'the other host\'s answer')
  expect(other.received()).toMatch(/^HTTP\/1\.1 200 /)

  // The relay cuts the dribblers off once their headers are late, freeing their sockets.
  const startedAt = Date.now()
  await within(Promise.all(slow.map(async (one) => { await one.closed })), HEADERS_TIMEOUT_MS + 5_000, 'every slow socket closed by the relay')
  expect(Date.now() - startedAt).toBeLessThan(HEADERS_TIMEOUT_MS + 5_000)
  for (const one of slow) expect(one.received()).toMatch(/^HTTP\/1\.1 408 /)

  // Freed: that address is served again.
  const again = await openFrom('127.0.0.2', port, HEALTH)
  await within(again.closed, 5_000, 'the answer once the address was free')
  expect(again.received()).toMatch(/^HTTP\/1\.1 200 /)
})

async function client (listen: string[] = []): Promise<Libp2p> {
  const node = await createShoalNode({
    privateKey: await generateKeyPair('Ed25519'),
    transports: [webSockets(), circuitRelayTransport()],
    listen,
    connectionGater: { denyDialMultiaddr: () => false }
  })
  clients.push(node)
  await node.start()
  return node
}

/** A circuit-relay-v2 HopMessage { type: RESERVE }, length-prefixed: field 1, varint 0. */
const RESERVE = new Uint8Array([0x08, 0x00])

/** Asks the relay for a reservation on a hop stream of its own; false when the relay resets the stream. */
async function reserveOnce (node: Libp2p, relayAddress: string): Promise<boolean> {
  try {
    const stream = await node.dialProtocol(multiaddr(relayAddress), HOP_PROTOCOL, { signal: AbortSignal.timeout(5_000) })
    const messages = lpStream(stream)
    await messages.write(RESERVE, { signal: AbortSignal.timeout(5_000) })
    const answer = await messages.read({ signal: AbortSignal.timeout(5_000) })
    await stream.close()
    return answer.byteLength > 0
  } catch {
    return false
  }
}

test('a peer flooding the relay with hop streams has the excess reset unread; another peer still reserves and is reached through its circuit', async () => {
  test.setTimeout(90_000)
  const relay = await startRelay()
  relays.push(relay)
  const bootstrap = parseBootstrap(await (await fetch(`${relay.url}${BOOTSTRAP_PATH}`)).json())
  const relayAddress = bootstrap.multiaddrs[0] ?? ''

  // One at a time, so that only the budget refuses (not libp2p's limit of hop streams open at once).
  const flooder = await client()
  const flood = 120
  const startedAt = Date.now()
  let served = 0
  for (let i = 0; i < flood; i++) {
    if (await reserveOnce(flooder, relayAddress)) served++
  }
  const seconds = (Date.now() - startedAt) / 1000
  const rate = RELAY_STREAM_RATES[HOP_PROTOCOL] ?? { perSecond: 0, burst: 0 }
  expect(served).toBeGreaterThanOrEqual(rate.burst)
  expect(served).toBeLessThanOrEqual(rate.burst + Math.ceil(rate.perSecond * seconds) + 1)
  const refused = (await readMetrics(relay.url)).get(`shoal_relay_streams_refused_total{protocol="${HOP_PROTOCOL}"}`) ?? 0
  expect(refused).toBe(flood - served)

  // Another peer reserves a slot as a verifier would, and a third reaches it through the circuit.
  const listener = await client(['/p2p-circuit'])
  await listener.dial(multiaddr(relayAddress))
  const circuit = await waitFor('the listener\'s reservation', () => listener.getMultiaddrs().find((address) => address.toString().includes('/p2p-circuit')), 20_000)
  const dialer = await client()
  const connection = await dialer.dial(circuit, { signal: AbortSignal.timeout(10_000) })
  expect(connection.limits).toBeDefined()
  expect(connection.remotePeer.equals(listener.peerId)).toBe(true)
  const refusedAfter = await readMetrics(relay.url)
  expect(refusedAfter.get(`shoal_relay_streams_refused_total{protocol="${HOP_PROTOCOL}"}`)).toBe(refused)
  expect(refusedAfter.get(`shoal_relay_streams_refused_total{protocol="${PING_PROTOCOL}"}`)).toBe(0)
  expect(relay.child.exitCode).toBeNull()
})

import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { expect, test } from '@playwright/test'
import { HEADERS_TIMEOUT_MS } from '#server'
import { startRelay, waitFor } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'

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
test.afterEach(async () => {
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

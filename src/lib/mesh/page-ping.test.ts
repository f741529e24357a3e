import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { byteStream } from '@libp2p/utils'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { expect, test } from '@playwright/test'
import { createLibp2p } from 'libp2p'
import { pagePing } from './page-ping.ts'
import type { Libp2p } from '@libp2p/interface'

const PING_PROTOCOL = '/ipfs/ping/1.0.0'
const HEARTBEAT_MS = 1_000
/** A busy peer: every ping is answered this late, so the page's probe is always in flight at a heartbeat. */
const SLOW_ECHO_MS = 400

/** A peer whose ping answers come late, as a verifier's do while it is busy. */
async function busyPeer (): Promise<Libp2p> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionMonitor: { enabled: false }
  })
  await node.handle(PING_PROTOCOL, async (stream) => {
    const bytes = byteStream(stream)
    try {
      const probe = await bytes.read({ bytes: 32 })
      await new Promise((resolve) => setTimeout(resolve, SLOW_ECHO_MS))
      await bytes.write(probe)
      await stream.close()
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }, { maxInboundStreams: 8 })
  return node
}

/**
 * A page-like node probing `peer` back to back for three heartbeats of
 * libp2p's connection monitor; true when its first connection survived.
 */
async function connectionSurvivesProbing (pingService: ReturnType<typeof ping>): Promise<boolean> {
  const peer = await busyPeer()
  const page = await createLibp2p({
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { ping: pingService },
    connectionMonitor: { pingInterval: HEARTBEAT_MS },
    connectionGater: { denyDialMultiaddr: () => false }
  })
  try {
    const connection = await page.dial(peer.getMultiaddrs())
    const until = Date.now() + 3.5 * HEARTBEAT_MS
    while (Date.now() < until && connection.status === 'open') {
      // On that connection only: once it is gone, probing must not dial a new one.
      await page.services.ping.ping(connection.remoteAddr, { signal: AbortSignal.timeout(2 * SLOW_ECHO_MS + 1_000) }).catch(() => undefined)
    }
    return connection.status === 'open'
  } finally {
    await page.stop()
    await peer.stop()
  }
}

test('the page\'s round-trip probe never makes libp2p\'s connection monitor abort a connection to a busy peer', async () => {
  test.setTimeout(30_000)
  expect(await connectionSurvivesProbing(pagePing())).toBe(true)
})

test('with ping\'s default of one outbound stream, the same probing gets the connection aborted (why the page asks for two)', async () => {
  test.setTimeout(30_000)
  expect(await connectionSurvivesProbing(ping({ runOnLimitedConnection: true }))).toBe(false)
})

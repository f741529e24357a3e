/**
 * A child process of the verifier flood benchmark: `count` minimal libp2p
 * nodes (WebSockets and circuit-relay transports, noise, yamux, no other
 * services but identify, which the circuit transport needs), each connected to one verifier through the relay's circuit,
 * then left idle. Kept out of the benchmark's own process so their memory
 * and event loop are measured apart. Prints one JSON line
 * `{ "held": n, "rssBytes": m, "firstError": "..." }` once dialled, and stops on SIGTERM.
 *
 * Usage: mesh-peers.ts <circuit multiaddr of the verifier> <count>
 */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import type { Libp2p } from '@libp2p/interface'

/** Dials at once: enough to be quick, few enough that the relay's pending-connection limit is not the one measured. */
const DIALS_AT_ONCE = 4

const [address = '', countText = '0'] = process.argv.slice(2)
const target = multiaddr(address)
const count = Number(countText)
const nodes: Libp2p[] = []
let firstError: string | undefined

async function peer (): Promise<Libp2p> {
  const node = await createLibp2p({
    transports: [webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify() }
  })
  nodes.push(node)
  try {
    await node.dial(target, { signal: AbortSignal.timeout(30_000) })
  } catch (error) {
    firstError ??= error instanceof Error ? error.message : String(error)
  }
  return node
}

for (let started = 0; started < count; started += DIALS_AT_ONCE) {
  await Promise.all(Array.from({ length: Math.min(DIALS_AT_ONCE, count - started) }, peer))
}
const held = nodes.filter((node) => node.getConnections().some((connection) => connection.remoteAddr.toString().includes('/p2p-circuit'))).length
process.stdout.write(`${JSON.stringify({ held, rssBytes: process.memoryUsage().rss, firstError })}\n`)

process.once('SIGTERM', () => {
  void Promise.allSettled(nodes.map(async (node) => { await node.stop() })).then(() => process.exit(0))
})

/**
 * A child process of the relay capacity benchmark: starts `count` minimal
 * libp2p peers (WebSockets, noise, yamux, identify, circuit-relay listener),
 * each dialling the relay and holding a circuit-relay reservation, as a
 * verifier or a contributing tab does. Prints one JSON line when all hold
 * one (`{"reserved":n,"setupMs":[...]}`), then keeps them until SIGTERM.
 *
 *   tsx bench/reservation-client.ts <relay-multiaddr> <count>
 */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import type { Libp2p } from '@libp2p/interface'

/** Peers connecting at once: enough to keep the relay busy, few enough not to measure this process's own queue. */
const CONCURRENCY = 8
const RESERVATION_TIMEOUT_MS = 60_000

const [relayAddress, countText] = process.argv.slice(2)
const count = Number(countText)
if (relayAddress === undefined || !Number.isSafeInteger(count) || count < 1) {
  console.error('usage: reservation-client.ts <relay-multiaddr> <count>')
  process.exit(2)
}
const relay = multiaddr(relayAddress)
const relayPeer = relay.getComponents().find((component) => component.name === 'p2p')?.value
const peers: Libp2p[] = []

/** Starts one peer and resolves with the ms from start until it listens through the relay. */
async function reservingPeer (): Promise<number> {
  const started = performance.now()
  const node = await createLibp2p({
    transports: [webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    addresses: { listen: ['/p2p-circuit'] },
    // The relay is on loopback, which libp2p would otherwise refuse to dial.
    connectionGater: { denyDialMultiaddr: () => false }
  })
  peers.push(node)
  const reserved = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`no reservation within ${RESERVATION_TIMEOUT_MS} ms`)) }, RESERVATION_TIMEOUT_MS)
    const check = (): void => {
      if (node.getMultiaddrs().some((address) => address.toString().includes(`/p2p/${relayPeer}/p2p-circuit`))) {
        clearTimeout(timer)
        node.removeEventListener('self:peer:update', check)
        resolve()
      }
    }
    node.addEventListener('self:peer:update', check)
  })
  await node.dial(relay)
  await reserved
  return performance.now() - started
}

const setupMs: number[] = []
let next = 0
await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
  while (next < count) {
    next++
    setupMs.push(await reservingPeer())
  }
}))
console.log(JSON.stringify({ reserved: setupMs.length, setupMs: setupMs.map((ms) => Math.round(ms)) }))

process.on('SIGTERM', () => {
  void Promise.allSettled(peers.map(async (peer) => { await peer.stop() })).then(() => process.exit(0))
})

/**
 * A peer opening streams at a verifier as fast as it can, against a real
 * relay and verifier: past its protocol's burst, streams are reset unread,
 * and another peer is served as before. A libp2p client in this test
 * process reaches the verifier through the relay's circuit.
 */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { lpStream } from '@libp2p/utils'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { expect, test } from '@playwright/test'
import { BOOTSTRAP_PATH, parseBootstrap, PROBE_PROTOCOL } from '#protocol'
import { createShoalNode } from '#server'
import { VERIFIER_STREAM_RATES } from '../../gpu-node/src/stream-rates.ts'
import { readMetrics } from '../support/metrics.ts'
import { startGpuNode, startRelay, waitFor } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'
import type { Libp2p } from '@libp2p/interface'

const running: ShoalProcess[] = []
const clients: Libp2p[] = []

test.afterEach(async () => {
  await Promise.all(clients.splice(0).map(async (client) => { await client.stop() }))
  await Promise.all(running.splice(0).map(async (process) => { await process.stop() }))
})

async function client (): Promise<Libp2p> {
  const node = await createShoalNode({
    privateKey: await generateKeyPair('Ed25519'),
    transports: [webSockets(), circuitRelayTransport()],
    connectionGater: { denyDialMultiaddr: () => false }
  })
  clients.push(node)
  await node.start()
  return node
}

/** Opens a probe stream and has one message echoed; false when the verifier resets it. */
async function probeOnce (node: Libp2p, address: string): Promise<boolean> {
  try {
    const stream = await node.dialProtocol(multiaddr(address), PROBE_PROTOCOL, { runOnLimitedConnection: true, signal: AbortSignal.timeout(10_000) })
    const probes = lpStream(stream)
    const bytes = new TextEncoder().encode('ping')
    await probes.write(bytes, { signal: AbortSignal.timeout(5_000) })
    const echoed = (await probes.read({ signal: AbortSignal.timeout(5_000) })).subarray()
    await stream.close()
    return echoed.length === bytes.length
  } catch {
    return false
  }
}

test('a peer opening probe streams past its budget has the excess reset unread; another peer is served as before', async () => {
  test.setTimeout(90_000)
  const relay = await startRelay()
  running.push(relay)
  const verifier = await startGpuNode({ relayUrl: relay.url, extraArgs: ['--threads', '1'] })
  running.push(verifier)
  const health = await waitFor('the verifier to hold its reservation', async () => {
    const current = await (await fetch(`${verifier.url}/health`)).json() as { relay: string, peerId: string }
    return current.relay === 'connected' ? current : undefined
  }, 30_000)
  const bootstrap = parseBootstrap(await (await fetch(`${relay.url}${BOOTSTRAP_PATH}`)).json())
  const address = `${bootstrap.multiaddrs[0] ?? ''}/p2p-circuit/p2p/${health.peerId}`

  const flooder = await client()
  const results = await Promise.all(Array.from({ length: 60 }, async () => probeOnce(flooder, address)))
  const served = results.filter(Boolean).length
  const { burst } = VERIFIER_STREAM_RATES[PROBE_PROTOCOL] ?? { burst: 0 }
  expect(served).toBeGreaterThanOrEqual(burst)
  // The burst, and what the rate refilled while the flood went on (a few seconds at most).
  expect(served).toBeLessThan(60)
  // Refused by the budget; a few more may fail on libp2p's own limit of streams open at once.
  const refused = (await readMetrics(verifier.url)).get(`shoal_gpu_node_streams_refused_total{protocol="${PROBE_PROTOCOL}"}`) ?? 0
  expect(refused).toBeGreaterThan(0)
  expect(refused).toBeLessThanOrEqual(60 - served)

  const honest = await client()
  expect(await probeOnce(honest, address)).toBe(true)
  expect(verifier.child.exitCode).toBeNull()
})

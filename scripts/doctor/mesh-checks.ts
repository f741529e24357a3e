import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { ANNOUNCE_INTERVAL_MS, ANNOUNCE_TOPIC, MAX_PROBE_BYTES, PROBE_PROTOCOL, PROBE_READ_TIMEOUT_MS, PeerRole, decodeAnnouncement, relayMultiaddrForOrigin } from '#protocol'
import type { Announcement, Bootstrap } from '#protocol'
import { createShoalNode, joinAnnounceTopic } from '#server'
import { describeError, failed, passed, skipped } from './report.ts'
import type { CheckResult } from './report.ts'

/** How long to listen for verifiers' announcements: a few of their announcing rounds. */
const LISTEN_MS = 3 * ANNOUNCE_INTERVAL_MS + 1_000
const DIAL_TIMEOUT_MS = 10_000
/** Verifiers probed, at most: a big mesh is not the doctor's to walk. */
const MAX_PROBED = 3

/**
 * The mesh as a page meets it: a libp2p node of the doctor's own joins the
 * relay over its WebSocket (wss behind https), listens on gossip for
 * verifiers' announcements, and reaches each one (up to three) through the
 * relay's circuit with the probe protocol, the way a page first reaches a
 * verifier behind a NAT.
 */
export async function checkMesh (origin: string, bootstrap: Bootstrap): Promise<CheckResult[]> {
  const relayAddress = relayMultiaddrForOrigin(origin, bootstrap)
  const joinName = `${new URL(origin).protocol === 'https:' ? 'wss' : 'WebSocket'} to the relay`
  const node = await createShoalNode({
    privateKey: await generateKeyPair('Ed25519'),
    transports: [webSockets(), circuitRelayTransport()],
    // A relay on a LAN or loopback address is what a self-hoster may be checking.
    connectionGater: { denyDialMultiaddr: () => false }
  })
  await node.start()
  try {
    const heard = new Map<string, Announcement>()
    joinAnnounceTopic(node.services.pubsub)
    node.services.pubsub.addEventListener('message', (event) => {
      if (event.detail.topic !== ANNOUNCE_TOPIC || event.detail.type !== 'signed') return
      try {
        const announcement = decodeAnnouncement(event.detail.data)
        if (announcement.role === PeerRole.VERIFIER) heard.set(event.detail.from.toString(), announcement)
      } catch {
        // A malformed announcement is the relay's to drop; the doctor just does not count it.
      }
    })
    const started = performance.now()
    try {
      await node.dial(multiaddr(relayAddress), { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
    } catch (err) {
      return [
        failed(joinName, `cannot join at ${relayAddress}: ${describeError(err)}. A proxy in front of the relay must pass WebSocket upgrades through`),
        skipped('verifiers announced', 'the mesh')
      ]
    }
    const results = [passed(joinName, `joined the mesh in ${Math.round(performance.now() - started)} ms`)]
    await new Promise((resolve) => setTimeout(resolve, LISTEN_MS))
    if (heard.size === 0) {
      results.push(failed('verifiers announced', `none in ${Math.round(LISTEN_MS / 1000)} s: pages will have no one to chat with. Start gpu-node with --relay ${origin}, and check its log for "joined the mesh"`))
      return results
    }
    const list = [...heard].map(([peerId, announcement]) => `…${peerId.slice(-8)} (${announcement.model || 'no model'}, ${announcement.queueDepth} queued / ${announcement.capacity} slots)`)
    results.push(passed('verifiers announced', `${heard.size}: ${list.join(', ')}`))
    for (const peerId of [...heard.keys()].slice(0, MAX_PROBED)) {
      results.push(await probeVerifier(node, relayAddress, peerId))
    }
    return results
  } finally {
    await node.stop()
  }
}

/** One probe round trip to a verifier through the relay's circuit (its reservation). */
async function probeVerifier (node: Awaited<ReturnType<typeof createShoalNode>>, relayAddress: string, peerId: string): Promise<CheckResult> {
  const name = `verifier …${peerId.slice(-8)} reachable`
  try {
    const signal = AbortSignal.timeout(DIAL_TIMEOUT_MS)
    // Through the relay, as a page first reaches it (a direct connection is the page's upgrade to WebRTC).
    await node.dial(multiaddr(`${relayAddress}/p2p-circuit/p2p/${peerId}`), { signal })
    const stream = await node.dialProtocol(peerIdFromString(peerId), PROBE_PROTOCOL, { signal, runOnLimitedConnection: true })
    const messages = lpStream(stream, { maxDataLength: MAX_PROBE_BYTES })
    const payload = new Uint8Array(64).fill(7)
    const started = performance.now()
    await messages.write(payload, { signal: AbortSignal.timeout(PROBE_READ_TIMEOUT_MS) })
    const reply = await messages.read({ signal: AbortSignal.timeout(PROBE_READ_TIMEOUT_MS) })
    const ms = performance.now() - started
    await stream.close()
    if (reply.byteLength !== payload.byteLength) return failed(name, 'its probe reply is not an echo: is it a Shoal verifier?')
    return passed(name, `through the relay's circuit: probe round trip ${ms.toFixed(0)} ms`)
  } catch (err) {
    return failed(name, `announced, but not reachable through the relay: ${describeError(err)}. It may have lost its reservation; its log says whether it is connected to the relay`)
  }
}

import { RTCPeerConnection } from 'node-datachannel/polyfill'
import { stunBindingRequest } from './stun-binding.ts'
import type { Bootstrap } from '#protocol'
import { forNodeDatachannel } from '../../gpu-node/src/relay-ice-servers.ts'
import { describeError, failed, passed } from './report.ts'
import type { CheckResult } from './report.ts'

/** How long gathering may take for one server: a TURN allocation is two round trips. */
const GATHER_TIMEOUT_MS = 10_000

type IceServer = NonNullable<Bootstrap['iceServers']>[number]

/** One check per STUN/TURN URL the relay hands out, each with a peer connection of its own, so a failure names its server. */
export async function checkIceServers (servers: readonly IceServer[]): Promise<CheckResult[]> {
  const results: CheckResult[] = []
  for (const server of servers) {
    for (const url of typeof server.urls === 'string' ? [server.urls] : server.urls) {
      results.push(url.startsWith('stun:') ? await checkStun(url) : await checkTurn(url, server))
    }
  }
  return results
}

/**
 * A STUN server answers a binding request with this host's public address.
 * Asked directly over UDP, not by gathering candidates: an ICE agent drops a
 * server-reflexive candidate equal to a host one, so on a host with a
 * public address (the relay's own VPS) gathering would look like no answer.
 */
async function checkStun (url: string): Promise<CheckResult> {
  const name = `STUN ${url}`
  try {
    const mapped = await stunBindingRequest(url)
    if (mapped === undefined) return failed(name, `no answer within ${GATHER_TIMEOUT_MS / 1000} s: is coturn running, and UDP port ${portOf(url)} open to it?`)
    return passed(name, `answers: this host's public address is ${mapped}`)
  } catch (err) {
    return failed(name, describeError(err))
  }
}

/**
 * A TURN server gives this host an allocation with the credentials the
 * relay minted: the relay and coturn share their secret, and coturn's
 * relay ports are open.
 */
async function checkTurn (url: string, server: IceServer): Promise<CheckResult> {
  const name = `TURN ${url}`
  if (server.username === undefined || server.credential === undefined) {
    return failed(name, 'handed out without credentials: start the relay with --turn-secret-file (coturn\'s static-auth-secret)')
  }
  try {
    const candidates = await gather({ iceServers: [forNodeDatachannel({ urls: url, username: server.username, credential: server.credential })], iceTransportPolicy: 'relay' })
    const relayed = candidates.find((candidate) => candidate.type === 'relay')
    if (relayed === undefined) {
      return failed(name, `no allocation within ${GATHER_TIMEOUT_MS / 1000} s: coturn unreachable on port ${portOf(url)}, or it refused the relay's credentials (its static-auth-secret must be the relay's --turn-secret-file, and both clocks right: the username carries an expiry time)`)
    }
    return passed(name, `allocation made with the relay's credentials: relayed address ${relayed.address}`)
  } catch (err) {
    return failed(name, describeError(err))
  }
}

interface Candidate {
  type: string
  address: string
}

/** Gathers this host's ICE candidates with `configuration`, until gathering completes or the deadline. */
async function gather (configuration: RTCConfiguration): Promise<Candidate[]> {
  const connection = new RTCPeerConnection(configuration)
  try {
    const complete = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, GATHER_TIMEOUT_MS)
      connection.onicegatheringstatechange = () => {
        if (connection.iceGatheringState === 'complete') {
          clearTimeout(timer)
          resolve()
        }
      }
    })
    // Gathering starts with a local description; a data channel gives it something to negotiate.
    connection.createDataChannel('doctor')
    await connection.setLocalDescription(await connection.createOffer())
    await complete
    // Read from the description, not candidate events: node-datachannel reports the last
    // candidate after the gathering state has already said "complete".
    const sdp = connection.localDescription?.sdp ?? ''
    return sdp.split(/\r?\n/).filter((line) => line.startsWith('a=candidate:')).flatMap((line) => parseCandidate(line) ?? [])
  } finally {
    connection.close()
  }
}

/** `candidate:1 1 UDP 2122317823 192.0.2.7 58000 typ srflx …` → `{ type: 'srflx', address: '192.0.2.7:58000' }`. */
function parseCandidate (line: string): Candidate | undefined {
  const fields = line.replace(/^a=/, '').split(/\s+/)
  const typeIndex = fields.indexOf('typ')
  if (typeIndex < 0 || fields.length < 6) return undefined
  return { type: fields[typeIndex + 1] ?? '', address: `${fields[4] ?? ''}:${fields[5] ?? ''}` }
}

function portOf (url: string): string {
  return /:(\d+)(?:\?|$)/.exec(url)?.[1] ?? '3478'
}

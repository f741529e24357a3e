import type { Connection } from '@libp2p/interface'

/**
 * How a WebRTC connection's packets travel: straight between the two peers
 * (host, server-reflexive or peer-reflexive candidates), or through a TURN
 * server (either end of the selected pair is a `relay` candidate).
 */
export type WebRTCPath = 'direct' | 'turn'

export const WEBRTC_PATH_LABELS: Record<WebRTCPath, string> = {
  direct: 'direct WebRTC',
  turn: 'TURN-relayed WebRTC'
}

/** The fields of an RTCStatsReport entry this reads; plain objects, as `getStats()` yields them. */
export type StatsEntry = Record<string, unknown> & { id: string, type: string }

/**
 * The path of the selected candidate pair in a peer connection's stats, or
 * undefined while none is selected. Chromium names the pair on the
 * `transport` entry; Firefox has no such field and marks the pair itself
 * (`selected`, or nominated and succeeded).
 */
export function selectedPairPath (entries: Iterable<StatsEntry>): WebRTCPath | undefined {
  const byId = new Map<string, StatsEntry>()
  for (const entry of entries) {
    byId.set(entry.id, entry)
  }
  const all = [...byId.values()]
  const transport = all.find((entry) => entry.type === 'transport' && typeof entry.selectedCandidatePairId === 'string')
  const pair = transport === undefined
    ? all.find((entry) => entry.type === 'candidate-pair' && (entry.selected === true || (entry.nominated === true && entry.state === 'succeeded')))
    : byId.get(String(transport.selectedCandidatePairId))
  if (pair === undefined) {
    return undefined
  }
  const local = byId.get(String(pair.localCandidateId))
  const remote = byId.get(String(pair.remoteCandidateId))
  if (local === undefined && remote === undefined) {
    return undefined
  }
  return local?.candidateType === 'relay' || remote?.candidateType === 'relay' ? 'turn' : 'direct'
}

/**
 * The RTCPeerConnection under a libp2p WebRTC connection. @libp2p/webrtc
 * keeps it on the connection's multiaddr connection (`maConn.peerConnection`),
 * which libp2p's types do not name: read it as an optional field, so another
 * transport (or a later libp2p without it) gives undefined, not an error.
 */
export function peerConnectionOf (connection: Connection): RTCPeerConnection | undefined {
  const peerConnection = (connection as unknown as { maConn?: { peerConnection?: unknown } }).maConn?.peerConnection
  return typeof (peerConnection as RTCPeerConnection | undefined)?.getStats === 'function' ? peerConnection as RTCPeerConnection : undefined
}

/** The path a WebRTC connection uses now, from its peer connection's stats; undefined when unknown. */
export async function webRTCPath (connection: Connection): Promise<WebRTCPath | undefined> {
  const peerConnection = peerConnectionOf(connection)
  if (peerConnection === undefined || peerConnection.connectionState !== 'connected') {
    return undefined
  }
  const entries: StatsEntry[] = []
  ;(await peerConnection.getStats()).forEach((entry: StatsEntry) => { entries.push(entry) })
  return selectedPairPath(entries)
}

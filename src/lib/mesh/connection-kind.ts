import type { Connection } from '@libp2p/interface'

/** How a connection reaches its peer, as the network page shows it. */
export type ConnectionKind = 'webrtc' | 'relayed' | 'websocket' | 'other'

export const CONNECTION_KIND_LABELS: Record<ConnectionKind, string> = {
  // Direct or through TURN: /network reads which from the peer connection (webrtc-path.ts).
  webrtc: 'WebRTC',
  relayed: 'circuit (through the relay)',
  websocket: 'WebSocket',
  other: 'other'
}

/**
 * Classifies a connection. A relayed connection is `limited` (the relay caps
 * its time and bytes); a direct WebRTC one has no limits and a `/webrtc`
 * address with nothing relayed after it.
 */
export function connectionKind (connection: Pick<Connection, 'limits' | 'remoteAddr'>): ConnectionKind {
  if (connection.limits != null) {
    return 'relayed'
  }
  const address = connection.remoteAddr.toString()
  if (address.includes('/webrtc')) {
    return 'webrtc'
  }
  if (address.includes('/p2p-circuit')) {
    return 'relayed'
  }
  if (address.includes('/ws') || address.includes('/wss')) {
    return 'websocket'
  }
  return 'other'
}

/** Best connection to show for a peer: direct beats WebSocket beats relayed. */
export function preferredConnection<T extends Pick<Connection, 'limits' | 'remoteAddr' | 'status'>> (connections: T[]): T | undefined {
  const rank: Record<ConnectionKind, number> = { webrtc: 0, websocket: 1, other: 2, relayed: 3 }
  return connections
    .filter((connection) => connection.status === 'open')
    .sort((a, b) => rank[connectionKind(a)] - rank[connectionKind(b)])[0]
}

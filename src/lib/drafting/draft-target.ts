import { PeerRole } from '#protocol'
import type { Connection } from '@libp2p/interface'
import { preferredConnection } from '../mesh/connection-kind.ts'
import type { ConnectionKind } from '../mesh/connection-kind.ts'
import { waitForPeer } from '../mesh/wait-for-peer.ts'
import type { PeerEvents } from '../mesh/wait-for-peer.ts'

/** The part of the mesh a drafter looks at (the page's `MeshNode` is one). */
export interface DraftingMesh extends PeerEvents {
  readonly peers: ReadonlyArray<{ peerId: string, role: PeerRole, tokenizerFingerprint: string, connection: ConnectionKind | 'none' }>
  readonly node: { getConnections: () => Connection[] } | undefined
}

/** A verifier to draft for, and the direct connection to open the draft stream on. */
export interface DraftTarget {
  peerId: string
  connection: Connection
}

/**
 * A verifier whose model has this tokenizer, not in `refused`, reached over
 * a direct (not relayed) connection: drafting needs a fast link, and relays
 * limit their connections' time and bytes.
 */
export function pickDraftTarget (mesh: DraftingMesh, fingerprint: string, refused: ReadonlySet<string>): DraftTarget | undefined {
  const node = mesh.node
  if (node === undefined) {
    return undefined
  }
  for (const peer of mesh.peers) {
    if (peer.role !== PeerRole.VERIFIER || peer.tokenizerFingerprint !== fingerprint || refused.has(peer.peerId) || peer.connection !== 'webrtc') {
      continue
    }
    const connection = preferredConnection(node.getConnections().filter((candidate) => candidate.remotePeer.toString() === peer.peerId && candidate.limits == null))
    if (connection !== undefined) {
      return { peerId: peer.peerId, connection }
    }
  }
  return undefined
}

/** Whether a verifier with this tokenizer (not in `refused`) is on the mesh, directly connected or not. */
export function hasDraftableVerifier (mesh: Pick<DraftingMesh, 'peers'>, fingerprint: string, refused: ReadonlySet<string>): boolean {
  return mesh.peers.some((peer) => peer.role === PeerRole.VERIFIER && peer.tokenizerFingerprint === fingerprint && !refused.has(peer.peerId))
}

/**
 * Resolves with a draft target as soon as there is one: at once, or on the
 * mesh's `peers` event that brings it (a verifier announcing, a direct
 * connection opening). No timer runs meanwhile, so a background tab starts
 * drafting the moment a verifier turns up. Resolves undefined once `signal`
 * aborts (contributing stopped).
 */
export async function waitForDraftTarget (mesh: DraftingMesh, fingerprint: string, refused: ReadonlySet<string>, options: { signal: AbortSignal }): Promise<DraftTarget | undefined> {
  return waitForPeer(mesh, () => pickDraftTarget(mesh, fingerprint, refused), options)
}

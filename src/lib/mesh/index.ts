/**
 * The page's mesh node: one per page, started on first use.
 *
 * @example
 * ```ts
 * import { meshNode, waitForPeer } from '$lib/mesh'
 * import { pickVerifier } from '$lib/chat'
 *
 * const mesh = meshNode()           // starts connecting to the relay that served the page
 * $effect(() => console.log(mesh.relay.state, mesh.peers.length))
 * // Outside components: wait on the mesh's peer events, with a deadline, rather than polling.
 * const verifier = await waitForPeer(mesh, () => pickVerifier(mesh.peers), { signal: AbortSignal.timeout(8_000) })
 * ```
 */
import { MeshNode } from './mesh-node.svelte.ts'

export { MeshNode } from './mesh-node.svelte.ts'
export type { MeshStatus, PeerView, RelayState, RelayView } from './mesh-node.svelte.ts'
export { CONNECTION_KIND_LABELS, preferredConnection } from './connection-kind.ts'
export type { ConnectionKind } from './connection-kind.ts'
export { WEBRTC_PATH_LABELS, webRTCPath } from './webrtc-path.ts'
export type { WebRTCPath } from './webrtc-path.ts'
export { measureRoundTrips, median } from './probe.ts'
export { waitForPeer } from './wait-for-peer.ts'
export type { PeerEvents } from './wait-for-peer.ts'

let instance: MeshNode | undefined

/** The page's mesh node, created and started on first call. */
export function meshNode (): MeshNode {
  if (instance === undefined) {
    const node = new MeshNode()
    instance = node
    node.start().catch((err: unknown) => {
      console.error('Shoal: the mesh node failed to start', err)
    })
  }
  return instance
}

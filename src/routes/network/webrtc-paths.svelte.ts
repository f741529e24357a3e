/**
 * Which way each WebRTC link's packets go (direct, or through TURN), read
 * from its peer connection's selected candidate pair. `getStats()` is not
 * free, so this polls only while /network is open, every few seconds.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { preferredConnection, webRTCPath } from '$lib/mesh'
import type { MeshNode, WebRTCPath } from '$lib/mesh'

/** How often each WebRTC link's stats are read. */
export const WEBRTC_PATH_POLL_MS = 3000

export class WebRTCPaths {
  /** Peer id to path, for the peers reached over WebRTC whose pair is known. */
  paths = $state.raw<Record<string, WebRTCPath>>({})

  readonly #mesh: MeshNode

  constructor (mesh: MeshNode) {
    this.#mesh = mesh
  }

  /** Polls until the returned function is called (a component's `$effect` cleanup). */
  start (): () => void {
    let stopped = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const poll = async (): Promise<void> => {
      await this.read().catch((err: unknown) => { console.warn('Shoal: reading WebRTC stats failed:', err) })
      if (!stopped) timer = setTimeout(() => { void poll() }, WEBRTC_PATH_POLL_MS)
    }
    void poll()
    return () => {
      stopped = true
      clearTimeout(timer)
    }
  }

  async read (): Promise<void> {
    const node = this.#mesh.node
    if (node === undefined) return
    const paths: Record<string, WebRTCPath> = {}
    await Promise.all(this.#mesh.peers.filter((peer) => peer.connection === 'webrtc').map(async (peer) => {
      const connection = preferredConnection(node.getConnections(peerIdFromString(peer.peerId)))
      const path = connection === undefined ? undefined : await webRTCPath(connection)
      if (path !== undefined) paths[peer.peerId] = path
    }))
    this.paths = paths
  }
}

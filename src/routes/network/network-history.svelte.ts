/**
 * What /network plots: round-trip times (to the relay and to each connected
 * peer) and each verifier's load (queued answers over its slots, in %),
 * sampled every few seconds from the mesh node's state. One per page life,
 * so the history survives navigating away and back; bounded to the last ten
 * minutes.
 */
import { meshNode } from '$lib/mesh'
import type { MeshNode } from '$lib/mesh'
import { RollingHistory } from '$lib/ui/rolling-history'
import type { HistoryColumns } from '$lib/ui/rolling-history'
import { PeerRole } from '#protocol'

/** How often a sample is taken. */
export const NETWORK_SAMPLE_MS = 2000
const WINDOW_MS = 10 * 60_000

function shortId (peerId: string): string {
  return `…${peerId.slice(-6)}`
}

export class NetworkHistory {
  roundTrips = $state.raw<HistoryColumns>({ times: [], series: [] })
  verifierLoad = $state.raw<HistoryColumns>({ times: [], series: [] })

  readonly #mesh: MeshNode
  readonly #roundTrips = new RollingHistory({ windowMs: WINDOW_MS, maxSamples: WINDOW_MS / NETWORK_SAMPLE_MS })
  readonly #verifierLoad = new RollingHistory({ windowMs: WINDOW_MS, maxSamples: WINDOW_MS / NETWORK_SAMPLE_MS })
  #timer: ReturnType<typeof setInterval> | undefined

  constructor (mesh: MeshNode) {
    this.#mesh = mesh
  }

  /** Starts sampling (once; it goes on for the page's life: a sample is a few numbers). */
  start (): void {
    if (this.#timer !== undefined) return
    this.sample()
    this.#timer = setInterval(() => { this.sample() }, NETWORK_SAMPLE_MS)
  }

  /** Takes one sample now. */
  sample (now = Date.now()): void {
    const rtts: Record<string, number | undefined> = { relay: this.#mesh.relay.rttMs }
    const load: Record<string, number | undefined> = {}
    for (const peer of this.#mesh.peers) {
      const role = peer.role === PeerRole.VERIFIER ? 'verifier' : 'browser'
      if (peer.connection !== 'none' && peer.rttMs !== undefined) rtts[`${role} ${shortId(peer.peerId)}`] = peer.rttMs
      if (peer.role === PeerRole.VERIFIER) load[`${peer.model || 'verifier'} ${shortId(peer.peerId)}`] = peer.queueDepth
    }
    this.#roundTrips.push(now, rtts)
    this.#verifierLoad.push(now, load)
    this.roundTrips = this.#roundTrips.columns()
    this.verifierLoad = this.#verifierLoad.columns()
  }
}

let instance: NetworkHistory | undefined

/** The page's one network history. */
export function networkHistory (): NetworkHistory {
  instance ??= new NetworkHistory(meshNode())
  return instance
}

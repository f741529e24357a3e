import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { MAX_CIRCUITS_PER_RESERVATION, RELAYS_HELD } from '#protocol'
import { createShoalNode } from '#server'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import type { ShoalServices } from '#server'

/** Connections past the circuits: WebRTC upgrades still beside their circuit, relays, drafters. */
export const CONNECTION_HEADROOM = 256

export type GpuNodeLibp2p = Libp2p<ShoalServices>

export interface GpuNodeInit {
  privateKey: PrivateKey
  /**
   * STUN/TURN servers for WebRTC.
   *
   * @default []
   */
  iceServers?: RTCIceServer[]
  /** Called for each new WebRTC peer connection (fresh TURN credentials); wins over `iceServers`. */
  rtcConfiguration?: () => Promise<RTCConfiguration>
}

/**
 * Creates, but does not start (see `shoalNodeService`), the verifier's
 * libp2p node. It dials the relay over WebSockets, listens through it
 * (`/p2p-circuit`) so browsers can reach it, and upgrades those relayed,
 * limited connections to direct WebRTC (`/webrtc`).
 */
export async function createGpuNode (init: GpuNodeInit): Promise<GpuNodeLibp2p> {
  return createShoalNode({
    privateKey: init.privateKey,
    transports: [
      webSockets(),
      // circuit-relay-v2 takes 300 circuits (stop streams) per relay connection by default: a verifier behind one
      // relay would turn page 301 away. Shoal's relays open up to as many as are allowed here.
      circuitRelayTransport({ maxInboundStopStreams: MAX_CIRCUITS_PER_RESERVATION }),
      webRTC({ rtcConfiguration: init.rtcConfiguration ?? { iceServers: init.iceServers ?? [] } })
    ],
    // One reservation per `/p2p-circuit`: on each of two relays (see relay-set.ts).
    listen: [...Array.from({ length: RELAYS_HELD }, () => '/p2p-circuit'), '/webrtc'],
    connectionManager: {
      // Every relayed connection (and so every WebRTC upgrade signalled
      // through it) arrives from the relay's address: libp2p's default of 5
      // new inbound connections per second per host would throttle all
      // browsers together, not one noisy peer.
      inboundConnectionThreshold: 1000,
      // libp2p prunes past 300 by default: every page arrives as a circuit first, so room for a full relay's worth
      // of them and then some for direct WebRTC upgrades, relays and drafters, before the oldest are closed.
      maxConnections: MAX_CIRCUITS_PER_RESERVATION + CONNECTION_HEADROOM,
      maxIncomingPendingConnections: 256
    },
    connectionGater: {
      // Relays and browsers on a LAN or loopback are normal for Shoal; libp2p would refuse to dial them.
      denyDialMultiaddr: () => false
    }
  })
}

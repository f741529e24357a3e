import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { gossipsub } from '@libp2p/gossipsub'
import type { GossipSub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Identify } from '@libp2p/identify'
import type { PrivateKey } from '@libp2p/interface'
import { noise } from '@libp2p/noise'
import { pagePing } from './page-ping.ts'
import type { Ping } from '@libp2p/ping'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import type { Libp2p } from 'libp2p'
import { RELAYS_HELD, gossipsubInit, installTopicValidators } from '#protocol'

// A type alias, not an interface: libp2p's ServiceMap needs an index signature.
export type BrowserNodeServices = {
  identify: Identify
  ping: Ping
  pubsub: GossipSub
}

export type BrowserNode = Libp2p<BrowserNodeServices>

export interface BrowserNodeInit {
  privateKey: PrivateKey
  /**
   * ICE servers for WebRTC. Empty means host candidates only, which is what
   * a local mesh or an offline test network needs.
   *
   * @default []
   */
  iceServers?: RTCIceServer[]
  /**
   * Called for each new WebRTC peer connection, so short-lived TURN
   * credentials can be refreshed; wins over `iceServers`.
   */
  rtcConfiguration?: () => Promise<RTCConfiguration>
}

/**
 * Creates (without starting) the page's libp2p node: WebSockets to reach the
 * relay, circuit-relay-v2 for signalling, and direct WebRTC to other peers.
 * WebRTC is not available in workers, so this node lives in the page.
 */
export async function createBrowserNode (init: BrowserNodeInit): Promise<BrowserNode> {
  const node = await createLibp2p({
    privateKey: init.privateKey,
    start: false,
    addresses: {
      // Reserve a slot on each of two relays (one per `/p2p-circuit`), and accept WebRTC upgrades through them.
      listen: [...Array.from({ length: RELAYS_HELD }, () => '/p2p-circuit'), '/webrtc']
    },
    transports: [
      webSockets(),
      webRTC({ rtcConfiguration: init.rtcConfiguration ?? { iceServers: init.iceServers ?? [] } }),
      circuitRelayTransport()
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: {
      // Browsers refuse private and plain ws:// addresses by default; a local
      // relay is exactly that, and pages only dial addresses the mesh announced.
      denyDialMultiaddr: () => false
    },
    services: {
      identify: identify(),
      // Room for the page's round-trip probe beside libp2p's connection monitor (see page-ping.ts).
      ping: pagePing(),
      pubsub: gossipsub(gossipsubInit())
    }
  })
  installTopicValidators(node.services.pubsub)
  return node
}

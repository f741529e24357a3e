import { gossipsub } from '@libp2p/gossipsub'
import { identify, identifyPush } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { ANNOUNCE_TOPIC, gossipsubInit, installTopicValidators } from '#protocol'
import type { GossipPolice } from './gossip-police.ts'
import type { GossipSub, GossipsubOpts } from '@libp2p/gossipsub'
import type { Identify, IdentifyPush } from '@libp2p/identify'
import type { ConnectionGater, Libp2p, PrivateKey, ServiceMap } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'
import type { ConnectionManagerInit, Libp2pOptions, ServiceFactoryMap } from 'libp2p'
import type { Startable } from './services.ts'

/** Services every Shoal Node process runs. `pubsub` is the name pubsub peer discovery looks for. */
export interface ShoalServices extends ServiceMap {
  identify: Identify
  identifyPush: IdentifyPush
  ping: Ping
  pubsub: GossipSub
}

export interface ShoalNodeInit<Extra extends ServiceMap> {
  /** The node's identity (see `loadOrCreateIdentityKey`). */
  privateKey: PrivateKey
  transports: NonNullable<Libp2pOptions['transports']>
  /**
   * Multiaddrs to listen on.
   *
   * @default []
   */
  listen?: string[]
  /** Multiaddrs to announce instead of the listen addresses (e.g. a public address in front of a proxy). */
  announce?: string[]
  connectionManager?: ConnectionManagerInit
  connectionGater?: ConnectionGater
  /** Services beyond {@link ShoalServices}, e.g. a circuit relay server. */
  services?: ServiceFactoryMap<Extra>
  /** Overrides on top of the protocol's `gossipsubInit()`. */
  gossipsub?: Partial<GossipsubOpts>
}

/**
 * Creates, but does not start, a libp2p node with the stack every Shoal
 * process shares: noise, yamux, identify, ping and gossipsub with the
 * protocol's settings. Not started, so callers can add listeners (e.g. for
 * `transport:listening`) before `start()`.
 */
export async function createShoalNode<Extra extends ServiceMap = Record<string, never>> (init: ShoalNodeInit<Extra>): Promise<Libp2p<ShoalServices & Extra>> {
  const shared: ServiceFactoryMap<ShoalServices> = {
    identify: identify(),
    identifyPush: identifyPush(),
    ping: ping(),
    pubsub: gossipsub(gossipsubInit(init.gossipsub))
  }
  // ServiceFactoryMap is a mapped type, so TypeScript cannot check the merge of two generic maps.
  const services = { ...shared, ...init.services } as ServiceFactoryMap<ShoalServices & Extra>
  return createLibp2p<ShoalServices & Extra>({
    start: false,
    privateKey: init.privateKey,
    addresses: {
      listen: init.listen ?? [],
      ...(init.announce == null ? {} : { announce: init.announce })
    },
    transports: init.transports,
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: init.connectionManager,
    connectionGater: init.connectionGater,
    services
  })
}

/**
 * Validates announcements and subscribes, so this node relays and receives
 * them; `police`, when given, hangs up on peers whose announcements keep
 * being rejected.
 */
export function joinAnnounceTopic (pubsub: GossipSub, police?: GossipPolice): void {
  installTopicValidators(pubsub, police === undefined ? {} : { onReject: police.strike })
  pubsub.subscribe(ANNOUNCE_TOPIC)
}

/** A Shoal node as one of its process's services: started, it joins the announce topic. */
export function shoalNodeService (node: Libp2p<ShoalServices>, police?: GossipPolice): Startable {
  return {
    start: async () => {
      await node.start()
      joinAnnounceTopic(node.services.pubsub, police)
    },
    stop: async () => { await node.stop() }
  }
}

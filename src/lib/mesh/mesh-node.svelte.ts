import type { Message } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { AGENT, ANNOUNCE_TOPIC, PeerRole, RelayOrigin, decodeAnnouncement } from '#protocol'
import type { Bootstrap } from '#protocol'
import { Announcer, IceServerCache, sleep } from '#mesh-common'
import { connectionKind, preferredConnection } from './connection-kind.ts'
import type { ConnectionKind } from './connection-kind.ts'
import { createBrowserNode } from './create-browser-node.ts'
import type { BrowserNode } from './create-browser-node.ts'
import { dialDirect } from './direct-dialer.ts'
import { loadPageIdentity } from './identity.ts'
import { PeerTable, shouldDial, webRTCDialAddresses } from './peer-table.ts'
import type { KnownPeer } from './peer-table.ts'
import { fetchRelayBootstrap } from './relay-bootstrap.ts'
import { RelayLink } from './relay-link.ts'
import type { RelayView } from './relay-link.ts'

/** How often the peer list, its round-trip times and expiry are refreshed. */
const REFRESH_INTERVAL_MS = 2_000
/** Deadline for one ping. */
const PING_TIMEOUT_MS = 3_000

export type MeshStatus = 'starting' | 'online' | 'stopped' | 'failed'
export type { RelayState, RelayView } from './relay-link.ts'

/** Where the mesh's other relays are remembered between page loads. */
const PEER_RELAYS_KEY = 'shoal:peer-relays'

export interface PeerView extends KnownPeer {
  connection: ConnectionKind | 'none'
  rttMs?: number
}

export interface MeshNodeInit {
  /** Origin of the relay to bootstrap from. @default the page's own origin */
  relayOrigin?: string
}

/**
 * The page's place in the mesh, as reactive state for the UI: it keeps a
 * connection (and a reservation) to the relay that served it and to another
 * relay of the mesh when there is one, reconnecting with backoff;
 * announces itself on gossip; learns peers from their announcements; and
 * upgrades to direct WebRTC with verifiers and, by peer id order, with other
 * pages, so traffic keeps flowing when the relay goes away.
 *
 * Code outside components waits on its `peers` event (fired whenever
 * `peers` is replaced; see `waitForPeer`) rather than polling the list.
 */
export class MeshNode extends EventTarget {
  status = $state<MeshStatus>('starting')
  error = $state<string | undefined>()
  peerId = $state<string | undefined>()
  /** The relay that served this page. */
  relay = $state.raw<RelayView>({ state: 'connecting' })
  /** Another relay of the mesh, when the first names any: reserved there too, the page outlives either. */
  secondRelay = $state.raw<RelayView | undefined>()
  peers = $state.raw<PeerView[]>([])
  /**
   * Announcements that reached this page but did not decode. The topic
   * validator rejects malformed gossip before delivery, so this stays 0
   * unless validation is broken.
   */
  undecodableAnnouncements = $state(0)
  /** This tab contributes drafts (announced, so the network page can show it). */
  drafting = $state(false)

  readonly #relayOrigin: string
  readonly #controller = new AbortController()
  readonly #table = new PeerTable()
  readonly #rttMs = new Map<string, number>()
  readonly #dialing = new Set<string>()
  /** STUN/TURN servers from the relay's bootstrap; TURN credentials are refetched before they expire. */
  readonly #iceServers: IceServerCache
  #node: BrowserNode | undefined
  #originLink: RelayLink | undefined
  #secondLink: RelayLink | undefined
  /** The mesh's other relays, from the bootstrap (or, until it answers, from the last page load). */
  #peerRelays: string[] = rememberedPeerRelays()

  constructor (init: MeshNodeInit = {}) {
    super()
    this.#relayOrigin = init.relayOrigin ?? location.origin
    this.#iceServers = new IceServerCache({ fetchBootstrap: async (signal) => fetchRelayBootstrap(this.#relayOrigin, signal) })
  }

  /** The running libp2p node, for protocols built on the mesh. */
  get node (): BrowserNode | undefined {
    return this.#node
  }

  async start (): Promise<void> {
    const signal = this.#controller.signal
    try {
      markOnce('shoal:mesh-start')
      const { privateKey } = await loadPageIdentity()
      markOnce('shoal:identity-loaded')
      const node = await createBrowserNode({ privateKey, rtcConfiguration: async () => this.#iceServers.rtcConfiguration() })
      this.#node = node
      this.peerId = node.peerId.toString()
      node.services.pubsub.addEventListener('message', (event) => { this.#onGossip(event.detail) })
      const announcer = new Announcer({
        pubsub: node.services.pubsub,
        describe: () => ({ role: PeerRole.BROWSER, agent: AGENT, addresses: dialableAddresses(node), drafting: this.drafting }),
        onError: (err) => { console.warn('Shoal: announcing failed:', describeError(err)) }
      })
      // A new reservation gives us new addresses: tell the mesh right away.
      // transport:listening fires the moment it is made; self:peer:update is
      // debounced by libp2p and comes about a second later.
      const onAddressesChanged = (): void => {
        this.#refreshRelay()
        announcer.announceSoon()
      }
      node.addEventListener('transport:listening', onAddressesChanged)
      node.addEventListener('self:peer:update', onAddressesChanged)
      signal.addEventListener('abort', () => { announcer.stop() }, { once: true })
      node.addEventListener('connection:open', () => { this.#refreshPeers() })
      node.addEventListener('connection:close', () => { this.#refreshPeers() })
      await node.start()
      markOnce('shoal:node-started')
      node.services.pubsub.subscribe(ANNOUNCE_TOPIC)
      this.status = 'online'
      announcer.start()
      this.#originLink = new RelayLink({
        node,
        origins: () => [this.#relayOrigin],
        onChange: (view) => {
          this.relay = view
          if (view.state === 'connected' || view.state === 'reserved') markOnce('shoal:relay-connected')
          if (view.state === 'reserved') markOnce('shoal:relay-reserved')
        },
        onBootstrap: (bootstrap) => {
          this.#iceServers.update(bootstrap)
          this.#learnPeerRelays(bootstrap)
        }
      })
      this.#secondLink = new RelayLink({
        node,
        origins: () => this.#peerRelays,
        onChange: (view) => { this.secondRelay = view }
      })
      void this.#originLink.run(signal)
      void this.#secondLink.run(signal)
      void this.#every(REFRESH_INTERVAL_MS, signal, async () => { await this.#refresh(node) })
    } catch (err) {
      this.status = 'failed'
      this.error = err instanceof Error ? err.message : String(err)
      throw err
    }
  }

  async stop (): Promise<void> {
    this.#controller.abort()
    await this.#node?.stop()
    this.status = 'stopped'
  }

  /** Remembers the mesh's other relays, so a reload while this page's relay is down still finds one. */
  #learnPeerRelays (bootstrap: Bootstrap): void {
    const others = (bootstrap.relays ?? []).filter((origin) => origin !== this.#relayOrigin)
    this.#peerRelays = others
    try {
      localStorage.setItem(PEER_RELAYS_KEY, JSON.stringify(others))
    } catch {
      // Storage may be unavailable (private mode, quota): the list is then known for this page's life only.
    }
  }

  #refreshRelay (): void {
    this.#originLink?.refresh()
    this.#secondLink?.refresh()
  }

  #onGossip (message: Message): void {
    if (message.topic !== ANNOUNCE_TOPIC || message.type !== 'signed') {
      return
    }
    const node = this.#node
    if (node === undefined) {
      return
    }
    let peerId: string
    try {
      peerId = message.from.toString()
      this.#table.update(peerId, decodeAnnouncement(message.data), Date.now())
    } catch (err) {
      // Stale ones can slip past the validator by aging in transit; anything else should not.
      if ((err as Error).name !== 'StaleMessageError') {
        this.undecodableAnnouncements++
      }
      return
    }
    const peer = this.#table.get(peerId)
    if (peer !== undefined && shouldDial(node.peerId.toString(), peer)) {
      this.#ensureDirect(node, peer)
    }
    this.#refreshPeers()
  }

  /** Starts a direct WebRTC dial to the peer unless one exists or is under way. */
  #ensureDirect (node: BrowserNode, peer: KnownPeer): void {
    const hasDirect = node.getConnections(peerIdFromString(peer.peerId)).some((connection) => connectionKind(connection) === 'webrtc' && connection.status === 'open')
    const addresses = webRTCDialAddresses(peer)
    if (hasDirect || this.#dialing.has(peer.peerId) || addresses.length === 0) {
      return
    }
    this.#dialing.add(peer.peerId)
    dialDirect(node, peerIdFromString(peer.peerId), addresses, { signal: this.#controller.signal })
      .then(() => {
        if (peer.role === PeerRole.VERIFIER) {
          markOnce('shoal:direct-verifier')
        }
      })
      .catch((err: unknown) => {
        console.warn(`Shoal: no direct connection to ${peer.peerId} yet:`, describeError(err))
      })
      .finally(() => {
        this.#dialing.delete(peer.peerId)
        this.#refreshPeers()
      })
  }

  async #refresh (node: BrowserNode): Promise<void> {
    for (const peerId of this.#table.expire(Date.now())) {
      this.#rttMs.delete(peerId)
    }
    const links = [this.#originLink, this.#secondLink].filter((link): link is RelayLink => link?.peerId !== undefined)
    const targets = [...this.#table.list().map((peer) => peer.peerId), ...links.map((link) => link.peerId?.toString() ?? '')]
    await Promise.all(targets.map(async (peerId) => {
      const id = peerIdFromString(peerId)
      if (node.getConnections(id).length === 0) {
        this.#rttMs.delete(peerId)
        return
      }
      try {
        this.#rttMs.set(peerId, await node.services.ping.ping(id, { signal: AbortSignal.timeout(PING_TIMEOUT_MS) }))
      } catch {
        this.#rttMs.delete(peerId)
      }
    }))
    for (const peer of this.#table.list()) {
      if (shouldDial(node.peerId.toString(), peer)) {
        this.#ensureDirect(node, peer)
      }
    }
    this.#refreshRelay()
    for (const link of links) {
      link.rttMs = this.#rttMs.get(link.peerId?.toString() ?? '')
    }
    this.#refreshPeers()
  }

  #refreshPeers (): void {
    const node = this.#node
    if (node === undefined) {
      return
    }
    this.peers = this.#table.list().map((peer) => {
      const connection = preferredConnection(node.getConnections(peerIdFromString(peer.peerId)))
      return {
        ...peer,
        connection: connection === undefined ? 'none' : connectionKind(connection),
        rttMs: this.#rttMs.get(peer.peerId)
      }
    })
    this.dispatchEvent(new Event('peers'))
  }

  async #every (intervalMs: number, signal: AbortSignal, task: () => Promise<void>): Promise<void> {
    while (!signal.aborted) {
      try {
        await task()
      } catch (err) {
        console.warn('Shoal: mesh task failed:', describeError(err))
      }
      await sleep(intervalMs, signal).catch(() => {})
    }
  }
}

/**
 * Records a milestone of this page load on the Performance timeline (as
 * `performance.getEntriesByName(name)`), once: `npm run bench` reads them.
 */
function markOnce (name: string): void {
  if (performance.getEntriesByName(name, 'mark').length === 0) {
    performance.mark(name)
  }
}

/** Our addresses that other peers can reach over WebRTC, signalled through the relay. */
function dialableAddresses (node: BrowserNode): string[] {
  return node.getMultiaddrs()
    .map((address) => address.toString())
    .filter((address) => address.includes('/p2p-circuit/webrtc'))
}

function rememberedPeerRelays (): string[] {
  try {
    const remembered: unknown = JSON.parse(localStorage.getItem(PEER_RELAYS_KEY) ?? '[]')
    return Array.isArray(remembered) ? remembered.filter((origin): origin is string => typeof origin === 'string' && RelayOrigin.safeParse(origin).success) : []
  } catch {
    return []
  }
}

function describeError (err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}

import type { Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { AGENT, ANNOUNCE_TOPIC, PeerRole, decodeAnnouncement } from '#protocol'
import { Announcer, IceServerCache, backoffDelay, sleep } from '#mesh-common'
import { connectionKind, preferredConnection } from './connection-kind.ts'
import type { ConnectionKind } from './connection-kind.ts'
import { createBrowserNode } from './create-browser-node.ts'
import type { BrowserNode } from './create-browser-node.ts'
import { dialDirect } from './direct-dialer.ts'
import { loadPageIdentity } from './identity.ts'
import { PeerTable, shouldDial, webRTCDialAddresses } from './peer-table.ts'
import type { KnownPeer } from './peer-table.ts'
import { fetchRelayAddress, fetchRelayBootstrap } from './relay-bootstrap.ts'

/** How often the peer list, its round-trip times and expiry are refreshed. */
const REFRESH_INTERVAL_MS = 2_000
/** Deadline for one ping. */
const PING_TIMEOUT_MS = 3_000

export type MeshStatus = 'starting' | 'online' | 'stopped' | 'failed'
export type RelayState = 'connecting' | 'connected' | 'reserved' | 'disconnected'

export interface RelayView {
  state: RelayState
  peerId?: string
  address?: string
  rttMs?: number
  /** Why the relay is unreachable, when it is. */
  error?: string
}

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
 * connection (and a reservation) to the relay, reconnecting with backoff;
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
  relay = $state.raw<RelayView>({ state: 'connecting' })
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
  #relayPeerId: PeerId | undefined

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
      void this.#keepRelay(node, signal)
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

  /** Keeps one connection to the relay, redialling with backoff whenever it drops. */
  async #keepRelay (node: BrowserNode, signal: AbortSignal): Promise<void> {
    let attempt = 0
    while (!signal.aborted) {
      if (this.#relayPeerId !== undefined && node.getConnections(this.#relayPeerId).length > 0) {
        attempt = 0
        await this.#relayDisconnected(node, signal)
        continue
      }
      this.relay = { ...this.relay, state: 'connecting', rttMs: undefined }
      try {
        const { address, bootstrap } = await fetchRelayAddress(this.#relayOrigin, signal)
        this.#iceServers.update(bootstrap)
        const relayAddress = multiaddr(address)
        const relayPeer = relayAddress.getComponents().findLast((component) => component.name === 'p2p')?.value
        this.#relayPeerId = relayPeer === undefined ? undefined : peerIdFromString(relayPeer)
        await node.dial(relayAddress, { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) })
        markOnce('shoal:relay-connected')
        this.relay = { state: 'connected', peerId: relayPeer, address }
        this.#refreshRelay()
        attempt = 0
      } catch (err) {
        if (signal.aborted) {
          return
        }
        this.relay = { ...this.relay, state: 'disconnected', error: describeError(err) }
        await sleep(backoffDelay(attempt++), signal).catch(() => {})
      }
    }
  }

  /** Resolves when the relay connection closes (or, as a safety net, after a while to recheck). */
  #relayDisconnected (node: BrowserNode, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        node.removeEventListener('peer:disconnect', onDisconnect)
        signal.removeEventListener('abort', done)
        clearTimeout(timer)
        resolve()
      }
      const onDisconnect = (event: CustomEvent<PeerId>): void => {
        if (this.#relayPeerId?.equals(event.detail) === true) {
          this.relay = { ...this.relay, state: 'disconnected', rttMs: undefined, error: 'the relay closed the connection' }
          done()
        }
      }
      const timer = setTimeout(done, 10_000)
      node.addEventListener('peer:disconnect', onDisconnect)
      signal.addEventListener('abort', done, { once: true })
    })
  }

  #refreshRelay (): void {
    const node = this.#node
    if (node === undefined || this.#relayPeerId === undefined) {
      return
    }
    const connected = node.getConnections(this.#relayPeerId).length > 0
    const reserved = node.getMultiaddrs().some((address) => address.toString().includes('/p2p-circuit'))
    if (connected) {
      this.relay = { ...this.relay, state: reserved ? 'reserved' : 'connected', error: undefined }
      if (reserved) {
        markOnce('shoal:relay-reserved')
      }
    }
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
    const targets = [...this.#table.list().map((peer) => peer.peerId), ...(this.#relayPeerId === undefined ? [] : [this.#relayPeerId.toString()])]
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
    if (this.#relayPeerId !== undefined) {
      this.relay = { ...this.relay, rttMs: this.#rttMs.get(this.#relayPeerId.toString()) }
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

function describeError (err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}

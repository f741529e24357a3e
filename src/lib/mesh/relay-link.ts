import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { backoffDelay, sleep } from '#mesh-common'
import type { Bootstrap } from '#protocol'
import type { BrowserNode } from './create-browser-node.ts'
import { fetchRelayAddress } from './relay-bootstrap.ts'

export type RelayState = 'connecting' | 'connected' | 'reserved' | 'disconnected'

export interface RelayView {
  state: RelayState
  /** The relay's http(s) origin. */
  origin?: string
  peerId?: string
  address?: string
  rttMs?: number
  /** Why the relay is unreachable, when it is. */
  error?: string
}

/** Deadline for one dial. */
const DIAL_TIMEOUT_MS = 10_000

/** How often a link with no relay to use looks again. */
const NO_RELAY_RECHECK_MS = 1_000

/** How long a connection is trusted to be up before it is checked again anyway. */
const RECHECK_MS = 10_000

export interface RelayLinkInit {
  node: BrowserNode
  /**
   * The relays this link may use, in order of preference: it keeps the first
   * that answers, and moves on to the next when one fails.
   */
  origins: () => readonly string[]
  /** Told each time the view changes. */
  onChange: (view: RelayView) => void
  /** Told each bootstrap JSON fetched (it carries STUN/TURN servers and the mesh's other relays). */
  onBootstrap?: (bootstrap: Bootstrap) => void
}

/**
 * Keeps the page connected to one relay (and so, through libp2p's circuit
 * transport, reserved there), redialling with backoff whenever it drops.
 * The page runs two: one to the relay that served it, one to another relay
 * of the mesh, so losing a relay leaves it reachable and on the gossip.
 */
export class RelayLink {
  readonly #init: RelayLinkInit
  #view: RelayView = { state: 'connecting' }
  #peerId: PeerId | undefined
  #next = 0

  constructor (init: RelayLinkInit) {
    this.#init = init
  }

  get view (): RelayView {
    return this.#view
  }

  get peerId (): PeerId | undefined {
    return this.#peerId
  }

  set rttMs (rttMs: number | undefined) {
    if (rttMs !== this.#view.rttMs) {
      this.#show({ ...this.#view, rttMs })
    }
  }

  async run (signal: AbortSignal): Promise<void> {
    const { node } = this.#init
    let attempt = 0
    while (!signal.aborted) {
      if (this.#peerId !== undefined && node.getConnections(this.#peerId).length > 0) {
        attempt = 0
        await this.#disconnected(signal)
        continue
      }
      const origins = this.#init.origins()
      const origin = origins[this.#next % Math.max(1, origins.length)]
      if (origin === undefined) {
        // No relay to use yet: the other relays are learned from the first one's bootstrap.
        await sleep(NO_RELAY_RECHECK_MS, signal).catch(() => {})
        continue
      }
      this.#show({ ...this.#view, origin, state: 'connecting', rttMs: undefined })
      try {
        const { address, bootstrap } = await fetchRelayAddress(origin, signal)
        this.#init.onBootstrap?.(bootstrap)
        const peer = multiaddr(address).getComponents().findLast((component) => component.name === 'p2p')?.value
        this.#peerId = peer === undefined ? undefined : peerIdFromString(peer)
        await node.dial(multiaddr(address), { signal: AbortSignal.any([signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)]) })
        this.#show({ origin, state: 'connected', peerId: peer, address })
        this.refresh()
        attempt = 0
      } catch (err) {
        if (signal.aborted) {
          return
        }
        this.#next++
        this.#show({ ...this.#view, state: 'disconnected', error: describeError(err) })
        await sleep(backoffDelay(attempt++), signal).catch(() => {})
      }
    }
  }

  /** Re-reads whether the relay holds a reservation for us. */
  refresh (): void {
    const { node } = this.#init
    if (this.#peerId === undefined || node.getConnections(this.#peerId).length === 0) {
      return
    }
    const circuit = `/p2p/${this.#peerId.toString()}/p2p-circuit`
    const reserved = node.getMultiaddrs().some((address) => address.toString().includes(circuit))
    const state = reserved ? 'reserved' : 'connected'
    if (state !== this.#view.state || this.#view.error !== undefined) {
      this.#show({ ...this.#view, state, error: undefined })
    }
  }

  #show (view: RelayView): void {
    this.#view = view
    this.#init.onChange(view)
  }

  /** Resolves when the relay connection closes (or, as a safety net, after a while to recheck). */
  async #disconnected (signal: AbortSignal): Promise<void> {
    const { node } = this.#init
    await new Promise<void>((resolve) => {
      const done = (): void => {
        node.removeEventListener('peer:disconnect', onDisconnect)
        signal.removeEventListener('abort', done)
        clearTimeout(timer)
        resolve()
      }
      const onDisconnect = (event: CustomEvent<PeerId>): void => {
        if (this.#peerId?.equals(event.detail) === true) {
          this.#show({ ...this.#view, state: 'disconnected', rttMs: undefined, error: 'the relay closed the connection' })
          done()
        }
      }
      const timer = setTimeout(done, RECHECK_MS)
      node.addEventListener('peer:disconnect', onDisconnect)
      signal.addEventListener('abort', done, { once: true })
    })
  }
}

function describeError (err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}

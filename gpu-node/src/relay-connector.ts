import { errorMessage } from '#server'
import { backoffDelay, sleep } from '#mesh-common'
import { formatRelayAddress, resolveRelayMultiaddr } from './relay-address.ts'
import type { GpuNodeLibp2p } from './gpu-node.ts'
import type { RelayAddress } from './relay-address.ts'
import type { Log, Metric, Startable } from '#server'
import type { PeerId } from '@libp2p/interface'

/** `connected` means browsers can reach us: a connection to the relay and a reservation on it. */
export type RelayState = 'connecting' | 'connected'

export interface RelayConnectorInit {
  relay: RelayAddress
  /** Told the other relays of the mesh each time this relay's bootstrap JSON names them. */
  onPeerRelays?: (origins: readonly string[]) => void
}

export interface RelayConnectorComponents {
  node: GpuNodeLibp2p
  log: Log
}

/** Deadline for one dial, bootstrap fetch included. */
const DIAL_TIMEOUT_MS = 10_000

/** How long after connecting the reservation may take before the connection is dropped and the whole attempt repeated. */
const RESERVATION_TIMEOUT_MS = 15_000

/** Keeps the verifier connected to, and listening through, its relay once started (see {@link RelayConnector}). */
export function createRelayConnector (init: RelayConnectorInit): (components: RelayConnectorComponents) => RelayConnector {
  return (components) => new RelayConnector(init, components)
}

/**
 * Keeps the verifier connected to, and listening through, its relay. libp2p 3
 * only re-reserves when it sees the relay connect again, and its own reconnect
 * gives up after 5 tries, so this loop dials until the relay answers, however
 * long it is gone, backing off between attempts. It logs changes of state, not
 * every attempt.
 */
export class RelayConnector implements Startable {
  readonly #init: RelayConnectorInit
  readonly #components: RelayConnectorComponents
  readonly #controller = new AbortController()
  #relayPeer: PeerId | undefined
  #reconnects = 0
  #running: Promise<void> | undefined

  constructor (init: RelayConnectorInit, components: RelayConnectorComponents) {
    this.#init = init
    this.#components = components
  }

  get state (): RelayState {
    return this.#relayPeer != null && this.#isConnected(this.#relayPeer) && this.#hasReservation(this.#relayPeer) ? 'connected' : 'connecting'
  }

  /** The relay, as configured or learned. */
  get address (): string {
    return formatRelayAddress(this.#init.relay)
  }

  /** The relay's peer id once it has been reached. */
  get relayPeerId (): PeerId | undefined {
    return this.#relayPeer
  }

  /** Times the relay was lost after being connected. */
  get reconnects (): number {
    return this.#reconnects
  }

  metrics (): Metric[] {
    return [
      { name: 'shoal_gpu_node_relay_connected', help: '1 when connected to the relay with a reservation, else 0.', type: 'gauge', value: this.state === 'connected' ? 1 : 0 },
      { name: 'shoal_gpu_node_relay_reconnects_total', help: 'Times the relay was lost after being connected.', type: 'counter', value: this.#reconnects }
    ]
  }

  start (): void {
    this.#running ??= this.#run(this.#controller.signal)
  }

  async stop (): Promise<void> {
    this.#controller.abort()
    await this.#running
  }

  async #run (signal: AbortSignal): Promise<void> {
    const { node, log } = this.#components
    const relayName = formatRelayAddress(this.#init.relay)
    let attempt = 0
    let reportedFailure = false
    while (!signal.aborted) {
      try {
        const dialSignal = AbortSignal.any([signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)])
        const { address, bootstrap } = await resolveRelayMultiaddr(this.#init.relay, { signal: dialSignal })
        if (bootstrap?.relays !== undefined) {
          this.#init.onPeerRelays?.(bootstrap.relays)
        }
        const connection = await node.dial(address, { signal: dialSignal })
        const relayPeer = connection.remotePeer
        this.#relayPeer = relayPeer
        await this.#until(() => this.#hasReservation(relayPeer) || !this.#isConnected(relayPeer), AbortSignal.any([signal, AbortSignal.timeout(RESERVATION_TIMEOUT_MS)]))
          .catch((err: unknown) => {
            if (!signal.aborted) {
              throw new Error('the relay accepted the connection but no reservation followed', { cause: err })
            }
          })
        if (!this.#hasReservation(relayPeer)) {
          throw new Error('the relay hung up before granting a reservation')
        }
        const dialable = this.#circuitAddresses(relayPeer).filter((address) => address.includes('/p2p-circuit/webrtc'))
        log.info(`Relay connected: ${relayName} (peer ${relayPeer.toString()}); browsers can dial ${dialable.join(' ') || 'nothing yet'}`)
        attempt = 0
        reportedFailure = false

        await this.#until(() => !this.#isConnected(relayPeer) || !this.#hasReservation(relayPeer), signal)
        this.#reconnects++
        log.warn(`lost the relay ${relayName}; reconnecting`)
        // A connection without a reservation is useless to browsers: start over.
        await node.hangUp(relayPeer, { signal }).catch(() => {})
      } catch (err) {
        if (signal.aborted) {
          return
        }
        if (this.#relayPeer != null && this.#isConnected(this.#relayPeer) && !this.#hasReservation(this.#relayPeer)) {
          // The next dial must be a fresh connection, or libp2p will not try to reserve again.
          await node.hangUp(this.#relayPeer, { signal }).catch(() => {})
        }
        if (!reportedFailure) {
          log.warn(`relay ${relayName} unreachable (${errorMessage(err)}); retrying with backoff`)
          reportedFailure = true
        }
      }
      await sleep(backoffDelay(attempt++), signal).catch(() => {})
    }
  }

  #isConnected (peer: PeerId): boolean {
    return this.#components.node.getConnections(peer).some((connection) => connection.status === 'open')
  }

  #circuitAddresses (relayPeer: PeerId): string[] {
    const prefix = `/p2p/${relayPeer.toString()}/p2p-circuit`
    return this.#components.node.getMultiaddrs().map((address) => address.toString()).filter((address) => address.includes(prefix))
  }

  #hasReservation (relayPeer: PeerId): boolean {
    return this.#circuitAddresses(relayPeer).length > 0
  }

  /** Resolves once `condition` holds, re-checking whenever our addresses or connections change. */
  async #until (condition: () => boolean, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted()
    if (condition()) {
      return
    }
    const { node } = this.#components
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (condition()) {
          cleanup()
          resolve()
        }
      }
      const onAbort = (): void => {
        cleanup()
        reject(signal.reason)
      }
      const cleanup = (): void => {
        node.removeEventListener('self:peer:update', check)
        node.removeEventListener('transport:listening', check)
        node.removeEventListener('connection:open', check)
        node.removeEventListener('connection:close', check)
        signal.removeEventListener('abort', onAbort)
      }
      // transport:listening comes as soon as a reservation is made or lost;
      // self:peer:update only after libp2p's 1 s debounce.
      node.addEventListener('transport:listening', check)
      node.addEventListener('self:peer:update', check)
      node.addEventListener('connection:open', check)
      node.addEventListener('connection:close', check)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }
}

import { RELAYS_HELD } from '#protocol'
import { createRelayConnector } from './relay-connector.ts'
import { parseRelayAddress } from './relay-address.ts'
import type { RelayAddress } from './relay-address.ts'
import type { RelayConnector, RelayConnectorComponents, RelayState } from './relay-connector.ts'
import type { Metric, Startable } from '#server'

export interface RelaySetInit {
  /** The relays given (`--relay`), first preferred. */
  relays: readonly RelayAddress[]
}

/** One relay the verifier keeps, as `/health` shows it. */
export interface HeldRelay {
  address: string
  state: RelayState
}

/** Keeps the verifier on the mesh through up to two relays (see {@link RelaySet}). */
export function createRelaySet (init: RelaySetInit): (components: RelayConnectorComponents) => RelaySet {
  return (components) => new RelaySet(init, components)
}

/**
 * Keeps the verifier connected to, and listening through, two relays: the
 * first two given, or the one given and another its bootstrap JSON names
 * (the relays of one mesh name each other). Browsers then reach the verifier
 * through either, and losing one relay leaves it on the mesh. Each relay has
 * its own {@link RelayConnector}, redialling however long it is gone.
 */
export class RelaySet implements Startable {
  readonly #components: RelayConnectorComponents
  readonly #configured: readonly RelayAddress[]
  readonly #held: RelayConnector[] = []
  #started = false

  constructor (init: RelaySetInit, components: RelayConnectorComponents) {
    if (init.relays.length === 0) {
      throw new Error('a verifier needs at least one relay')
    }
    this.#configured = init.relays
    this.#components = components
  }

  /** `connected` while at least one relay holds a reservation for us: browsers can reach us. */
  get state (): RelayState {
    return this.#held.some((connector) => connector.state === 'connected') ? 'connected' : 'connecting'
  }

  get relays (): HeldRelay[] {
    return this.#held.map((connector) => ({ address: connector.address, state: connector.state }))
  }

  metrics (): Metric[] {
    return [
      { name: 'shoal_gpu_node_relay_connected', help: '1 when connected to at least one relay with a reservation, else 0.', type: 'gauge', value: this.state === 'connected' ? 1 : 0 },
      { name: 'shoal_gpu_node_relays_reserved', help: 'Relays holding a reservation for this verifier now.', type: 'gauge', value: this.#held.filter((connector) => connector.state === 'connected').length },
      { name: 'shoal_gpu_node_relay_reconnects_total', help: 'Times a relay was lost after being connected.', type: 'counter', value: this.#held.reduce((sum, connector) => sum + connector.reconnects, 0) }
    ]
  }

  start (): void {
    this.#started = true
    for (const relay of this.#configured.slice(0, RELAYS_HELD)) {
      this.#hold(relay)
    }
  }

  async stop (): Promise<void> {
    this.#started = false
    await Promise.all(this.#held.map(async (connector) => { await connector.stop() }))
  }

  #hold (relay: RelayAddress): void {
    const connector = createRelayConnector({ relay, onPeerRelays: (origins) => { this.#learn(origins) } })(this.#components)
    this.#held.push(connector)
    connector.start()
  }

  /** A relay named other relays of its mesh: hold one of them too while fewer than two are held. */
  #learn (origins: readonly string[]): void {
    for (const origin of origins) {
      if (!this.#started || this.#held.length >= RELAYS_HELD) {
        return
      }
      if (this.#held.some((connector) => connector.address === origin)) {
        continue
      }
      try {
        this.#hold(parseRelayAddress(origin))
        this.#components.log.info(`Holding a second relay, ${origin}, named by the first`)
      } catch (err) {
        this.#components.log.warn(`a relay named ${origin}, which is not a relay address: ${err instanceof Error ? err.message : String(err)}`)
      }
    }
  }
}

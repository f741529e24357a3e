import type { Bootstrap, IceServer } from '#protocol'

/** Refetch this long before minted TURN credentials expire, so a dial never presents a dead one. */
const REFRESH_MARGIN_MS = 60_000

export interface IceServerCacheInit {
  /** Fetches the relay's bootstrap JSON again (for fresh TURN credentials). */
  fetchBootstrap: (signal: AbortSignal) => Promise<Bootstrap>
  /**
   * Servers to use whatever the relay says (`--ice-servers`); the relay is then never asked.
   *
   * @default undefined
   */
  fixed?: IceServer[]
  /**
   * Deadline for one refetch; a dial waits at most this long for it.
   *
   * @default 5000
   */
  timeoutMs?: number
  /** Clock, for tests. @default Date.now */
  now?: () => number
}

/**
 * The STUN/TURN servers a peer's WebRTC transport uses, as the relay hands
 * them out in its bootstrap JSON. TURN credentials there are short-lived, so
 * `rtcConfiguration()` (what @libp2p/webrtc calls for each new peer
 * connection) refetches them when they are about to expire; when the relay
 * cannot be reached it keeps the last servers it had.
 *
 * @example
 * ```ts
 * const ice = new IceServerCache({ fetchBootstrap: (signal) => fetchBootstrap(origin, signal) })
 * ice.update(await fetchBootstrap(origin, signal))
 * webRTC({ rtcConfiguration: async () => ice.rtcConfiguration() })
 * ```
 */
export class IceServerCache {
  readonly #init: IceServerCacheInit
  readonly #now: () => number
  #servers: IceServer[] = []
  #expiresAt = 0
  #pending: Promise<void> | undefined

  constructor (init: IceServerCacheInit) {
    this.#init = init
    this.#now = init.now ?? Date.now
  }

  /** The servers in use now. */
  get servers (): IceServer[] {
    return this.#init.fixed ?? this.#servers
  }

  /** Takes the servers of a bootstrap fetched for another reason (dialling the relay). */
  update (bootstrap: Bootstrap): void {
    this.#servers = bootstrap.iceServers ?? []
    this.#expiresAt = bootstrap.iceServersTtlSeconds == null ? Infinity : this.#now() + bootstrap.iceServersTtlSeconds * 1000
  }

  /** An RTCConfiguration with servers whose credentials are valid now (refetched if need be). */
  async rtcConfiguration (): Promise<RTCConfiguration> {
    if (this.#init.fixed == null && this.#now() > this.#expiresAt - REFRESH_MARGIN_MS) {
      this.#pending ??= this.#refetch().finally(() => { this.#pending = undefined })
      await this.#pending
    }
    return { iceServers: this.servers.map((server) => ({ ...server })) }
  }

  async #refetch (): Promise<void> {
    try {
      this.update(await this.#init.fetchBootstrap(AbortSignal.timeout(this.#init.timeoutMs ?? 5_000)))
    } catch {
      // Unreachable relay: keep what we had (STUN still works; an expired TURN credential just fails that candidate).
    }
  }
}

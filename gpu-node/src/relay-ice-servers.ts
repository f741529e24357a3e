import { IceServerCache } from '#mesh-common'
import { fetchRelayBootstrap } from './relay-address.ts'
import type { RelayAddress } from './relay-address.ts'

/**
 * The verifier's STUN/TURN servers: `--ice-servers` when given, else those
 * the relay hands out in its bootstrap JSON (when joined through an http(s)
 * relay URL), with TURN credentials refetched before they expire. Undefined
 * when neither applies: host candidates only.
 *
 * @example
 * ```ts
 * const ice = relayIceServers(options.relay, options.iceServers)
 * webRTC({ rtcConfiguration: ice == null ? { iceServers: [] } : async () => ice.rtcConfiguration() })
 * ```
 */
export function relayIceServers (relay: RelayAddress, fixed: RTCIceServer[]): IceServerCache | undefined {
  if (fixed.length > 0) {
    return undefined
  }
  if (relay.kind !== 'origin') {
    return undefined
  }
  return new IceServerCache({ fetchBootstrap: async (signal) => fetchRelayBootstrap(relay.origin, { signal }) })
}

import { IceServerCache } from '#mesh-common'
import { fetchRelayBootstrap } from '#server'
import type { RelayAddress } from './relay-address.ts'

/**
 * The verifier's WebRTC configuration, asked for each new peer connection:
 * `--ice-servers` when given, else the STUN/TURN servers the relay hands out
 * in its bootstrap JSON (the first relay given by its http(s) URL), with
 * TURN credentials refetched before they expire. Host candidates only when
 * neither applies.
 *
 * @example
 * ```ts
 * webRTC({ rtcConfiguration: verifierRtcConfiguration(options.relays, options.iceServers) })
 * ```
 */
export function verifierRtcConfiguration (relays: readonly RelayAddress[], fixed: RTCIceServer[]): () => Promise<RTCConfiguration> {
  const relay = relays.find((candidate) => candidate.kind === 'origin')
  const cache = new IceServerCache({
    fixed: fixed.length > 0 || relay === undefined ? fixed : undefined,
    fetchBootstrap: async (signal) => {
      if (relay === undefined) {
        throw new Error('no relay origin to ask for ICE servers')
      }
      return fetchRelayBootstrap(relay.origin, { signal })
    }
  })
  return async () => {
    const configuration = await cache.rtcConfiguration()
    return { ...configuration, iceServers: (configuration.iceServers ?? []).map(forNodeDatachannel) }
  }
}

/**
 * node-datachannel's RTCPeerConnection hands libdatachannel each server as
 * one URL, `turn:<username>:<credential>@host`, which it splits at `:` and
 * URL-decodes: coturn's REST usernames (`<expiry>:<id>`) would lose their id
 * (coturn then answers 401), and base64 credentials may hold `/` or `+`.
 * Percent-encoding both makes them survive.
 */
export function forNodeDatachannel (server: RTCIceServer): RTCIceServer {
  if (server.username == null || server.credential == null) {
    return server
  }
  return { ...server, username: encodeURIComponent(server.username), credential: encodeURIComponent(server.credential) }
}

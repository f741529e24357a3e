import { z } from 'zod'
import { MalformedMessageError } from './errors.ts'

/**
 * What the relay serves at BOOTSTRAP_PATH: its peer id and listen addresses.
 * The relay accepts libp2p WebSocket connections on the same HTTP origin that
 * serves the app, so a page builds the relay's multiaddr from its own origin
 * and the same app works behind any host name, port or TLS terminator.
 */
/** Most ICE servers a relay may hand out: browsers slow down gathering with many, and a page is not a config dump. */
export const MAX_ICE_SERVERS = 8

/**
 * One STUN or TURN server, shaped like WebRTC's `RTCIceServer`. TURN entries
 * carry short-lived credentials the relay minted for this request (coturn's
 * `use-auth-secret` scheme), never a static password.
 */
export const IceServer = z.object({
  urls: z.union([
    z.string().regex(/^(stun|stuns|turn|turns):/, 'must be a stun: or turn: URL').max(512),
    z.array(z.string().regex(/^(stun|stuns|turn|turns):/, 'must be a stun: or turn: URL').max(512)).min(1).max(4)
  ]),
  username: z.string().min(1).max(256).optional(),
  credential: z.string().min(1).max(256).optional()
})
export type IceServer = z.infer<typeof IceServer>

/** Most other relays a bootstrap names: a page or verifier holds reservations on two relays, and tries the others in turn. */
export const MAX_PEER_RELAYS = 8

/** How many relays a page or verifier holds reservations on at once: one relay's death then leaves it on the mesh. */
export const RELAYS_HELD = 2

/** An http(s) origin, as a relay names itself to its peers and pages: no path, no credentials. */
export const RelayOrigin = z.string().max(512).refine((text) => {
  if (!/^https?:\/\//i.test(text) || !URL.canParse(text)) {
    return false
  }
  const url = new URL(text)
  return url.origin === text && url.username === '' && url.password === ''
}, 'must be an http(s) origin such as https://relay.example.org')

export const Bootstrap = z.object({
  relayPeerId: z.string().min(1).max(128),
  /** Multiaddrs the relay listens on directly, for peers that dial it without HTTP. */
  multiaddrs: z.array(z.string().startsWith('/').max(512)).max(16),
  /** STUN/TURN servers for WebRTC; absent when the relay knows none (host candidates only). */
  iceServers: z.array(IceServer).max(MAX_ICE_SERVERS).optional(),
  /** Seconds the TURN credentials in `iceServers` stay valid from when this was served: fetch again before. */
  iceServersTtlSeconds: z.number().int().min(1).max(7 * 24 * 3600).optional(),
  /**
   * Other relays of the same mesh (their http(s) origins), whose gossip this
   * relay joins: pages and verifiers keep a reservation on one of them too,
   * so losing this relay does not cut them off.
   */
  relays: z.array(RelayOrigin).max(MAX_PEER_RELAYS).optional()
})
export type Bootstrap = z.infer<typeof Bootstrap>

/** Parses bootstrap JSON fetched from a relay. */
export function parseBootstrap (json: unknown): Bootstrap {
  const result = Bootstrap.safeParse(json)
  if (!result.success) {
    throw new MalformedMessageError(`relay bootstrap is malformed: ${z.prettifyError(result.error)}`)
  }
  return result.data
}

/**
 * The multiaddr that reaches a relay's WebSocket endpoint on an HTTP(S) origin:
 * `https://host` gives `/dns4/host/tcp/443/tls/ws` (wss) and so on.
 */
export function relayMultiaddrForOrigin (origin: string, bootstrap: Bootstrap): string {
  const url = new URL(origin)
  const secure = url.protocol === 'https:'
  const port = url.port !== '' ? url.port : (secure ? '443' : '80')
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const hostPart = /^\d+\.\d+\.\d+\.\d+$/.test(host)
    ? `/ip4/${host}`
    : host.includes(':') ? `/ip6/${host}` : `/dns/${host}`
  return `${hostPart}/tcp/${port}${secure ? '/tls' : ''}/ws/p2p/${bootstrap.relayPeerId}`
}

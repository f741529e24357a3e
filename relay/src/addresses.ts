import { isIP } from 'node:net'
import type { Bootstrap } from '#protocol'

/**
 * The multiaddr of the relay's public WebSocket endpoint (the HTTP port).
 * A wildcard bind address is not dialable, so it becomes loopback: fine for
 * local use; public deployments bind a real address or front the relay with
 * a proxy, and pages derive the address from their own origin anyway.
 */
export function publicWebSocketMultiaddr (host: string, port: number): string {
  const dialable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host
  const family = isIP(dialable)
  const hostPart = family === 4 ? `/ip4/${dialable}` : family === 6 ? `/ip6/${dialable}` : `/dns/${dialable}`
  return `${hostPart}/tcp/${port}/ws`
}

/** The JSON served at BOOTSTRAP_PATH: how to dial this relay without going through a page's origin. */
export function relayBootstrap (peerId: string, publicAddresses: readonly string[], peerRelays: readonly string[] = []): Bootstrap {
  const bootstrap: Bootstrap = { relayPeerId: peerId, multiaddrs: publicAddresses.map((address) => `${address}/p2p/${peerId}`) }
  return peerRelays.length === 0 ? bootstrap : { ...bootstrap, relays: [...peerRelays] }
}

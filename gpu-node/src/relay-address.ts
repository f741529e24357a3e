import { multiaddr } from '@multiformats/multiaddr'
import { relayMultiaddrForOrigin } from '#protocol'
import { fetchRelayBootstrap } from '#server'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Bootstrap } from '#protocol'
import type { FetchBootstrapOptions } from '#server'

/**
 * Where the relay is: its HTTP(S) origin, from which the bootstrap JSON gives
 * the peer id (and the address follows from the origin, as in the browser), or
 * a libp2p multiaddr naming the relay's peer id.
 */
export type RelayAddress =
  | { kind: 'origin', origin: URL }
  | { kind: 'multiaddr', multiaddr: Multiaddr }

/**
 * Parses `--relay`. Throws a plain Error whose message says what is wrong;
 * the option schema turns it into a ConfigError.
 */
export function parseRelayAddress (text: string): RelayAddress {
  const value = text.trim()
  if (/^https?:\/\//i.test(value)) {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      throw new Error('is not a valid http(s) URL')
    }
    if (url.hostname === '') {
      throw new Error('has no host')
    }
    return { kind: 'origin', origin: new URL(url.origin) }
  }
  if (value.startsWith('/')) {
    let address: Multiaddr
    try {
      address = multiaddr(value)
    } catch {
      throw new Error('is not a valid multiaddr')
    }
    // Naming the peer id lets noise check that we reached the relay and not whoever holds the address.
    if (!address.getComponents().some((component) => component.name === 'p2p')) {
      throw new Error('must end with /p2p/<relay peer id>')
    }
    return { kind: 'multiaddr', multiaddr: address }
  }
  throw new Error('must be an http(s) URL such as http://localhost:8080 or a multiaddr such as /ip4/127.0.0.1/tcp/8080/ws/p2p/<peer id>')
}

export function formatRelayAddress (relay: RelayAddress): string {
  return relay.kind === 'origin' ? relay.origin.origin : relay.multiaddr.toString()
}

/**
 * The multiaddr to dial: as given, or built from the origin and the peer id
 * its bootstrap JSON names (returned too: it names the mesh's other relays).
 *
 * @throws {MalformedMessageError} when the bootstrap JSON is malformed
 */
export async function resolveRelayMultiaddr (relay: RelayAddress, options: FetchBootstrapOptions = {}): Promise<{ address: Multiaddr, bootstrap?: Bootstrap }> {
  if (relay.kind === 'multiaddr') {
    return { address: relay.multiaddr }
  }
  const bootstrap = await fetchRelayBootstrap(relay.origin, options)
  return { address: multiaddr(relayMultiaddrForOrigin(relay.origin.origin, bootstrap)), bootstrap }
}
